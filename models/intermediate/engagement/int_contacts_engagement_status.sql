{#- Written once per build as a table: engaged status, its summary and changes,
    and the opportunity groups all read it. -#}
{{ config(materialized='table') }}
{%- set engaged_days = engaged_window_days() -%}
with

-- The backtest's cutoff date needs no engagement: only the others are scored.
score_dates as (
    select * from {{ ref('int_score_dates') }}
    where is_engagement_date
),

contacts_as_of as (
    select * from {{ ref('int_score_date_contacts') }}
    where as_of_date in (select score_dates.as_of_date from score_dates)
),

event_days as (
    select * from {{ ref('int_contact_event_days') }}
),

orders as (
    select * from {{ ref('int_orders_enriched') }}
),

interaction_types as (
    select event_type from {{ ref('event_types') }}
    where is_interaction
),

-- Interactions: events of the interaction types of the event_types seed
-- (human email opens, clicks, page and product views, adds to cart; machine
-- opens never count here), and valid orders. One row per contact, day and
-- event type, or per order: the measures below are maxima and sums, so they
-- need no grouping by day first (at 100M events that grouping cost more than
-- the rest).
interaction_days as (
    select
        event_days.contact_id,
        event_days.event_date as interaction_date,
        event_days.events - event_days.machine_events as interactions
    from event_days
    inner join interaction_types
        on event_days.event_type = interaction_types.event_type

    union all

    select
        contact_id,
        ordered_date as interaction_date,
        1 as interactions
    from orders
    where is_valid_order
),

-- Each interaction row, for every scored date on or after its day; age 0 is the
-- scored date, and "within N days" is age 0 to N − 1.
aged as (
    select
        score_dates.as_of_date,
        interaction_days.contact_id,
        interaction_days.interaction_date,
        interaction_days.interactions,
        {{ dbt.datediff('interaction_days.interaction_date', 'score_dates.as_of_date', 'day') }} as age_days
    from score_dates
    inner join interaction_days
        on score_dates.as_of_date >= interaction_days.interaction_date
    where interaction_days.interactions > 0
),

per_contact as (
    select
        as_of_date,
        contact_id,
        max(interaction_date) as last_interaction_date,
        sum(case when age_days < 30 then interactions else 0 end) as interactions_last_30_days,
        sum(case when age_days < 60 then interactions else 0 end) as interactions_last_60_days,
        sum(case when age_days < 90 then interactions else 0 end) as interactions_last_90_days,
        sum(case when age_days < {{ engaged_days }} then interactions else 0 end) as interactions_in_engaged_window
    from aged
    group by as_of_date, contact_id
),

final as (
    select
        contacts_as_of.as_of_date,
        contacts_as_of.contact_id,
        case
            when coalesce(per_contact.interactions_in_engaged_window, 0) > 0 then 'Engaged'
            else 'Non-engaged'
        end as engagement_status,
        per_contact.last_interaction_date,
        cast(
            {{ dbt.datediff('per_contact.last_interaction_date', 'contacts_as_of.as_of_date', 'day') }}
            as {{ dbt.type_int() }}
        ) as days_since_last_interaction,
        cast(coalesce(per_contact.interactions_last_30_days, 0) as {{ dbt.type_bigint() }}) as interactions_last_30_days,
        cast(coalesce(per_contact.interactions_last_60_days, 0) as {{ dbt.type_bigint() }}) as interactions_last_60_days,
        cast(coalesce(per_contact.interactions_last_90_days, 0) as {{ dbt.type_bigint() }}) as interactions_last_90_days,
        coalesce(per_contact.interactions_last_30_days, 0) > 0 as has_interacted_last_30_days,
        coalesce(per_contact.interactions_last_60_days, 0) > 0 as has_interacted_last_60_days,
        coalesce(per_contact.interactions_last_90_days, 0) > 0 as has_interacted_last_90_days,
        {{ engaged_days }} as engaged_window_days
    from contacts_as_of
    left join per_contact
        on
            contacts_as_of.as_of_date = per_contact.as_of_date
            and contacts_as_of.contact_id = per_contact.contact_id
)

select * from final
