{%- set lookback_days = rfm_lookback_days() -%}
with

orders as (
    select * from {{ ref('int_orders_enriched') }}
),

score_dates as (
    select * from {{ ref('int_score_dates') }}
),

-- Each valid order, once for every date it is on or before. Frequency and
-- monetary count it only inside the lookback window when one is set:
-- ordered after as_of_date minus rfm_lookback_days, so the window holds the
-- as-of date and the days before it.
valid_orders_as_of as (
    select
        score_dates.as_of_date,
        orders.contact_id,
        orders.ordered_date,
        orders.net_revenue,
        {% if lookback_days is none -%}
        true
        {%- else -%}
        orders.ordered_date > {{ dbt.dateadd('day', -lookback_days, 'score_dates.as_of_date') }}
        {%- endif %} as is_in_lookback
    from score_dates
    inner join orders
        on score_dates.as_of_date >= orders.ordered_date
    where orders.is_valid_order
),

final as (
    select
        as_of_date,
        contact_id,
        min(ordered_date) as first_valid_order_date,
        max(ordered_date) as last_valid_order_date,
        cast({{ dbt.datediff('max(ordered_date)', 'as_of_date', 'day') }} as {{ dbt.type_int() }}) as recency_days,
        cast(sum(case when is_in_lookback then 1 else 0 end) as {{ dbt.type_int() }}) as frequency,
        cast(coalesce(sum(case when is_in_lookback then net_revenue end), 0) as {{ money_type() }}) as monetary,
        cast(count(*) as {{ dbt.type_int() }}) as lifetime_valid_orders,
        cast(sum(net_revenue) as {{ money_type() }}) as lifetime_net_revenue
    from valid_orders_as_of
    group by as_of_date, contact_id
)

select * from final
