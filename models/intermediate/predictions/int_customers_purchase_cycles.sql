-- One row per customer with at least two purchase days as of the as-of
-- date: the customer's purchase cycle (SALESmanago's regular and cyclic
-- customers), the median of the days between consecutive purchase days and
-- when the next purchase is due by it. A purchase is a day with a valid
-- order, as in the prediction models' inputs.
with

orders as (
    select * from {{ ref('int_orders_enriched') }}
    where is_valid_order
),

purchase_days as (
    select distinct
        contact_id,
        ordered_date as purchase_date
    from orders
),

gaps as (
    select
        contact_id,
        purchase_date,
        {{ dbt.datediff(
            'lag(purchase_date) over (partition by contact_id order by purchase_date)',
            'purchase_date',
            'day'
        ) }} as days_since_previous_purchase
    from purchase_days
),

intervals as (
    select
        contact_id,
        cast(count(days_since_previous_purchase) as {{ dbt.type_int() }}) as purchase_intervals,
        cast({{ median('days_since_previous_purchase') }} as {{ ratio_type() }}) as median_days_between_orders,
        cast(min(days_since_previous_purchase) as {{ dbt.type_int() }}) as shortest_days_between_orders,
        cast(max(days_since_previous_purchase) as {{ dbt.type_int() }}) as longest_days_between_orders,
        max(purchase_date) as last_purchase_date
    from gaps
    where days_since_previous_purchase is not null
    group by contact_id
),

-- The next purchase is due the median interval, rounded to a whole day
-- (halves up), after the last one.
final as (
    select
        *,
        cast(
            {{ dbt.dateadd('day', 'cast(floor(median_days_between_orders + 0.5) as ' ~ dbt.type_int() ~ ')', 'last_purchase_date') }}
            as date
        ) as expected_next_order_date
    from intervals
)

select * from final
