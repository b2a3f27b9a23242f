-- The persona dashboard adds up: its customers are dim_contacts' customers,
-- its orders and revenue are fct_orders' valid orders, and the percentages
-- sum to 100. Returns a row naming each total that differs.
with

summary as (
    select * from {{ ref('rfm_persona_summary') }}
),

orders as (
    select * from {{ ref('fct_orders') }}
),

contacts as (
    select * from {{ ref('dim_contacts') }}
),

summary_totals as (
    select
        sum(customers) as customers,
        sum(valid_orders) as valid_orders,
        sum(revenue) as revenue,
        sum(pct_of_customers) as pct_of_customers,
        sum(pct_of_revenue) as pct_of_revenue
    from summary
),

order_totals as (
    select
        count(*) as valid_orders,
        sum(net_revenue) as revenue
    from orders
    where is_valid_order
),

customer_totals as (
    select count(*) as customers
    from contacts
    where is_customer
),

checks as (
    select
        'customers' as total,
        cast(summary_totals.customers as {{ dbt.type_numeric() }}) as in_summary,
        cast(customer_totals.customers as {{ dbt.type_numeric() }}) as expected
    from summary_totals
    cross join customer_totals
    union all
    select
        'valid_orders' as total,
        cast(summary_totals.valid_orders as {{ dbt.type_numeric() }}) as in_summary,
        cast(order_totals.valid_orders as {{ dbt.type_numeric() }}) as expected
    from summary_totals
    cross join order_totals
    union all
    select
        'revenue' as total,
        cast(coalesce(summary_totals.revenue, 0) as {{ dbt.type_numeric() }}) as in_summary,
        cast(coalesce(order_totals.revenue, 0) as {{ dbt.type_numeric() }}) as expected
    from summary_totals
    cross join order_totals
),

final as (
    select
        total,
        in_summary,
        expected
    from checks
    where in_summary != expected
    union all
    select
        'pct_of_customers sums to 100' as total,
        cast(pct_of_customers as {{ dbt.type_numeric() }}) as in_summary,
        100 as expected
    from summary_totals
    where customers > 0 and abs(pct_of_customers - 100) > 0.000001
    union all
    select
        'pct_of_revenue sums to 100' as total,
        cast(pct_of_revenue as {{ dbt.type_numeric() }}) as in_summary,
        100 as expected
    from summary_totals
    where revenue > 0 and abs(pct_of_revenue - 100) > 0.000001
)

select * from final
