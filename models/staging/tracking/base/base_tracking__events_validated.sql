{#- Incremental by raw event day (see macros/staging/event_refresh.sql): a
    build validates only the days that are new or changed and replaces them
    whole; `--full-refresh` validates every day. Rows are validated in two
    streams so that no wide row is kept in memory at 100M events: events whose
    id occurs once go straight through; only events whose id repeats (or has a
    kept copy stored on a day this build leaves alone) are ranked. -#}
{{ config(
    materialized=refreshed_materialization(),
    incremental_strategy='delete+insert',
    unique_key='raw_event_day',
    on_schema_change='fail',
) }}
{%- set raw_columns = [
    'event_id', 'contact_id', 'event_type', 'occurred_at', 'campaign_id', 'url',
    'product_id', 'duration_seconds', 'traffic_source', 'utm_source', 'utm_medium',
    'utm_campaign', 'session_id', 'is_machine_open',
] -%}
{%- set incremental = is_incremental() -%}
{%- if incremental -%}
    {%- set refresh_days = events_refresh_days(source('tracking', 'events'), ref('stg_crm__contacts')) -%}
{%- endif -%}
{%- set streams = ['single', 'repeated'] -%}

with

known_contacts as (
    select contact_id from {{ ref('stg_crm__contacts') }}
),

event_types as (
    select event_type from {{ ref('event_types') }}
),

{% if incremental -%}
refresh_days as (
    {%- for day in refresh_days %}
    select {{ sql_string_literal(day) }} as raw_event_day
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- else %}
    select cast(null as {{ dbt.type_string() }}) as raw_event_day
    {%- endfor %}
),

-- The raw rows of the refresh days, read once (a few days' rows).
refresh_rows as (
    select
        {{ select_raw_columns(raw_columns) }},
        {{ raw_event_day('occurred_at') }} as raw_event_day
    from {{ source('tracking', 'events') }}
    where {{ raw_event_day('occurred_at') }} in (select raw_event_day from refresh_days)
),

{% endif -%}
-- The cleaned ids of the rows this build validates.
scope_ids as (
    {%- set id_column = 'raw_event_id' if incremental else 'event_id' %}
    select {{ clean_text(id_column) }} as event_id
    from {{ 'refresh_rows' if incremental else source('tracking', 'events') }}
    where {{ clean_text(id_column) }} is not null
),

-- Ids whose kept copy is stored on a day this build does not validate: every
-- copy validated now is an older version of it (the refresh days include
-- every stored copy of an id that changed, so that copy is still the newest).
-- None on a full build.
stored_winner_ids as (
    {%- if incremental %}
    select distinct stored.event_id
    from {{ this }} as stored
    inner join scope_ids
        on stored.event_id = scope_ids.event_id
    where
        stored.rejection_reason is null
        and stored.raw_event_day not in (select raw_event_day from refresh_days)
    {%- else %}
    select cast(null as {{ dbt.type_string() }}) as event_id
    where 1 = 0
    {%- endif %}
),

-- Ids that occur more than once among the rows validated now (a superset of
-- the repeated keys among clean rows: ranking keeps to clean rows).
repeated_ids as (
    select event_id
    from scope_ids
    group by event_id
    having count(*) > 1

    union

    select event_id
    from stored_winner_ids
),
{%- for stream in streams %}

{{ stream }}_source as (
    {%- if incremental %}
    select * from refresh_rows
    {%- else %}
    -- Every raw row; each stream reads the source itself, so that 100M wide
    -- rows are never materialized for two readers.
    select
        {{ select_raw_columns(raw_columns) }},
        {{ raw_event_day('occurred_at') }} as raw_event_day
    from {{ source('tracking', 'events') }}
    {%- endif %}
),

{{ stream }}_parsed as (
    select
        {{ stream }}_source.*,
        {{ raw_row_hash(raw_columns, 'raw_') }} as raw_row_hash,
        {{ clean_text(stream ~ '_source.raw_event_id') }} as event_id,
        {{ clean_text(stream ~ '_source.raw_contact_id') }} as contact_id,
        lower({{ clean_text(stream ~ '_source.raw_event_type') }}) as event_type,
        {{ parse_timestamp_utc(clean_text(stream ~ '_source.raw_occurred_at')) }} as occurred_at,
        {{ clean_text(stream ~ '_source.raw_campaign_id') }} as campaign_id,
        {{ clean_text(stream ~ '_source.raw_url') }} as url,
        {{ clean_text(stream ~ '_source.raw_product_id') }} as product_id,
        {{ parse_number(clean_text(stream ~ '_source.raw_duration_seconds'), 3) }} as duration_value,
        -- the cleaned texts the checks read, cleaned (and pattern-matched) once
        {{ checked_texts(stream ~ '_source', texts=['occurred_at'], numbers=['duration_seconds']) }}
        lower({{ clean_text(stream ~ '_source.raw_traffic_source') }}) as traffic_source,
        {{ clean_text(stream ~ '_source.raw_utm_source') }} as utm_source,
        {{ clean_text(stream ~ '_source.raw_utm_medium') }} as utm_medium,
        {{ clean_text(stream ~ '_source.raw_utm_campaign') }} as utm_campaign,
        {{ clean_text(stream ~ '_source.raw_session_id') }} as session_id,
        {{ parse_boolean(clean_text(stream ~ '_source.raw_is_machine_open')) }} as is_machine_open,
        known_contacts.contact_id is not null as is_known_contact,
        event_types.event_type is not null as is_known_event_type,
        stored_winner_ids.event_id is not null as has_stored_winner
    from {{ stream }}_source
    left join repeated_ids
        on {{ clean_text(stream ~ '_source.raw_event_id') }} = repeated_ids.event_id
    left join stored_winner_ids
        on {{ clean_text(stream ~ '_source.raw_event_id') }} = stored_winner_ids.event_id
    left join known_contacts
        on {{ clean_text(stream ~ '_source.raw_contact_id') }} = known_contacts.contact_id
    left join event_types
        on lower({{ clean_text(stream ~ '_source.raw_event_type') }}) = event_types.event_type
    where repeated_ids.event_id is {{ 'null' if stream == 'single' else 'not null' }}
),

-- Checks in the precedence of the rejection_reasons seed. An empty
-- contact_id is an anonymous visitor, not a fault.
{{ stream }}_checked as (
    {{ checked_rows(stream ~ '_parsed', [
        ["event_id is null", "missing_required_value", "event_id"],
        ["event_type is null", "missing_required_value", "event_type"],
        ["occurred_at_text is null", "missing_required_value", "occurred_at"],
        ["occurred_at_text is not null and occurred_at is null", "unparseable_timestamp", "occurred_at"],
        [is_unparseable_number("duration_seconds_text", plain="duration_seconds_is_plain_number"), "unparseable_number", "duration_seconds"],
        [is_unparseable("raw_is_machine_open", "is_machine_open"), "unparseable_boolean", "is_machine_open"],
        [is_implausible_timestamp("occurred_at_text", "occurred_at"), "out_of_range", "occurred_at"],
        [is_out_of_range_number("duration_seconds_text", "duration_value", plain="duration_seconds_is_plain_number"), "out_of_range", "duration_seconds"],
        [has_excess_precision("duration_seconds_text", 3, plain="duration_seconds_is_plain_number"), "excess_precision", "duration_seconds"],
        ["not is_known_event_type", "unknown_enumerated_value", "event_type"],
        ["traffic_source not in ('utm', 'referral', 'search', 'advert', 'email', 'direct')", "unknown_enumerated_value", "traffic_source"],
        ["duration_value < 0", "negative_amount", "duration_seconds"],
        [is_future_timestamp("occurred_at"), "future_timestamp", "occurred_at"],
        ["contact_id is not null and not is_known_contact", "unknown_contact", "contact_id"],
    ]) }}
),
{%- endfor %}

-- An id that occurs once: no duplicate to decide.
single_decided as (
    select
        *,
        1 as copy_number,
        1 as version_rank
    from single_checked
),

-- Duplicates are ranked among clean rows only, newest version first; a kept
-- copy stored on another day outranks every copy validated now.
repeated_decided as (
    {{ rank_key_versions('repeated_checked', ['event_id'], versions_in_effect_first('occurred_at'), 'has_stored_winner') }}
),

decided as (
    {%- for stream in streams %}
    select
        *,
        {{ rejection_with_duplicates('event_id') }}
    from {{ stream }}_decided
    {%- if not loop.last %}

    union all
    {% endif -%}
    {%- endfor %}
),

final as (
    select
        'events' as entity,
        event_id as record_key,
        event_id,
        contact_id,
        event_type,
        occurred_at,
        {{ local_date('occurred_at') }} as occurred_date,
        campaign_id,
        url,
        product_id,
        -- (the cast outside the case keeps the type's scale on PostgreSQL)
        cast(case when rejection_reason is null then duration_value end as decimal(18, 3)) as duration_seconds,
        traffic_source,
        utm_source,
        utm_medium,
        utm_campaign,
        session_id,
        coalesce(is_machine_open, false) as is_machine_open,
        rejection_reason,
        rejected_column,
        case
            when rejection_reason is not null then {{ raw_record(raw_columns, 'raw_') }}
        end as raw_record,
        raw_event_day,
        {{ sql_string_literal(invocation_id) }} as validation_run_id,
        {{ sql_string_literal(event_validation_settings()) }} as validation_settings,
        {{ validated_at() }} as validated_at
    from decided
)

select * from final
