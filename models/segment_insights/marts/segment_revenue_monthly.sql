with

segments as (
    select * from {{ ref('int_segment_insight_segments') }}
),

members as (
    select * from {{ ref('int_segment_insight_members') }}
),

contact_months as (
    select * from {{ ref('int_contact_revenue_monthly') }}
),

-- The as-of date's month and the segment_revenue_months - 1 months before it.
month_offsets as (
    {{ integer_series(0, segment_revenue_months() - 1, 'months_back') | indent(4) }}
),

months as (
    select
        cast(
            {{ dbt.dateadd('month', '-months_back', dbt.date_trunc('month', as_of_date())) }} as date
        ) as month_start_date
    from month_offsets
),

by_segment_month as (
    select
        members.segment_key,
        contact_months.month_start_date,
        sum(contact_months.revenue) as revenue,
        sum(contact_months.orders) as orders,
        count(*) as buyers
    from members
    inner join contact_months
        on members.contact_id = contact_months.contact_id
    group by members.segment_key, contact_months.month_start_date
),

-- Every segment has every month, with zeros where its members bought nothing.
final as (
    select
        segments.segment_key,
        months.month_start_date,
        cast(
            {{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'months.month_start_date')) }} as date
        ) <= {{ as_of_date() }} as is_complete_month,
        cast(coalesce(by_segment_month.revenue, 0) as {{ money_type() }}) as revenue,
        cast(coalesce(by_segment_month.orders, 0) as {{ dbt.type_bigint() }}) as orders,
        cast(coalesce(by_segment_month.buyers, 0) as {{ dbt.type_bigint() }}) as buyers,
        {{ as_of_date() }} as as_of_date
    from segments
    cross join months
    left join by_segment_month
        on
            segments.segment_key = by_segment_month.segment_key
            and months.month_start_date = by_segment_month.month_start_date
)

select * from final
