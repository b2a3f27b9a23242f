{#- The incremental refresh of int_contact_event_days (see
    macros/staging/event_refresh.sql for the events validation it follows). -#}

{#- The settings that decide which events score, as one text value (a scalar
    subquery over the event_types seed): include_machine_opens and
    each weighted event type with its minimum duration. int_contact_event_days
    stores it on every row and counts every day again when it changes. -#}
{% macro event_scoring_settings() -%}
    {%- set measure = dbt.concat([
        "event_type",
        "':'",
        "coalesce(cast(min_duration_seconds as " ~ dbt.type_string() ~ "), '')",
    ]) -%}
    (
        select {{ dbt.concat([
            sql_string_literal('include_machine_opens=' ~ (include_machine_opens() | string | lower) ~ ';weighted='),
            "coalesce(" ~ dbt.listagg(measure, "','", "order by event_type") ~ ", '')",
        ]) }}
        from {{ ref('event_types') }}
        where weight is not null
    )
{%- endmacro %}

{#- Pre-hook of int_contact_event_days: on an incremental build, delete the
    days whose validation run is no longer the current one upstream (they were
    validated again, or are gone), and every day when the scoring settings
    changed. The model then counts the days it lacks. -#}
{% macro delete_stale_event_days(upstream) -%}
    {%- if is_incremental() -%}
        {%- do require_stored_columns(['raw_event_day', 'validation_run_id', 'scoring_settings']) -%}
        delete from {{ this }}
        where
            scoring_settings <> {{ event_scoring_settings() }}
            or not exists (
                select 1
                from (
                    -- a day is validated whole in one run: one run per day
                    select
                        raw_event_day,
                        min(validation_run_id) as validation_run_id
                    from {{ upstream }}
                    group by raw_event_day
                ) as current_days
                where
                    current_days.raw_event_day = {{ this }}.raw_event_day
                    and current_days.validation_run_id = {{ this }}.validation_run_id
            )
    {%- endif -%}
{%- endmacro %}
