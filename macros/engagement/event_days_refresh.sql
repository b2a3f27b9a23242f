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

{#- The newest validated_at of the days int_contact_event_days holds, as a
    SQL timestamp, or none when every day is to be counted: a full build, an
    empty table, or scoring settings that changed. An incremental build
    counts (again) the days validated after it. A day is validated whole in
    one run, and each run's rows are written together, so DuckDB reads only
    the row groups of the runs after it (their zone maps), not all history. -#}
{% macro event_days_counted_through() -%}
    {%- if not execute or not is_incremental() -%}
        {{ return(none) }}
    {%- endif -%}
    {%- do require_stored_columns(['raw_event_day', 'validation_run_id', 'validated_at', 'scoring_settings']) -%}
    {%- set result = run_query(
        "select max(validated_at), count(case when scoring_settings <> " ~ event_scoring_settings()
        ~ " then 1 end) from " ~ this
    ) -%}
    {%- set latest = result.rows[0][0] -%}
    {%- if latest is none or result.rows[0][1] > 0 -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return("cast('" ~ latest.strftime('%Y-%m-%d %H:%M:%S.%f') ~ "' as " ~ dbt.type_timestamp() ~ ")") }}
{%- endmacro %}

{#- Pre-hook of int_contact_event_days: on an incremental build, delete the
    days validated again since they were counted (event_days_counted_through),
    and every day when the scoring settings changed. The model then counts
    the days validated after that point. `validated` is every validated row,
    rejected ones too: a day validated again may keep no clean event, and its
    old counts must go all the same. -#}
{% macro delete_stale_event_days(validated) -%}
    {%- if is_incremental() -%}
        {%- set counted_through = event_days_counted_through() -%}
        delete from {{ this }}
        {%- if counted_through is not none %}
        where raw_event_day in (
            select distinct raw_event_day
            from {{ validated }}
            where validated_at > {{ counted_through }}
        )
        {%- endif %}
    {%- endif -%}
{%- endmacro %}
