{#- Incremental validation of engagement events by event day.

    The unit of refresh is the raw event day: the first ten characters of the
    raw occurred_at text as written ('' when missing). It is a pure
    function of the raw row, so the days a build must validate again can be
    found without parsing every row, and a day is always replaced whole.

    A day is validated again when
      - it is new, or its raw rows changed: another number of rows or another
        checksum of their event ids (a late event, a removed or replaced row);
      - the settings its rows were validated with changed (reporting_timezone,
        future_timestamp_tolerance_days): then every day is;
      - a stored decision depends on something that moved since: a
        future_timestamp rejection (the clock moved on), an unknown_contact
        rejection whose contact is now known, a kept event whose contact is no
        longer a clean contact;
      - it holds a stored copy of an event id that appears in one of the days
        above, so that duplicates are decided among every copy of that id. -#}

{#- The raw event day of a raw occurred_at text: its first ten characters,
    untrimmed (trimming 100M values costs more than the rest of the scan; a
    value written with leading spaces just forms its own small day). -#}
{% macro raw_event_day(raw_occurred_at) -%}
    coalesce(substring({{ raw_occurred_at }}, 1, 10), '')
{%- endmacro %}

{#- An order-independent checksum of a text column over a group of rows: the
    sum of a hash of each value. Equal sets of values give equal sums. -#}
{% macro text_checksum(column) -%}
    {{ return(adapter.dispatch('text_checksum', 'customer_segments')(column)) }}
{%- endmacro %}

{% macro default__text_checksum(column) -%}
    sum(cast(hashtext(coalesce({{ column }}, '')) as {{ dbt.type_bigint() }}))
{%- endmacro %}

{% macro duckdb__text_checksum(column) -%}
    sum(hash(coalesce({{ column }}, '')))
{%- endmacro %}

{% macro spark__text_checksum(column) -%}
    sum(cast(hash(coalesce({{ column }}, '')) as bigint))
{%- endmacro %}

{#- The settings a validated event row depends on besides its raw text, as
    one text value stored on every row: when it differs from the current
    settings, every day is validated again. -#}
{% macro event_validation_settings() -%}
    {{ return('reporting_timezone=' ~ reporting_timezone() ~ ';future_timestamp_tolerance_days=' ~ var('future_timestamp_tolerance_days')) }}
{%- endmacro %}

{#- On an incremental build, stops with the command to run when the stored
    table lacks columns the refresh reads (it was built by an earlier version
    of the project). rebuild_from: the model the rebuild starts at. -#}
{% macro require_stored_columns(columns, rebuild_from='base_tracking__events_validated') -%}
    {%- if execute -%}
        {%- set present = adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list -%}
        {%- set missing = [] -%}
        {%- for column in columns if column not in present -%}
            {%- do missing.append(column) -%}
        {%- endfor -%}
        {%- if missing -%}
            {{ exceptions.raise_compiler_error(
                this.identifier ~ ": the stored table has no column " ~ missing | join(', ')
                ~ " (it was built by an earlier version of this project); rebuild it and what reads it once with "
                ~ "`dbt build --full-refresh --select " ~ rebuild_from ~ "+`."
            ) }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{#- The raw event days an incremental build of base_tracking__events_validated
    validates, as a list of texts (empty when nothing changed), after logging
    how many days and why. Raises when stored days are gone from the raw data:
    an incremental build adds and replaces days but does not forget them. -#}
{% macro events_refresh_days(raw_relation, known_contacts_relation) -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- do require_stored_columns(['raw_event_day', 'validation_run_id', 'validation_settings', 'validated_at']) -%}
    {%- set query -%}
        with

        raw_days as (
            select
                {{ raw_event_day('occurred_at') }} as raw_event_day,
                count(*) as raw_rows,
                {{ text_checksum(clean_text('event_id')) }} as id_checksum
            from {{ raw_relation }}
            group by {{ raw_event_day('occurred_at') }}
        ),

        stored_days as (
            select
                raw_event_day,
                count(*) as stored_rows,
                {{ text_checksum('event_id') }} as id_checksum,
                min(validation_settings) as first_settings,
                max(validation_settings) as last_settings
            from {{ this }}
            group by raw_event_day
        ),

        day_changes as (
            select
                coalesce(raw_days.raw_event_day, stored_days.raw_event_day) as raw_event_day,
                case
                    when stored_days.raw_event_day is null then 'new'
                    when raw_days.raw_event_day is null then 'vanished'
                    when raw_days.raw_rows <> stored_days.stored_rows then 'rows_changed'
                    when raw_days.id_checksum <> stored_days.id_checksum then 'rows_changed'
                    when stored_days.first_settings <> {{ sql_string_literal(event_validation_settings()) }}
                        or stored_days.last_settings <> {{ sql_string_literal(event_validation_settings()) }}
                        then 'settings_changed'
                end as reason
            from raw_days
            full outer join stored_days
                on raw_days.raw_event_day = stored_days.raw_event_day
        ),

        recheck_days as (
            {{ stored_decisions_to_recheck(known_contacts_relation, 'raw_event_day', 'event_id', 'occurred_date', 'occurred_at') | indent(12) }}
        ),

        base_days as (
            select raw_event_day, reason
            from day_changes
            where reason is not null

            union all

            select raw_event_day, 'recheck' as reason
            from recheck_days
        ),

        base_ids as (
            select {{ clean_text('event_id') }} as event_id
            from {{ raw_relation }}
            where {{ raw_event_day('occurred_at') }} in (select raw_event_day from base_days)

            union

            select event_id
            from {{ this }}
            where raw_event_day in (select raw_event_day from base_days)
        ),

        copy_days as (
            select distinct stored.raw_event_day
            from {{ this }} as stored
            inner join base_ids
                on stored.event_id = base_ids.event_id
        ),

        all_days as (
            select raw_event_day, reason from base_days

            union all

            select raw_event_day, 'copies' as reason from copy_days
        )

        select
            raw_event_day,
            min(
                case reason
                    when 'vanished' then 1
                    when 'settings_changed' then 2
                    when 'new' then 3
                    when 'rows_changed' then 4
                    when 'recheck' then 5
                    else 6
                end
            ) as reason_rank
        from all_days
        group by raw_event_day
        order by raw_event_day
    {%- endset -%}
    {%- set result = run_query(query) -%}
    {%- set reasons = ['vanished', 'settings changed', 'new', 'rows changed', 'decision to re-check', 'copies of a changed event id'] -%}
    {%- set days = [] -%}
    {%- set counts = {} -%}
    {%- set vanished = [] -%}
    {%- for row in result.rows -%}
        {%- set reason = reasons[row[1] - 1] -%}
        {%- do counts.update({reason: counts.get(reason, 0) + 1}) -%}
        {%- if reason == 'vanished' -%}
            {%- do vanished.append(row[0]) -%}
        {%- else -%}
            {%- do days.append(row[0]) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if vanished | length > 0 -%}
        {{ exceptions.raise_compiler_error(
            this.identifier ~ ": the raw events of " ~ vanished | length ~ " stored day(s) are no longer in the raw data (first: '"
            ~ vanished[0] ~ "'). An incremental build adds and replaces event days but does not drop them; rebuild the event models with "
            ~ "`dbt build --full-refresh --select base_tracking__events_validated+`."
        ) }}
    {%- endif -%}
    {%- set parts = [] -%}
    {%- for reason in reasons if counts.get(reason) -%}
        {%- do parts.append(counts[reason] ~ ' ' ~ reason) -%}
    {%- endfor -%}
    {%- do log(this.identifier ~ ": validating " ~ days | length ~ " raw event day(s)" ~ (" (" ~ parts | join(', ') ~ ")" if parts else "; nothing changed"), info=True) -%}
    {{ return(days) }}
{%- endmacro %}
