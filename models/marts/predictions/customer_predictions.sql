-- One row per customer (a contact with a valid order) as of the as-of date:
-- the BG/NBD and Gamma-Gamma predictions, the churn-risk band, the models'
-- inputs and the purchase cycle (docs/predictions.md).
with

inputs as (
    select * from {{ ref('int_customers_clv_inputs') }}
    where is_build_as_of_date
),

cycles as (
    select * from {{ ref('int_customers_purchase_cycles') }}
),

-- The Python model's dates arrive as timestamps.
scores as (
    select * from {{ ref('int_customers_clv_scored') }}
    where cast(as_of_date as date) = {{ as_of_date() }}
),

final as (
    select
        inputs.contact_id,
        cast(scores.probability_alive as {{ ratio_type() }}) as probability_alive,
        {{ churn_risk_band('scores.probability_alive') }} as churn_risk,
        cast(scores.expected_orders_next_90_days as {{ ratio_type() }}) as expected_orders_next_90_days,
        cast(scores.expected_orders_next_365_days as {{ ratio_type() }}) as expected_orders_next_365_days,
        cast(scores.expected_average_order_value as {{ money_type() }}) as expected_average_order_value,
        cast(scores.predicted_revenue_next_365_days as {{ money_type() }}) as predicted_revenue_next_365_days,
        inputs.frequency,
        inputs.recency_days,
        inputs.age_days,
        'day' as time_unit,
        inputs.first_purchase_date,
        inputs.last_purchase_date,
        {{ money_ratio('inputs.repeat_revenue', 'inputs.frequency') }} as repeat_average_order_value,
        cycles.median_days_between_orders,
        cycles.shortest_days_between_orders,
        cycles.longest_days_between_orders,
        cycles.expected_next_order_date,
        cast({{ dbt.datediff(as_of_date(), 'cycles.expected_next_order_date', 'day') }} as {{ dbt.type_int() }}) as days_until_expected_next_order,
        inputs.as_of_date
    from inputs
    left join scores
        on inputs.contact_id = scores.contact_id
    left join cycles
        on inputs.contact_id = cycles.contact_id
)

select * from final
