"""BG/NBD and Gamma-Gamma fitted by maximum likelihood on int_customers_clv_inputs, once per date the models
serve (int_score_dates: the build's as-of date and the backtest's cutoff): one row per model parameter, also
when a date has too few customers to fit (orchestration/lib/clv.py; docs/predictions.md)."""

import pandas as pd

from orchestration.lib import clv


def model(dbt, session):
    dbt.config(materialized="table")
    dates = dbt.ref("int_score_dates").df()
    inputs = dbt.ref("int_customers_clv_inputs").df()
    served = dates[dates["is_build_as_of_date"] | dates["is_backtest_cutoff_date"]]["as_of_date"]
    frames = []
    for as_of_date in sorted(pd.to_datetime(served)):
        customers = inputs[pd.to_datetime(inputs["as_of_date"]) == as_of_date].sort_values("contact_id")
        fits = [
            clv.fit_bg_nbd(customers["frequency"], customers["recency_days"], customers["age_days"]),
            clv.fit_gamma_gamma(customers["frequency"], customers["repeat_average_order_value"].astype(float)),
        ]
        frame = clv.parameter_rows(fits)
        frame.insert(0, "as_of_date", as_of_date)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)
