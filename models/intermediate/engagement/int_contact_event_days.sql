{#- Incremental by raw event day, following base_tracking__events_validated:
    a day is counted again when it was validated after the days stored here
    (event_days_counted_through) or when the scoring settings changed; the
    pre-hook removes those days first. A build that validated nothing new
    reads no events. -#}
-- depends_on: {{ ref('base_tracking__events_validated') }}
{{ config(
    materialized=refreshed_materialization(),
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ delete_stale_event_days(ref('base_tracking__events_validated')) }}",
) }}
{%- set counted_through = event_days_counted_through() %}
with

validated_events as (
    select * from {{ ref('stg_tracking__events') }}
),

weights as (
    select * from {{ ref('event_types') }}
    where weight is not null
),

-- The raw event days to count, with the run that validated each: every day
-- on a full build; otherwise the days validated after those stored here. A
-- day is validated whole in one run, so grouping by day alone gives its run.
count_days as (
    select
        raw_event_day,
        min(validation_run_id) as validation_run_id,
        min(validated_at) as validated_at
    from validated_events
    {%- if counted_through is not none %}
    where validated_at > {{ counted_through }}
    {%- endif %}
    group by raw_event_day
),

-- A raw event day is validated whole, in one run, so a day is one row of
-- count_days: the run id (a 36-character text) joins the counts after
-- grouping instead of being a grouping key of every event (at 100M events
-- that key alone outgrew a 2GB memory limit).
events as (
    select
        validated_events.contact_id,
        validated_events.occurred_date,
        validated_events.event_type,
        validated_events.is_machine_open,
        validated_events.duration_seconds,
        validated_events.raw_event_day
    from validated_events
    -- on an incremental build, the rows of the days in count_days by the same
    -- filter: it skips the stored row groups of earlier runs without reading them
    where
        validated_events.contact_id is not null
        and {{ 'validated_events.validated_at > ' ~ counted_through if counted_through is not none else 'true' }}
),

-- An event scores when its type has a weight, it meets the type's condition
-- (a minimum duration, when set) and it is not a machine open (unless
-- include_machine_opens).
classified as (
    select
        events.contact_id,
        events.occurred_date as event_date,
        events.event_type,
        events.raw_event_day,
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
),

counted as (
    select
        contact_id,
        event_date,
        event_type,
        raw_event_day,
        cast(count(*) as {{ dbt.type_int() }}) as events,
        cast(sum(case when is_machine_open then 1 else 0 end) as {{ dbt.type_int() }}) as machine_events,
        cast(sum(case when is_scoring_event then 1 else 0 end) as {{ dbt.type_int() }}) as scoring_events
    from classified
    group by contact_id, event_date, event_type, raw_event_day
),

final as (
    select
        counted.contact_id,
        counted.event_date,
        counted.event_type,
        counted.events,
        counted.machine_events,
        counted.scoring_events,
        counted.raw_event_day,
        count_days.validation_run_id,
        count_days.validated_at,
        {{ event_scoring_settings() }} as scoring_settings
    from counted
    inner join count_days
        on counted.raw_event_day = count_days.raw_event_day
)

select * from final
