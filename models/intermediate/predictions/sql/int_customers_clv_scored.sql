-- PostgreSQL and Spark: the predictions come from dbt Python models, which
-- only dbt-duckdb runs in the build; each customer is here with none
-- (docs/predictions.md "Engines").
with

inputs as (
    select * from {{ ref('int_customers_clv_inputs') }}
),

final as (
    select
        as_of_date,
        contact_id,
        cast(null as {{ ratio_type() }}) as probability_alive,
        cast(null as {{ ratio_type() }}) as expected_orders_next_90_days,
        cast(null as {{ ratio_type() }}) as expected_orders_next_365_days,
        cast(null as {{ ratio_type() }}) as expected_orders_in_backtest_holdout,
        cast(null as {{ ratio_type() }}) as expected_average_order_value,
        cast(null as {{ ratio_type() }}) as predicted_revenue_next_365_days
    from inputs
)

select * from final
