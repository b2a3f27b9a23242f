{%- set raw_columns = ['contact_id', 'tag', 'tagged_at', 'score'] -%}

with

source as (
    select
        {{ select_raw_columns(raw_columns) }}
    from {{ source('crm', 'contact_tags') }}
),

known_contacts as (
    select contact_id from {{ ref('stg_crm__contacts') }}
),

parsed as (
    select
        source.*,
        {{ raw_row_hash(raw_columns, 'raw_') }} as raw_row_hash,
        {{ clean_text('source.raw_contact_id') }} as contact_id,
        {{ clean_text('source.raw_tag') }} as tag,
        {{ parse_timestamp_utc(clean_text('source.raw_tagged_at')) }} as tagged_at,
        {{ parse_integer(clean_text('source.raw_score')) }} as score,
        known_contacts.contact_id is not null as is_known_contact
    from source
    left join known_contacts
        on {{ clean_text('source.raw_contact_id') }} = known_contacts.contact_id
),

-- Checks in the precedence of the rejection_reasons seed.
checked as (
    {{ checked_rows('parsed', [
        ["contact_id is null", "missing_required_value", "contact_id"],
        ["tag is null", "missing_required_value", "tag"],
        [is_unparseable("raw_tagged_at", "tagged_at"), "unparseable_timestamp", "tagged_at"],
        [is_implausible_timestamp(clean_text("raw_tagged_at"), "tagged_at"), "out_of_range", "tagged_at"],
        [is_unparseable_number(clean_text("raw_score")), "unparseable_number", "score"],
        [has_excess_precision(clean_text("raw_score"), 0), "unparseable_number", "score"],
        [is_out_of_range_number(clean_text("raw_score"), "score"), "out_of_range", "score"],
        [is_future_timestamp("tagged_at"), "future_timestamp", "tagged_at"],
        ["not is_known_contact", "unknown_contact", "contact_id"],
    ]) }}
),

-- Duplicates are ranked among clean rows only, newest version first.
ranked as (
    {{ rank_duplicates('checked', ['contact_id', 'tag'], versions_in_effect_first('tagged_at')) }}
),

decided as (
    select
        *,
        {{ rejection_with_duplicates('contact_id, tag') }}
    from ranked
),

final as (
    select
        'contact_tags' as entity,
        {{ dbt.concat(["coalesce(contact_id, '')", "'|'", "coalesce(tag, '')"]) }} as record_key,
        contact_id,
        tag,
        tagged_at,
        score,
        rejection_reason,
        rejected_column,
        case
            when rejection_reason is not null then {{ raw_record(raw_columns, 'raw_') }}
        end as raw_record
    from decided
)

select * from final
