-- One row per contact and calendar month (of the segment_revenue_months
-- months ending with the as-of date's month) in which the contact placed a
-- valid order: revenue and orders. The as-of month counts up to the as-of
-- date.
with

orders as (
    select * from {{ ref('fct_orders') }}
),

final as (
    select
        contact_id,
        cast({{ dbt.date_trunc('month', 'ordered_date') }} as date) as month_start_date,
        cast(sum(net_revenue) as {{ money_type() }}) as revenue,
        cast(count(*) as {{ dbt.type_bigint() }}) as orders
    from orders
    where
        is_valid_order
        and ordered_date <= {{ as_of_date() }}
        and ordered_date >= cast({{ dbt.dateadd('month', 1 - segment_revenue_months(), dbt.date_trunc('month', as_of_date())) }} as date)
    group by
        contact_id,
        cast({{ dbt.date_trunc('month', 'ordered_date') }} as date)
)

select * from final
