{%- set raw_columns = [
    'event_id', 'contact_id', 'event_type', 'occurred_at', 'campaign_id', 'url',
    'product_id', 'duration_seconds', 'traffic_source', 'utm_source', 'utm_medium',
    'utm_campaign', 'session_id', 'is_machine_open',
] -%}

with

source as (
    select
        {{ select_raw_columns(raw_columns) }}
    from {{ source('tracking', 'events') }}
),

known_contacts as (
    select contact_id from {{ ref('stg_crm__contacts') }}
),

parsed as (
    select
        source.*,
        {{ raw_row_hash(raw_columns, 'raw_') }} as raw_row_hash,
        {{ clean_text('source.raw_event_id') }} as event_id,
        {{ clean_text('source.raw_contact_id') }} as contact_id,
        lower({{ clean_text('source.raw_event_type') }}) as event_type,
        {{ parse_timestamp_utc(clean_text('source.raw_occurred_at')) }} as occurred_at,
        {{ clean_text('source.raw_campaign_id') }} as campaign_id,
        {{ clean_text('source.raw_url') }} as url,
        {{ clean_text('source.raw_product_id') }} as product_id,
        {{ try_cast(clean_text('source.raw_duration_seconds'), 'decimal(18, 3)') }} as duration_seconds,
        lower({{ clean_text('source.raw_traffic_source') }}) as traffic_source,
        {{ clean_text('source.raw_utm_source') }} as utm_source,
        {{ clean_text('source.raw_utm_medium') }} as utm_medium,
        {{ clean_text('source.raw_utm_campaign') }} as utm_campaign,
        {{ clean_text('source.raw_session_id') }} as session_id,
        {{ parse_boolean(clean_text('source.raw_is_machine_open')) }} as is_machine_open,
        known_contacts.contact_id is not null as is_known_contact
    from source
    left join known_contacts
        on {{ clean_text('source.raw_contact_id') }} = known_contacts.contact_id
),

-- Checks in the precedence of the rejection_reasons seed. An empty
-- contact_id is an anonymous visitor, not a fault.
checked as (
    select
        *,
        {{ first_failed_check([
            ["event_id is null", "missing_required_value", "event_id"],
            ["event_type is null", "missing_required_value", "event_type"],
            [clean_text("raw_occurred_at") ~ " is null", "missing_required_value", "occurred_at"],
            [is_unparseable("raw_occurred_at", "occurred_at"), "unparseable_timestamp", "occurred_at"],
            [is_unparseable("raw_duration_seconds", "duration_seconds"), "unparseable_number", "duration_seconds"],
            [is_unparseable("raw_is_machine_open", "is_machine_open"), "unparseable_boolean", "is_machine_open"],
            ["event_type not in ('email_sent', 'email_open', 'email_click', 'email_bounce', 'email_unsubscribe', 'page_view', 'product_view', 'add_to_cart')", "unknown_enumerated_value", "event_type"],
            ["traffic_source not in ('utm', 'referral', 'search', 'advert', 'email', 'direct')", "unknown_enumerated_value", "traffic_source"],
            ["duration_seconds < 0", "negative_amount", "duration_seconds"],
            [is_future_timestamp("occurred_at"), "future_timestamp", "occurred_at"],
            ["contact_id is not null and not is_known_contact", "unknown_contact", "contact_id"],
        ]) }}
    from parsed
),

-- Duplicates are ranked among clean rows only, newest version first.
ranked as (
    {{ rank_duplicates('checked', ['event_id'], ['occurred_at desc nulls last']) }}
),

decided as (
    select
        *,
        {{ rejection_with_duplicates('event_id') }}
    from ranked
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
        duration_seconds,
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
        end as raw_record
    from decided
)

select * from final
