{#- Incremental by order id (see macros/staging/keyed_refresh.sql): a build
    validates again every raw row of the order ids whose raw rows changed
    (new orders, a refund or cancellation written as a new version or into
    the order's row) or whose stored decision may have moved, and replaces
    those ids whole; `--full-refresh` validates every row. -#}
{{ config(
    materialized=refreshed_materialization(),
    incremental_strategy='delete+insert',
    unique_key='validation_key',
    on_schema_change='fail',
    post_hook="{{ log_validated_rows() }}",
) }}
{%- set raw_columns = [
    'order_id', 'contact_id', 'ordered_at', 'status', 'currency', 'total_amount',
    'discount_amount', 'shipping_amount', 'refunded_amount', 'channel',
] -%}
{%- set amounts = ['total_amount', 'discount_amount', 'shipping_amount', 'refunded_amount'] -%}
{%- set incremental = is_incremental() -%}

with

-- Every raw row with its key, bucket and row hash (keyed_refresh.sql).
raw_keys as (
    {{ keyed_raw_rows(source('shop', 'orders'), raw_columns, 'order_id') }}
),

known_contacts as (
    select contact_id from {{ ref('stg_crm__contacts') }}
),

currency_rates as (
    select * from {{ ref('currency_rates') }}
),

-- The reporting currency must have a rate, or no amount can be converted:
-- stop the build and say so rather than produce null revenue.
reporting_rate as (
    select
        case
            when count(*) = 1 then max(value_in_base_currency)
            else {{ raise_sql_error("var reporting_currency: '" ~ var('reporting_currency') ~ "' has no row in seed currency_rates; add it to seeds/currency_rates.csv") }}
        end as value_in_base_currency
    from currency_rates
    where currency_code = {{ sql_string_literal(var('reporting_currency')) }}
),

-- What a validated order depends on besides its raw row: when a stored row
-- was validated with other settings, every order id is validated again.
current_settings as (
    select
        {{ dbt.concat([
            sql_string_literal(order_validation_settings() ~ ';rates='),
            "coalesce(" ~ dbt.listagg(dbt.concat(["currency_code", "'='", "cast(value_in_base_currency as " ~ dbt.type_string() ~ ")"]), "','", "order by currency_code") ~ ", '')",
        ]) }} as validation_settings
    from currency_rates
),

{% if incremental -%}
{% set rechecks -%}
{{ stored_decisions_to_recheck('known_contacts', 'validation_key', 'validation_key', 'ordered_date', 'ordered_at') }}
{% endset -%}
{{ keyed_refresh_ctes(rechecks, 'order id') }},

{% endif -%}
source as (
    {{ in_refresh_scope('raw_keys', incremental) }}
),

parsed as (
    select
        source.*,
        {{ clean_text('source.raw_order_id') }} as order_id,
        {{ clean_text('source.raw_contact_id') }} as contact_id,
        {{ parse_timestamp_utc(clean_text('source.raw_ordered_at')) }} as ordered_at,
        lower({{ clean_text('source.raw_status') }}) as status,
        upper({{ clean_text('source.raw_currency') }}) as original_currency_code,
        {%- for amount in amounts %}
        {{ parse_amount(clean_text('source.raw_' ~ amount)) }} as original_{{ amount }},
        {%- endfor %}
        lower({{ clean_text('source.raw_channel') }}) as channel,
        -- the cleaned texts the checks read, cleaned (and pattern-matched) once
        {{ checked_texts('source', texts=['ordered_at'], numbers=['total_amount', 'discount_amount', 'shipping_amount', 'refunded_amount']) }}
        currency_rates.value_in_base_currency as currency_value_in_base,
        reporting_rate.value_in_base_currency as reporting_currency_value_in_base,
        -- For reading only: amounts are converted with the two rates above
        -- (convert_amount), never with this rounded quotient.
        cast(currency_rates.value_in_base_currency / reporting_rate.value_in_base_currency as decimal(18, 8)) as exchange_rate,
        known_contacts.contact_id is not null as is_known_contact
    from source
    cross join reporting_rate
    left join currency_rates
        on upper({{ clean_text('source.raw_currency') }}) = currency_rates.currency_code
    left join known_contacts
        on {{ clean_text('source.raw_contact_id') }} = known_contacts.contact_id
),

-- Checks in the precedence of the rejection_reasons seed.
checked as (
    {{ checked_rows('parsed', [
        ["order_id is null", "missing_required_value", "order_id"],
        ["contact_id is null", "missing_required_value", "contact_id"],
        ["ordered_at_text is null", "missing_required_value", "ordered_at"],
        ["status is null", "missing_required_value", "status"],
        ["original_currency_code is null", "missing_required_value", "currency"],
        ["total_amount_text is null", "missing_required_value", "total_amount"],
        ["ordered_at_text is not null and ordered_at is null", "unparseable_timestamp", "ordered_at"],
        [is_unparseable_number("total_amount_text", plain="total_amount_is_plain_number"), "unparseable_number", "total_amount"],
        [is_unparseable_number("discount_amount_text", plain="discount_amount_is_plain_number"), "unparseable_number", "discount_amount"],
        [is_unparseable_number("shipping_amount_text", plain="shipping_amount_is_plain_number"), "unparseable_number", "shipping_amount"],
        [is_unparseable_number("refunded_amount_text", plain="refunded_amount_is_plain_number"), "unparseable_number", "refunded_amount"],
        [is_implausible_timestamp("ordered_at_text", "ordered_at"), "out_of_range", "ordered_at"],
        [is_out_of_range_number("total_amount_text", "original_total_amount", plain="total_amount_is_plain_number"), "out_of_range", "total_amount"],
        [is_out_of_range_number("discount_amount_text", "original_discount_amount", plain="discount_amount_is_plain_number"), "out_of_range", "discount_amount"],
        [is_out_of_range_number("shipping_amount_text", "original_shipping_amount", plain="shipping_amount_is_plain_number"), "out_of_range", "shipping_amount"],
        [is_out_of_range_number("refunded_amount_text", "original_refunded_amount", plain="refunded_amount_is_plain_number"), "out_of_range", "refunded_amount"],
        [has_excess_precision("total_amount_text", 2, plain="total_amount_is_plain_number"), "excess_precision", "total_amount"],
        [has_excess_precision("discount_amount_text", 2, plain="discount_amount_is_plain_number"), "excess_precision", "discount_amount"],
        [has_excess_precision("shipping_amount_text", 2, plain="shipping_amount_is_plain_number"), "excess_precision", "shipping_amount"],
        [has_excess_precision("refunded_amount_text", 2, plain="refunded_amount_is_plain_number"), "excess_precision", "refunded_amount"],
        ["status not in ('completed', 'cancelled', 'refunded')", "unknown_enumerated_value", "status"],
        ["channel not in ('web', 'app', 'store', 'marketplace', 'phone')", "unknown_enumerated_value", "channel"],
        ["exchange_rate is null", "unknown_currency", "currency"],
        ["original_total_amount < 0", "negative_amount", "total_amount"],
        ["original_discount_amount < 0", "negative_amount", "discount_amount"],
        ["original_shipping_amount < 0", "negative_amount", "shipping_amount"],
        ["original_refunded_amount < 0", "negative_amount", "refunded_amount"],
        ["original_refunded_amount > original_total_amount", "refund_exceeds_total", "refunded_amount"],
        [is_future_timestamp("ordered_at"), "future_timestamp", "ordered_at"],
        ["not is_known_contact", "unknown_contact", "contact_id"],
    ]) }}
),

-- Duplicates are ranked among clean rows only, newest version first.
ranked as (
    {{ rank_duplicates('checked', ['order_id'], versions_in_effect_first('ordered_at')) }}
),

decided as (
    select
        *,
        {{ rejection_with_duplicates('order_id') }}
    from ranked
),

-- Amounts of kept rows converted to the reporting currency and rounded once
-- to cents (convert_amount); an absent discount, shipping or refund is zero.
final as (
    select
        'orders' as entity,
        order_id as record_key,
        order_id,
        contact_id,
        ordered_at,
        {{ local_date('ordered_at') }} as ordered_date,
        status,
        channel,
        original_currency_code,
        exchange_rate,
        currency_value_in_base,
        reporting_currency_value_in_base,
        original_total_amount,
        {%- for amount in amounts %}
        case
            when rejection_reason is null
                then {{ convert_amount('coalesce(original_' ~ amount ~ ', 0)', 'currency_value_in_base', 'reporting_currency_value_in_base') }}
        end as {{ amount }},
        {%- endfor %}
        rejection_reason,
        rejected_column,
        case
            when rejection_reason is not null then {{ raw_record(raw_columns, 'raw_') }}
        end as raw_record,
        validation_key,
        validation_bucket,
        raw_row_hash,
        (select current_settings.validation_settings from current_settings) as validation_settings,
        {{ validated_at() }} as validated_at
    from decided
)

select * from final
