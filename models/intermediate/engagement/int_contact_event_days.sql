{#- Written once per build as a table: engagement scores and engaged status
    both read it, and it is the daily grain an incremental refresh will keep. -#}
{{ config(materialized='table') }}
with

events as (
    select * from {{ ref('fct_engagement_events') }}
),

weights as (
    select * from {{ ref('engagement_event_weights') }}
),

-- An event scores when its type has a weight, it meets the type's condition
-- (a minimum duration, when set) and it is not a machine open (unless
-- include_machine_opens).
classified as (
    select
        events.contact_id,
        events.occurred_date as event_date,
        events.event_type,
        coalesce(events.is_machine_open, false) as is_machine_open,
        (
            weights.event_type is not null
            and (weights.min_duration_seconds is null or events.duration_seconds >= weights.min_duration_seconds)
            {%- if not include_machine_opens() %}
            and not coalesce(events.is_machine_open, false)
            {%- endif %}
        ) as is_scoring_event
    from events
    left join weights
        on events.event_type = weights.event_type
    where events.contact_id is not null
),

final as (
    select
        contact_id,
        event_date,
        event_type,
        cast(count(*) as {{ dbt.type_int() }}) as events,
        cast(sum(case when is_machine_open then 1 else 0 end) as {{ dbt.type_int() }}) as machine_events,
        cast(sum(case when is_scoring_event then 1 else 0 end) as {{ dbt.type_int() }}) as scoring_events
    from classified
    group by contact_id, event_date, event_type
)

select * from final
