"""Each customer's predictions from the fitted parameters (int_clv_model_fits) and inputs
(int_customers_clv_inputs), per date: probability alive, expected purchase days in the next 90 and 365
days and in the backtest's holdout, expected spend per purchase day, predicted revenue of the next 365
days (orchestration/lib/clv.py; docs/predictions.md)."""

import pandas as pd

from orchestration.lib import clv


def model(dbt, session):
    dbt.config(materialized="table")
    inputs = dbt.ref("int_customers_clv_inputs").df()
    fits = dbt.ref("int_clv_model_fits").df()
    frames = []
    for as_of_date, customers in sorted(inputs.groupby("as_of_date"), key=lambda item: item[0]):
        customers = customers.sort_values("contact_id").reset_index(drop=True)
        of_date = fits[fits["as_of_date"] == as_of_date]
        found = {}
        for name, model_rows in of_date.groupby("model"):
            values = dict(zip(model_rows["parameter"], model_rows["value"], strict=True))
            fitted = not model_rows["value"].isna().any()
            found[name] = clv.Fit(name, values if fitted else None, 0, None, "")
        missing = clv.Fit("", None, 0, None, "")
        holdout_days = int(customers["backtest_holdout_days"].iloc[0])
        scores = clv.score(customers, found.get(clv.BG_NBD, missing), found.get(clv.GAMMA_GAMMA, missing), holdout_days)
        frames.append(pd.concat([customers[["as_of_date", "contact_id"]], scores], axis=1))
    if frames:
        return pd.concat(frames, ignore_index=True)
    # no customer yet: the columns with their types, so the marts' casts hold
    empty = {"as_of_date": "datetime64[ns]", "contact_id": "string"}
    for name in (
        "probability_alive",
        "expected_orders_next_90_days",
        "expected_orders_next_365_days",
        "expected_orders_in_backtest_holdout",
        "expected_average_order_value",
        "predicted_revenue_next_365_days",
    ):
        empty[name] = "float64"
    return pd.DataFrame({name: pd.Series(dtype=kind) for name, kind in empty.items()})
