"""Customer predictions: the BG/NBD and Gamma-Gamma models, fitted by maximum likelihood with lifetimes.

The dbt Python models of models/intermediate/predictions/ call these functions: `fit_bg_nbd` and
`fit_gamma_gamma` give a model's parameters (int_clv_model_fits), and `score` turns them and each
customer's inputs into predictions (int_customers_clv_scored). docs/predictions.md documents the models,
their inputs and assumptions; DECISIONS.md says why lifetimes.

The inputs are the literature's (Fader, Hardie & Lee 2005), in days: a purchase is a day with a valid
order, `frequency` the repeat purchases (purchase days minus one), `recency` the days from the first to the
last purchase day, `age` (the models' T) the days from the first purchase day to the as-of date, and
`monetary` the mean spend of the repeat purchase days. Every BG/NBD parameter is fitted with time in days
(alpha's unit is days; r, a and b have none); Gamma-Gamma has no time.

Fits are deterministic: customers with the same inputs are one weighted row, in a fixed order, and the
optimizer starts from fixed values, so the same data give the same parameters.
"""

from __future__ import annotations

import contextlib
import io
import math
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

TIME_UNIT = "day"
BG_NBD = "bg_nbd"
GAMMA_GAMMA = "gamma_gamma"
BG_NBD_PARAMETERS = ("r", "alpha", "a", "b")
GAMMA_GAMMA_PARAMETERS = ("p", "q", "v")
# Each parameter's unit: alpha is a time scale (the models' time unit); the others have none, and
# Gamma-Gamma's v is a scale of spend (the reporting currency).
PARAMETER_UNITS = {"r": None, "alpha": TIME_UNIT, "a": None, "b": None, "p": None, "q": None, "v": "reporting currency"}
# Fewer customers than this, or fewer repeat customers, and a model is not fitted (its predictions are null).
MIN_CUSTOMERS = 10
MIN_REPEAT_CUSTOMERS = 2


def _lifetimes():
    """lifetimes, imported quietly: on import it sets a pandas option pandas 3 deprecates (a warning each time)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import lifetimes
        import lifetimes.utils
    return lifetimes


@dataclass(frozen=True)
class Fit:
    """One model's fit: its parameters (None when it was not fitted), the customers it saw, its
    log-likelihood, and its status ('fitted', or why not)."""

    model: str
    parameters: dict[str, float] | None
    customers: int
    log_likelihood: float | None
    status: str

    @property
    def fitted(self) -> bool:
        return self.parameters is not None


def _weighted(columns: dict[str, np.ndarray]) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The distinct rows of `columns` in sorted order and how many customers each stands for."""
    stacked = np.column_stack([np.asarray(values, dtype=float) for values in columns.values()])
    distinct, counts = np.unique(stacked, axis=0, return_counts=True)
    return {name: distinct[:, index] for index, name in enumerate(columns)}, counts.astype(float)


def _optimize(fitter: object, **fit_arguments: object) -> tuple[object | None, str]:
    """Runs a lifetimes fit, returning (fitter, 'fitted') or (None, the reason it failed). lifetimes prints
    the optimizer's report when it does not converge; that goes into the reason, not to stdout."""
    ConvergenceError = _lifetimes().utils.ConvergenceError

    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed), warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            fitter.fit(**fit_arguments)
    except ConvergenceError:
        said = [line.split(":", 1)[1].strip() for line in printed.getvalue().splitlines() if line.strip().startswith("message:")]
        return None, "not fitted: the optimizer did not converge" + (f" ({said[0]})" if said else "")
    except (ValueError, FloatingPointError, np.linalg.LinAlgError) as error:
        message = " ".join(str(error).split()) or type(error).__name__
        return None, f"not fitted: {message}"
    parameters = dict(fitter.params_)
    if not all(math.isfinite(value) and value > 0 for value in parameters.values()):
        return None, "not fitted: the optimizer ended at parameters that are not positive and finite"
    return fitter, "fitted"


def fit_bg_nbd(frequency: np.ndarray, recency: np.ndarray, age: np.ndarray) -> Fit:
    """BG/NBD by maximum likelihood on every customer (one-time buyers included)."""
    BetaGeoFitter = _lifetimes().BetaGeoFitter

    frequency = np.asarray(frequency, dtype=float)
    customers = len(frequency)
    repeaters = int((frequency > 0).sum())
    if customers < MIN_CUSTOMERS or repeaters < MIN_REPEAT_CUSTOMERS:
        return Fit(
            BG_NBD,
            None,
            customers,
            None,
            f"not fitted: {customers} customers and {repeaters} repeat customers "
            f"(at least {MIN_CUSTOMERS} and {MIN_REPEAT_CUSTOMERS} needed)",
        )
    rows, weights = _weighted({"frequency": frequency, "recency": recency, "T": age})
    fitter, status = _optimize(BetaGeoFitter(penalizer_coef=0.0), **rows, weights=weights)
    if fitter is None:
        return Fit(BG_NBD, None, customers, None, status)
    parameters = {name: float(fitter.params_[name]) for name in BG_NBD_PARAMETERS}
    # lifetimes fits in a rescaled time; the log-likelihood is reported with time in days, the parameters' unit
    log_parameters = np.log([parameters[name] for name in BG_NBD_PARAMETERS])
    mean = BetaGeoFitter._negative_log_likelihood(log_parameters, rows["frequency"], rows["recency"], rows["T"], weights, 0.0)
    log_likelihood = -float(mean) * float(weights.sum())
    return Fit(BG_NBD, parameters, customers, log_likelihood, status)


def fit_gamma_gamma(frequency: np.ndarray, monetary: np.ndarray) -> Fit:
    """Gamma-Gamma by maximum likelihood on the repeat customers with a positive mean spend, with q kept
    above 1 (the population's mean spend, v p / (q - 1), exists only then)."""
    GammaGammaFitter = _lifetimes().GammaGammaFitter

    frequency = np.asarray(frequency, dtype=float)
    monetary = np.asarray(monetary, dtype=float)
    usable = (frequency > 0) & np.isfinite(monetary) & (monetary > 0)
    customers = int(usable.sum())
    if customers < MIN_CUSTOMERS:
        return Fit(
            GAMMA_GAMMA,
            None,
            customers,
            None,
            f"not fitted: {customers} repeat customers with a positive spend (at least {MIN_CUSTOMERS} needed)",
        )
    rows, weights = _weighted({"frequency": frequency[usable], "monetary_value": monetary[usable]})
    fitter, status = _optimize(GammaGammaFitter(penalizer_coef=0.0), **rows, weights=weights, q_constraint=True)
    if fitter is None:
        return Fit(GAMMA_GAMMA, None, customers, None, status)
    if float(fitter.params_["q"]) <= 1:
        return Fit(GAMMA_GAMMA, None, customers, None, "not fitted: q ended at 1, where the mean spend is infinite")
    # the mean negative log-likelihood of the mean spends (Hardie's note 025, equation 1a) per customer
    log_likelihood = -float(fitter._negative_log_likelihood_) * float(weights.sum())
    return Fit(
        GAMMA_GAMMA, {name: float(fitter.params_[name]) for name in GAMMA_GAMMA_PARAMETERS}, customers, log_likelihood, status
    )


def probability_alive(parameters: dict[str, float], frequency: np.ndarray, recency: np.ndarray, age: np.ndarray) -> np.ndarray:
    """P(alive | x, t_x, T) of BG/NBD (Fader, Hardie & Lee 2008, note 021): 1 for x = 0."""
    BetaGeoFitter = _lifetimes().BetaGeoFitter

    fitter = BetaGeoFitter()
    fitter.params_ = pd.Series(parameters)
    with np.errstate(all="ignore"):
        return np.asarray(fitter.conditional_probability_alive(frequency, recency, age), dtype=float)


def expected_purchases(
    parameters: dict[str, float], days: float, frequency: np.ndarray, recency: np.ndarray, age: np.ndarray
) -> np.ndarray:
    """E[X(t) | x, t_x, T] of BG/NBD (Fader, Hardie & Lee 2005, equation 10): the purchase days expected in
    the next `days` days."""
    BetaGeoFitter = _lifetimes().BetaGeoFitter

    fitter = BetaGeoFitter()
    fitter.params_ = pd.Series(parameters)
    with np.errstate(all="ignore"):
        return np.asarray(fitter.conditional_expected_number_of_purchases_up_to_time(days, frequency, recency, age), dtype=float)


def expected_spend(parameters: dict[str, float], frequency: np.ndarray, monetary: np.ndarray) -> np.ndarray:
    """E[M | x, m] of Gamma-Gamma (Fader, Hardie & Lee 2005, note 025, equation 5): a weighted mean of the
    customer's mean spend and the population's, v p / (q - 1); the population's for x = 0."""
    p, q, v = (parameters[name] for name in GAMMA_GAMMA_PARAMETERS)
    frequency = np.asarray(frequency, dtype=float)
    monetary = np.nan_to_num(np.asarray(monetary, dtype=float), nan=0.0)
    individual_weight = p * frequency / (p * frequency + q - 1)
    return (1 - individual_weight) * (v * p / (q - 1)) + individual_weight * monetary


def score(inputs: pd.DataFrame, bg_nbd: Fit, gamma_gamma: Fit, holdout_days: int) -> pd.DataFrame:
    """Predictions for each row of `inputs` (columns frequency, recency_days, age_days,
    repeat_average_order_value): null where the model they need was not fitted."""
    frequency = inputs["frequency"].to_numpy(dtype=float)
    recency = inputs["recency_days"].to_numpy(dtype=float)
    age = inputs["age_days"].to_numpy(dtype=float)
    monetary = inputs["repeat_average_order_value"].to_numpy(dtype=float, na_value=np.nan)
    missing = np.full(len(inputs), np.nan)
    if bg_nbd.fitted:
        alive = probability_alive(bg_nbd.parameters, frequency, recency, age)
        next_90 = expected_purchases(bg_nbd.parameters, 90, frequency, recency, age)
        next_365 = expected_purchases(bg_nbd.parameters, 365, frequency, recency, age)
        holdout = expected_purchases(bg_nbd.parameters, holdout_days, frequency, recency, age)
    else:
        alive = next_90 = next_365 = holdout = missing
    spend = expected_spend(gamma_gamma.parameters, frequency, monetary) if gamma_gamma.fitted else missing
    return pd.DataFrame(
        {
            "probability_alive": alive,
            "expected_orders_next_90_days": next_90,
            "expected_orders_next_365_days": next_365,
            "expected_orders_in_backtest_holdout": holdout,
            "expected_average_order_value": spend,
            "predicted_revenue_next_365_days": next_365 * spend,
        },
        index=inputs.index,
    )


def parameter_rows(fits: list[Fit]) -> pd.DataFrame:
    """One row per model parameter (value null when the model was not fitted)."""
    rows = []
    for fit in fits:
        names = BG_NBD_PARAMETERS if fit.model == BG_NBD else GAMMA_GAMMA_PARAMETERS
        for name in names:
            rows.append(
                {
                    "model": fit.model,
                    "parameter": name,
                    "value": fit.parameters[name] if fit.fitted else None,
                    "parameter_unit": PARAMETER_UNITS[name],
                    "time_unit": TIME_UNIT if fit.model == BG_NBD else None,
                    "customers_fitted": fit.customers,
                    "log_likelihood": fit.log_likelihood,
                    "fit_status": fit.status,
                }
            )
    return pd.DataFrame(rows)


def simulate_bg_nbd(customers: int, r: float, alpha: float, a: float, b: float, max_age_days: int, seed: int) -> pd.DataFrame:
    """Purchase histories drawn from the BG/NBD process itself (each customer a Poisson purchase rate
    from Gamma(r, alpha) and a dropout probability after each purchase from Beta(a, b)), observed over an
    age drawn uniformly from 1 to max_age_days after a first purchase: whole days, as the build counts them.
    The recovery test fits these."""
    rng = np.random.default_rng(seed)
    rate = rng.gamma(r, 1 / alpha, customers)
    dropout = rng.beta(a, b, customers)
    age = rng.integers(1, max_age_days + 1, customers)
    clock = np.zeros(customers)
    alive = np.ones(customers, dtype=bool)
    buyers, purchase_days = [], []
    while alive.any():
        active = np.flatnonzero(alive)
        clock[active] += rng.exponential(1 / rate[active])
        ended = clock[active] > age[active]
        alive[active[ended]] = False
        active = active[~ended]
        buyers.append(active)
        purchase_days.append(np.floor(clock[active]).astype(np.int64))
        gone = rng.random(len(active)) < dropout[active]
        alive[active[gone]] = False
    # a repeat purchase on the first purchase day (day 0) or on a day already counted adds no purchase day
    pairs = np.unique(np.column_stack([np.concatenate(buyers), np.concatenate(purchase_days)]), axis=0)
    pairs = pairs[pairs[:, 1] > 0]
    frequency = np.bincount(pairs[:, 0], minlength=customers)
    recency = np.zeros(customers, dtype=np.int64)
    np.maximum.at(recency, pairs[:, 0], pairs[:, 1])
    return pd.DataFrame({"frequency": frequency, "recency_days": recency, "age_days": age})


def simulate_spend(frequency: np.ndarray, p: float, q: float, v: float, seed: int) -> np.ndarray:
    """The mean spend of each customer's repeat purchases drawn from the Gamma-Gamma process (a spend scale
    per customer from Gamma(q, rate v), each purchase's spend from Gamma(p, rate scale)); NaN without any.
    The mean of x such draws is Gamma(p x, rate x scale)."""
    rng = np.random.default_rng(seed)
    frequency = np.asarray(frequency, dtype=float)
    scale = rng.gamma(q, 1 / v, len(frequency))
    repeat = frequency > 0
    spend = np.full(len(frequency), np.nan)
    spend[repeat] = rng.gamma(p * frequency[repeat], 1 / (frequency[repeat] * scale[repeat]))
    return spend


def benchmark(customers: int, seed: int = 1) -> dict[str, float | int]:
    """Seconds to fit both models and score `customers` customers simulated from the models' own processes
    (`make benchmark`'s predictions step), with the figures that describe the fit."""
    started = time.monotonic()
    inputs = simulate_bg_nbd(customers, r=0.25, alpha=40.0, a=0.8, b=2.5, max_age_days=1095, seed=seed)
    inputs["repeat_average_order_value"] = simulate_spend(inputs["frequency"].to_numpy(), p=6.0, q=4.0, v=30.0, seed=seed + 1)
    simulated = time.monotonic()
    bg_nbd = fit_bg_nbd(inputs["frequency"], inputs["recency_days"], inputs["age_days"])
    gamma_gamma = fit_gamma_gamma(inputs["frequency"], inputs["repeat_average_order_value"])
    fitted = time.monotonic()
    scores = score(inputs, bg_nbd, gamma_gamma, holdout_days=180)
    scored = time.monotonic()
    return {
        "customers": customers,
        "repeat_customers": int((inputs["frequency"] > 0).sum()),
        "distinct_bg_nbd_rows": len(np.unique(inputs[["frequency", "recency_days", "age_days"]].to_numpy(), axis=0)),
        "simulate_seconds": round(simulated - started, 1),
        "fit_seconds": round(fitted - simulated, 1),
        "score_seconds": round(scored - fitted, 1),
        "fit_and_score_seconds": round(scored - simulated, 1),
        "bg_nbd_status": bg_nbd.status,
        "gamma_gamma_status": gamma_gamma.status,
        "predicted_revenue_next_365_days": round(float(np.nansum(scores["predicted_revenue_next_365_days"])), 2),
    }


def main(argv: list[str] | None = None) -> int:
    import argparse
    import json

    parser = argparse.ArgumentParser(prog="python -m orchestration.lib.clv", description="Time the predictions' fit and scoring.")
    parser.add_argument("command", choices=["benchmark"])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, help="write the figures here as JSON (default: print them)")
    args = parser.parse_args(argv)
    figures = benchmark(args.customers)
    text = json.dumps(figures, indent=2)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
