"""Customer predictions (docs/predictions.md): the fits recover known parameters, the closed forms agree with
the papers' formulas written out here at their edge cases, the inputs agree with a pandas computation from
their documented definition, and the backtest orders groups as a model of purchase rates and dropout should."""

from __future__ import annotations

import datetime as dt
import itertools
import math

import numpy as np
import pandas as pd
import pytest
from scipy.special import gammaln, hyp2f1

from conftest import SAMPLE_AS_OF, Workspace
from orchestration.lib import clv

# BG/NBD in days: a mean purchase rate of r / alpha = one purchase in 60 days, dropout after a purchase
# with probability a / (a + b) = 1/6; Gamma-Gamma with a mean spend v p / (q - 1) = 60.
TRUE_BG_NBD = {"r": 0.5, "alpha": 30.0, "a": 0.8, "b": 4.0}
TRUE_GAMMA_GAMMA = {"p": 6.0, "q": 4.0, "v": 30.0}
# 30,000 customers recover each parameter within 15% (the estimates' standard errors are 2-6%).
RECOVERY_TOLERANCE = 0.15


def paper_probability_alive(params: dict[str, float], x: float, t_x: float, big_t: float) -> float:
    """Fader, Hardie & Lee, "Computing P(alive) using the BG/NBD model" (note 021), equation (2)."""
    r, alpha, a, b = params["r"], params["alpha"], params["a"], params["b"]
    if x == 0:
        return 1.0
    return 1.0 / (1.0 + (a / (b + x - 1)) * ((alpha + big_t) / (alpha + t_x)) ** (r + x))


def paper_expected_purchases(params: dict[str, float], t: float, x: float, t_x: float, big_t: float) -> float:
    """Fader, Hardie & Lee (2005), equation (10)."""
    r, alpha, a, b = params["r"], params["alpha"], params["a"], params["b"]
    z = t / (alpha + big_t + t)
    bracket = 1 - ((alpha + big_t) / (alpha + big_t + t)) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, z)
    numerator = (a + b + x - 1) / (a - 1) * bracket
    return numerator / (1 + (x > 0) * a / (b + x - 1) * ((alpha + big_t) / (alpha + t_x)) ** (r + x))


def paper_unconditional_expected_purchases(params: dict[str, float], t: float) -> float:
    """Fader, Hardie & Lee (2005), equation (9): E[X(t)] of a customer just acquired."""
    r, alpha, a, b = params["r"], params["alpha"], params["a"], params["b"]
    return (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, t / (alpha + t)))


def paper_log_likelihood(params: dict[str, float], x: np.ndarray, t_x: np.ndarray, big_t: np.ndarray) -> float:
    """Fader, Hardie & Lee (2005), equation (6), summed over customers."""
    r, alpha, a, b = (params[name] for name in clv.BG_NBD_PARAMETERS)
    common = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
    # log(A + B) of the equation's two terms, summed in logs: the terms underflow for frequent buyers
    survived = -(r + x) * np.log(alpha + big_t)
    with np.errstate(divide="ignore"):
        dropped = np.where(x > 0, np.log(a) - np.log(b + np.maximum(x, 1) - 1) - (r + x) * np.log(alpha + t_x), -np.inf)
    return float(np.sum(common + np.logaddexp(survived, dropped)))


def test_bg_nbd_recovers_the_parameters_it_was_simulated_with() -> None:
    data = clv.simulate_bg_nbd(30_000, **TRUE_BG_NBD, max_age_days=730, seed=11)
    fit = clv.fit_bg_nbd(data["frequency"], data["recency_days"], data["age_days"])
    assert fit.status == "fitted" and fit.customers == 30_000
    for name, true in TRUE_BG_NBD.items():
        assert fit.parameters[name] == pytest.approx(true, rel=RECOVERY_TOLERANCE), name
    # deterministic: the same customers in another order give the same parameters, bit for bit
    shuffled = data.sample(frac=1.0, random_state=3)
    again = clv.fit_bg_nbd(shuffled["frequency"], shuffled["recency_days"], shuffled["age_days"])
    assert again.parameters == fit.parameters and again.log_likelihood == fit.log_likelihood


def test_gamma_gamma_recovers_the_parameters_it_was_simulated_with() -> None:
    rng = np.random.default_rng(5)
    customers = 30_000
    frequency = rng.integers(1, 12, customers)
    # each customer's spend scale nu ~ Gamma(q, rate v); each purchase's spend ~ Gamma(p, rate nu)
    nu = rng.gamma(TRUE_GAMMA_GAMMA["q"], 1 / TRUE_GAMMA_GAMMA["v"], customers)
    mean_spend = np.array(
        [rng.gamma(TRUE_GAMMA_GAMMA["p"], 1 / scale, count).mean() for scale, count in zip(nu, frequency, strict=True)]
    )
    fit = clv.fit_gamma_gamma(frequency, mean_spend)
    assert fit.status == "fitted"
    for name, true in TRUE_GAMMA_GAMMA.items():
        assert fit.parameters[name] == pytest.approx(true, rel=RECOVERY_TOLERANCE), name


def test_closed_forms_agree_with_the_papers_at_their_edges() -> None:
    params = {"r": 0.24, "alpha": 4.4, "a": 0.79, "b": 2.43}
    cases = {
        "one-time buyer, long ago": (0, 0, 300),
        "first purchase today (zero repeat purchases, T = 0)": (0, 0, 0),
        "bought today after repeat purchases": (4, 120, 120),
        "repeat buyer, silent since": (4, 30, 300),
        "many purchases": (60, 700, 720),
    }
    for name, (x, t_x, big_t) in cases.items():
        arrays = (np.array([x]), np.array([t_x]), np.array([big_t]))
        assert clv.probability_alive(params, *arrays)[0] == pytest.approx(
            paper_probability_alive(params, x, t_x, big_t), rel=1e-9
        ), name
        for days in (1, 90, 365):
            expected = paper_expected_purchases(params, days, x, t_x, big_t)
            assert clv.expected_purchases(params, days, *arrays)[0] == pytest.approx(expected, rel=1e-7), (name, days)
    # a one-time buyer is alive with probability 1 in BG/NBD (dropout happens only after a repeat purchase)
    assert clv.probability_alive(params, np.array([0]), np.array([0]), np.array([500]))[0] == 1.0
    # a customer who just bought for the first time is a new customer: equation (9)
    just_acquired = clv.expected_purchases(params, 365, np.array([0]), np.array([0]), np.array([0]))[0]
    assert just_acquired == pytest.approx(paper_unconditional_expected_purchases(params, 365), rel=1e-9)
    # bought today after x repeat purchases: P(alive) = 1 / (1 + a / (b + x - 1))
    assert clv.probability_alive(params, np.array([4]), np.array([120]), np.array([120]))[0] == pytest.approx(
        1 / (1 + 0.79 / (2.43 + 3))
    )
    # Gamma-Gamma: the population mean v p / (q - 1) for a one-time buyer; towards the customer's own mean with x
    spend = {"p": 6.0, "q": 4.0, "v": 30.0}
    assert clv.expected_spend(spend, np.array([0]), np.array([np.nan]))[0] == pytest.approx(60.0)
    weights = [6 * x / (6 * x + 3) for x in (1, 10)]
    assert list(clv.expected_spend(spend, np.array([1, 10]), np.array([90.0, 90.0]))) == pytest.approx(
        [(1 - w) * 60 + w * 90 for w in weights]
    )


def test_log_likelihood_is_the_papers_in_days() -> None:
    """The reported log-likelihood is equation (6) of Fader, Hardie & Lee (2005) with time in days, summed
    over customers: written out here with gammaln."""
    data = clv.simulate_bg_nbd(2_000, **TRUE_BG_NBD, max_age_days=400, seed=2)
    fit = clv.fit_bg_nbd(data["frequency"], data["recency_days"], data["age_days"])
    x, t_x, big_t = (data[column].to_numpy(dtype=float) for column in ("frequency", "recency_days", "age_days"))
    assert fit.log_likelihood == pytest.approx(paper_log_likelihood(fit.parameters, x, t_x, big_t), rel=1e-9)


def test_too_little_data_is_not_fitted_and_says_why() -> None:
    fit = clv.fit_bg_nbd(np.array([0, 0, 1]), np.array([0, 0, 5]), np.array([10, 20, 30]))
    assert not fit.fitted and fit.status == "not fitted: 3 customers and 1 repeat customers (at least 10 and 2 needed)"
    spend = clv.fit_gamma_gamma(np.array([1, 2, 0]), np.array([10.0, 20.0, np.nan]))
    assert not spend.fitted and "2 repeat customers with a positive spend" in spend.status
    scores = clv.score(
        pd.DataFrame({"frequency": [1], "recency_days": [5], "age_days": [30], "repeat_average_order_value": [10.0]}),
        fit,
        spend,
        180,
    )
    assert scores.isna().all().all()
    # an optimizer that stops early is reported with its own words, and nothing is printed
    from lifetimes import BetaGeoFitter

    data = clv.simulate_bg_nbd(200, **TRUE_BG_NBD, max_age_days=400, seed=4)
    fitter, status = clv._optimize(
        BetaGeoFitter(), frequency=data.frequency, recency=data.recency_days, T=data.age_days, maxiter=1
    )
    assert fitter is None
    assert status == "not fitted: the optimizer did not converge (Maximum number of iterations has been exceeded.)"


@pytest.mark.build
def test_inputs_match_a_pandas_computation_from_their_definition(sample_warehouse: Workspace) -> None:
    """int_customers_clv_inputs: purchase days, repeat purchases, recency, age and the repeat days' mean
    spend from the valid orders, as of the as-of date and the backtest cutoff."""
    orders = sample_warehouse.query("select contact_id, ordered_date, net_revenue from marts.fct_orders where is_valid_order")
    orders["ordered_date"] = pd.to_datetime(orders["ordered_date"]).dt.date
    as_of = dt.date.fromisoformat(SAMPLE_AS_OF)
    cutoff = as_of - dt.timedelta(days=180)
    expected_rows = []
    for date in (as_of, cutoff):
        days = (
            orders[orders["ordered_date"] <= date]
            .groupby(["contact_id", "ordered_date"], as_index=False)["net_revenue"]
            .sum()
            .sort_values(["contact_id", "ordered_date"])
        )
        for contact_id, bought in days.groupby("contact_id"):
            first, last = bought["ordered_date"].min(), bought["ordered_date"].max()
            repeat = bought[bought["ordered_date"] > first]["net_revenue"]
            expected_rows.append({
                "as_of_date": date,
                "contact_id": contact_id,
                "frequency": len(bought) - 1,
                "recency_days": (last - first).days,
                "age_days": (date - first).days,
                "repeat_average_order_value": float(repeat.astype(float).mean()) if len(repeat) else None,
            })  # fmt: skip
    expected = pd.DataFrame(expected_rows).set_index(["as_of_date", "contact_id"]).sort_index()
    actual = sample_warehouse.query(
        "select as_of_date, contact_id, frequency, recency_days, age_days, repeat_average_order_value"
        " from intermediate.int_customers_clv_inputs"
    )
    actual["as_of_date"] = pd.to_datetime(actual["as_of_date"]).dt.date
    actual = actual.set_index(["as_of_date", "contact_id"]).sort_index()
    assert list(actual.index) == list(expected.index)
    for column in ("frequency", "recency_days", "age_days"):
        assert (actual[column].astype(int) == expected[column].astype(int)).all(), column
    pd.testing.assert_series_equal(
        actual["repeat_average_order_value"].astype(float), expected["repeat_average_order_value"].astype(float), rtol=1e-12
    )


@pytest.mark.build
def test_predictions_are_the_fitted_models_applied_to_the_inputs(sample_warehouse: Workspace) -> None:
    """customer_predictions equals the closed forms of this module (the papers') with the parameters
    clv_model_parameters reports; the fit is the maximum of the likelihood (no nearby point is higher)."""
    parameters = sample_warehouse.query(
        "select model, parameter, value, fit_status from marts.clv_model_parameters where fit_purpose = 'predictions'"
    )
    assert set(parameters["fit_status"]) == {"fitted"}
    bg = dict(
        zip(parameters[parameters.model == "bg_nbd"].parameter, parameters[parameters.model == "bg_nbd"].value, strict=True)
    )
    gg = dict(
        zip(
            parameters[parameters.model == "gamma_gamma"].parameter,
            parameters[parameters.model == "gamma_gamma"].value,
            strict=True,
        )
    )
    # the mean spend unrounded (customer_predictions shows it to the cent)
    predictions = sample_warehouse.query(
        "select predictions.*, inputs.repeat_average_order_value as mean_spend from marts.customer_predictions as predictions"
        " inner join intermediate.int_customers_clv_inputs as inputs"
        " on predictions.contact_id = inputs.contact_id and predictions.as_of_date = inputs.as_of_date order by contact_id"
    )
    assert len(predictions) > 1000
    sample = predictions.iloc[:: max(1, len(predictions) // 200)]
    for row in sample.itertuples():
        assert row.probability_alive == pytest.approx(
            paper_probability_alive(bg, row.frequency, row.recency_days, row.age_days), rel=1e-9
        )
        expected_90 = paper_expected_purchases(bg, 90, row.frequency, row.recency_days, row.age_days)
        assert row.expected_orders_next_90_days == pytest.approx(expected_90, rel=1e-7)
        weight = gg["p"] * row.frequency / (gg["p"] * row.frequency + gg["q"] - 1)
        own = float(row.mean_spend) if row.frequency > 0 else 0.0
        spend = (1 - weight) * gg["v"] * gg["p"] / (gg["q"] - 1) + weight * own
        assert float(row.expected_average_order_value) == pytest.approx(spend, abs=0.006)
        expected_365 = paper_expected_purchases(bg, 365, row.frequency, row.recency_days, row.age_days)
        assert float(row.predicted_revenue_next_365_days) == pytest.approx(
            expected_365 * spend, abs=0.01 + 1e-6 * expected_365 * spend
        )
    bands = predictions.dropna(subset=["probability_alive"])
    expected_band = np.where(bands.probability_alive < 0.3, "High", np.where(bands.probability_alive < 0.7, "Medium", "Low"))
    assert (bands.churn_risk == expected_band).all()
    # no step of 1% in any parameter raises the likelihood: the fit is at the maximum
    x, t_x, big_t = (predictions[column].to_numpy(dtype=float) for column in ("frequency", "recency_days", "age_days"))

    def log_likelihood(params: dict[str, float]) -> float:
        return paper_log_likelihood(params, x, t_x, big_t)

    best = log_likelihood(bg)
    assert np.isfinite(best)
    for name in clv.BG_NBD_PARAMETERS:
        for step in (0.99, 1.01):
            assert log_likelihood({**bg, name: bg[name] * step}) <= best, (name, step)


@pytest.mark.build
def test_the_backtest_orders_personas_bands_and_deciles_as_expected(sample_warehouse: Workspace) -> None:
    """On generated customers who buy at their own rate until they drop out (orchestration/generator.py),
    Champions buy again in the holdout more often than Inactive customers, Low churn risk more than High,
    and actual purchases rise with the decile of predicted purchases, close to the prediction overall."""
    backtest = sample_warehouse.query("select * from marts.persona_backtest").set_index(["group_type", "group_name"])
    rate = backtest["holdout_purchase_rate_pct"]
    assert rate[("persona", "Champions")] > 5 * rate[("persona", "Inactive")]
    assert rate[("churn_risk", "Low")] > 3 * rate[("churn_risk", "High")]
    deciles = backtest.loc["predicted_orders_decile"].sort_values("group_order")
    assert list(deciles["group_order"]) == list(range(1, 11))
    actual = deciles["holdout_purchase_days_per_customer"].to_numpy()
    predicted = deciles["predicted_purchase_days_per_customer"].to_numpy()
    assert (np.diff(predicted) > 0).all()
    # actual purchases rise with the predicted decile: rank correlation above 0.9, top decile far above the bottom
    assert pd.Series(actual).corr(pd.Series(range(10)), method="spearman") > 0.9
    assert actual[-1] > 10 * max(actual[:3].mean(), 0.01)
    everyone = backtest.loc[("all", "All customers")]
    assert everyone["predicted_purchase_days_per_customer"] == pytest.approx(
        everyone["holdout_purchase_days_per_customer"], rel=0.25
    )
    assert deciles["customers"].sum() == everyone["customers"]
    assert str(everyone["cutoff_date"])[:10] == str(dt.date.fromisoformat(SAMPLE_AS_OF) - dt.timedelta(days=180))


@pytest.mark.build
def test_the_summary_shows_the_fits_churn_bands_and_backtest(sample_warehouse: Workspace) -> None:
    """`make run`'s summary prints each fit, the churn-risk bands with their predicted revenue and the persona
    backtest, with the figures of the marts."""
    from orchestration.summary import summarise

    text = summarise(sample_warehouse.database)
    section = text.split("Predictions (see marts.customer_predictions")[1].split("\n\n")[0].splitlines()
    fitted = sample_warehouse.query(
        "select customers_fitted from marts.clv_model_parameters where fit_purpose = 'predictions' and model = 'bg_nbd' "
        "limit 1"
    ).customers_fitted.item()
    assert f"  predictions BG/NBD       fitted on {fitted:,} customers" in "\n".join(section)
    bands = sample_warehouse.query(
        "select churn_risk, count(*) as customers from marts.customer_predictions group by churn_risk"
    ).set_index("churn_risk").customers
    for band in ("Low", "Medium", "High"):
        assert [line for line in section if line.split()[:2] == [band, f"{bands[band]:,}"]], band
    personas = [line.split()[0] for line in section if line.split() and line.split()[0] in ("Champions", "Inactive")]
    assert personas == ["Champions", "Inactive"]


@pytest.mark.build
def test_purchase_cycles_match_a_pandas_computation(sample_warehouse: Workspace) -> None:
    """The purchase cycle: the median of the days between consecutive purchase days, the next purchase due
    that many days (rounded, halves up) after the last one, and the days until then."""
    orders = sample_warehouse.query("select contact_id, ordered_date from marts.fct_orders where is_valid_order")
    as_of = dt.date.fromisoformat(SAMPLE_AS_OF)
    orders["ordered_date"] = pd.to_datetime(orders["ordered_date"]).dt.date
    days = orders[orders["ordered_date"] <= as_of].drop_duplicates().sort_values(["contact_id", "ordered_date"])
    built = sample_warehouse.query("select * from marts.customer_predictions").set_index("contact_id")
    checked = 0
    for contact_id, bought in days.groupby("contact_id"):
        row = built.loc[contact_id]
        purchase_days = list(bought["ordered_date"])
        gaps = [(later - earlier).days for earlier, later in itertools.pairwise(purchase_days)]
        if not gaps:
            assert pd.isna(row.median_days_between_orders) and pd.isna(row.expected_next_order_date), contact_id
            continue
        median = float(np.median(gaps))
        due = bought["ordered_date"].max() + dt.timedelta(days=math.floor(median + 0.5))
        assert row.median_days_between_orders == median, contact_id
        assert (row.shortest_days_between_orders, row.longest_days_between_orders) == (min(gaps), max(gaps)), contact_id
        assert pd.Timestamp(row.expected_next_order_date).date() == due, contact_id
        assert row.days_until_expected_next_order == (due - as_of).days, contact_id
        checked += 1
    assert checked > 500 and len(built) == days["contact_id"].nunique()


@pytest.mark.build
def test_a_shop_without_repeat_buyers_builds_with_every_model_unfitted(workspace: Workspace) -> None:
    """Few customers and no repeat purchase: the build passes, every parameter row is there, unfitted, with
    the reason, and the predictions are null (their inputs are not)."""
    workspace.generate("--contacts", "40", "--orders", "3", "--events", "100", "--end-date", "2026-06-30", "--seed", "2")
    workspace.build(
        "--indirect-selection", "cautious", tests=True,
        select="+customer_predictions +clv_model_parameters +persona_backtest", vars={"as_of_date": "2026-06-30"},
    )  # fmt: skip
    parameters = workspace.query("select * from marts.clv_model_parameters")
    assert len(parameters) == 14 and parameters.value.isna().all()
    statuses = set(parameters.fit_status)
    assert all(status.startswith("not fitted: ") and "needed" in status for status in statuses), statuses
    predictions = workspace.query("select * from marts.customer_predictions")
    assert len(predictions) <= 3 and predictions.probability_alive.isna().all() and predictions.frequency.notna().all()
