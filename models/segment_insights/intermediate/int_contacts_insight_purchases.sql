{{ config(materialized='table') }}
-- One row per contact with at least one valid order up to the as-of date:
-- its valid orders, revenue and units in the insights window (the as-of
-- date and the segment_insights_window_days - 1 days before it) and over
-- its lifetime. Each segment's insights sum these over its members.
with

orders as (
    select * from {{ ref('fct_orders') }}
),

valid_orders as (
    select
        contact_id,
        ordered_date,
        net_revenue,
        -- an order without clean lines has no known units (null): 0 here,
        -- so its segment's average unit revenue is null, not its units
        coalesce(units, 0) as units,
        ordered_date >= {{ segment_insights_window_start_date() }} as is_in_window
    from orders
    where is_valid_order and ordered_date <= {{ as_of_date() }}
),

final as (
    select
        contact_id,
        cast(count(*) as {{ dbt.type_bigint() }}) as lifetime_orders,
        cast(sum(net_revenue) as {{ money_type() }}) as lifetime_revenue,
        cast(sum(case when is_in_window then 1 else 0 end) as {{ dbt.type_bigint() }}) as window_orders,
        cast(sum(case when is_in_window then net_revenue else 0 end) as {{ money_type() }}) as window_revenue,
        cast(sum(case when is_in_window then units else 0 end) as {{ dbt.type_bigint() }}) as window_units
    from valid_orders
    group by contact_id
)

select * from final
