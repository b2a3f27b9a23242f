-- The revenue tree of every segment and the baseline holds to within the
-- rounding of its terms (docs/insights.md): money ratios are
-- rounded to the cent, count ratios are not. A ratio is null exactly when its
-- divisor is zero. Returns the rows that break a rule, with the rule.
with

summary as (
    select * from {{ ref('segment_summary') }}
),

checks as (
    select
        segment_key,
        'net_revenue = customers x revenue_per_customer' as broken_rule
    from summary
    where abs(net_revenue - customers * coalesce(revenue_per_customer, 0)) > 0.005 * customers + 0.000001
    union all
    select
        segment_key,
        'revenue_per_customer = orders_per_customer x average_order_value' as broken_rule
    from summary
    where
        abs(revenue_per_customer - orders_per_customer * average_order_value)
        > 0.005 * (1 + orders_per_customer) + 0.000001
    union all
    select
        segment_key,
        'average_order_value = units_per_transaction x average_unit_revenue' as broken_rule
    from summary
    where
        abs(average_order_value - units_per_transaction * average_unit_revenue)
        > 0.005 * (1 + units_per_transaction) + 0.000001
    union all
    select
        segment_key,
        'a ratio is null exactly when its divisor is zero' as broken_rule
    from summary
    where
        (customers = 0) != (revenue_per_customer is null)
        or (customers = 0) != (orders_per_customer is null)
        or (orders = 0) != (average_order_value is null)
        or (orders = 0) != (units_per_transaction is null)
        or (units = 0) != (average_unit_revenue is null)
)

select * from checks
