{%- set raw_columns = [
    'contact_id', 'email', 'first_name', 'last_name', 'country_code', 'city',
    'gender', 'birth_date', 'created_at', 'updated_at', 'subscription_status',
    'acquisition_channel',
] -%}

with

subscription_statuses as (
    select subscription_status from {{ ref('subscription_statuses') }}
),

source as (
    select
        {{ select_raw_columns(raw_columns) }}
    from {{ source('crm', 'contacts') }}
),

parsed as (
    select
        source.*,
        {{ raw_row_hash(raw_columns, 'raw_') }} as raw_row_hash,
        {{ clean_text('raw_contact_id') }} as contact_id,
        lower({{ clean_text('raw_email') }}) as email,
        {{ clean_text('raw_first_name') }} as first_name,
        {{ clean_text('raw_last_name') }} as last_name,
        upper({{ clean_text('raw_country_code') }}) as country_code,
        {{ clean_text('raw_city') }} as city,
        lower({{ clean_text('raw_gender') }}) as gender,
        {{ parse_date(clean_text('raw_birth_date')) }} as birth_date,
        {{ parse_timestamp_utc(clean_text('raw_created_at')) }} as created_at,
        {{ parse_timestamp_utc(clean_text('raw_updated_at')) }} as updated_at,
        lower({{ clean_text('raw_subscription_status') }}) as subscription_status,
        lower({{ clean_text('raw_acquisition_channel') }}) as acquisition_channel,
        subscription_statuses.subscription_status is not null as is_known_subscription_status
    from source
    left join subscription_statuses
        on lower({{ clean_text('source.raw_subscription_status') }}) = subscription_statuses.subscription_status
),

-- The first failed check names the row's rejection reason; the order follows
-- the precedence in the rejection_reasons seed.
checked as (
    {{ checked_rows('parsed', [
        ["contact_id is null", "missing_required_value", "contact_id"],
        [clean_text("raw_created_at") ~ " is null", "missing_required_value", "created_at"],
        ["subscription_status is null", "missing_required_value", "subscription_status"],
        [is_unparseable("raw_created_at", "created_at"), "unparseable_timestamp", "created_at"],
        [is_unparseable("raw_updated_at", "updated_at"), "unparseable_timestamp", "updated_at"],
        [is_unparseable("raw_birth_date", "birth_date"), "unparseable_date", "birth_date"],
        [is_implausible_timestamp(clean_text("raw_created_at"), "created_at"), "out_of_range", "created_at"],
        [is_implausible_timestamp(clean_text("raw_updated_at"), "updated_at"), "out_of_range", "updated_at"],
        [is_implausible_timestamp(clean_text("raw_birth_date"), "birth_date"), "out_of_range", "birth_date"],
        ["not is_known_subscription_status", "unknown_enumerated_value", "subscription_status"],
        ["country_code is not null and not " ~ is_letter_code("country_code", 2), "invalid_code", "country_code"],
        [is_future_timestamp("created_at"), "future_timestamp", "created_at"],
        [is_future_timestamp("updated_at"), "future_timestamp", "updated_at"],
        [is_future_timestamp("birth_date"), "future_timestamp", "birth_date"],
    ]) }}
),

-- Duplicates are ranked among clean rows only, newest version first.
ranked as (
    {{ rank_duplicates('checked', ['contact_id'], versions_in_effect_first('coalesce(updated_at, created_at)') + ['updated_at desc nulls last', 'created_at desc nulls last']) }}
),

decided as (
    select
        *,
        {{ rejection_with_duplicates('contact_id') }}
    from ranked
),

final as (
    select
        'contacts' as entity,
        contact_id as record_key,
        contact_id,
        email,
        first_name,
        last_name,
        country_code,
        city,
        gender,
        birth_date,
        created_at,
        {{ local_date('created_at') }} as created_date,
        updated_at,
        subscription_status,
        acquisition_channel,
        rejection_reason,
        rejected_column,
        case
            when rejection_reason is not null then {{ raw_record(raw_columns, 'raw_') }}
        end as raw_record
    from decided
)

select * from final
