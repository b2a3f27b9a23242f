{#- Incremental by order id (see macros/staging/keyed_refresh.sql): a build
    validates again every raw line of the order ids whose raw lines changed
    or whose order was validated again since (base_shop__orders_validated's
    validated_at), and replaces those ids whole; `--full-refresh` validates
    every row. -#}
-- depends_on: {{ ref('base_shop__orders_validated') }}
{{ config(
    materialized=refreshed_materialization(),
    incremental_strategy='delete+insert',
    unique_key='validation_key',
    on_schema_change='fail',
    post_hook="{{ log_validated_rows() }}",
) }}
{%- set raw_columns = ['order_id', 'line_number', 'product_id', 'quantity', 'unit_price', 'discount_amount'] -%}
{%- set incremental = is_incremental() -%}

with

-- Every raw row with its key, bucket and row hash (keyed_refresh.sql).
raw_keys as (
    {{ keyed_raw_rows(source('shop', 'order_lines'), raw_columns, 'order_id') }}
),

-- What a validated line depends on besides its raw row and its order.
current_settings as (
    select {{ sql_string_literal(order_line_validation_settings()) }} as validation_settings
),

{% if incremental -%}
{% set rechecks %}
-- The order ids validated again since these lines were: their lines read
-- the order's existence and rates.
select validation_key
from {{ ref('base_shop__orders_validated') }}
where validated_at > (select max(validated_at) from {{ this }})
{% endset -%}
{{ keyed_refresh_ctes(rechecks, 'order id') }},

{% endif -%}
source as (
    {{ in_refresh_scope('raw_keys', incremental) }}
),

known_orders as (
    select
        order_id,
        exchange_rate,
        currency_value_in_base,
        reporting_currency_value_in_base
    from {{ ref('stg_shop__orders') }}
),

parsed as (
    select
        source.*,
        {{ clean_text('source.raw_order_id') }} as order_id,
        {{ parse_integer(clean_text('source.raw_line_number')) }} as line_number,
        {{ clean_text('source.raw_product_id') }} as product_id,
        {{ parse_number(clean_text('source.raw_quantity'), 0) }} as quantity_value,
        {{ parse_amount(clean_text('source.raw_unit_price')) }} as original_unit_price,
        {{ parse_amount(clean_text('source.raw_discount_amount')) }} as original_discount_amount,
        -- the cleaned texts the checks read, cleaned (and pattern-matched) once
        {{ checked_texts('source', numbers=['line_number', 'quantity', 'unit_price', 'discount_amount']) }}
        known_orders.exchange_rate,
        known_orders.currency_value_in_base,
        known_orders.reporting_currency_value_in_base,
        known_orders.order_id is not null as is_known_order
    from source
    left join known_orders
        on {{ clean_text('source.raw_order_id') }} = known_orders.order_id
),

-- Checks in the precedence of the rejection_reasons seed. Quantity is read as
-- a number first so that '2.5' and '0' are invalid quantities, not garbage.
checked as (
    {{ checked_rows('parsed', [
        ["order_id is null", "missing_required_value", "order_id"],
        ["line_number_text is null", "missing_required_value", "line_number"],
        ["quantity_text is null", "missing_required_value", "quantity"],
        ["unit_price_text is null", "missing_required_value", "unit_price"],
        [is_unparseable_number("line_number_text", plain="line_number_is_plain_number"), "unparseable_number", "line_number"],
        [has_excess_precision("line_number_text", 0, plain="line_number_is_plain_number"), "unparseable_number", "line_number"],
        [is_unparseable_number("quantity_text", plain="quantity_is_plain_number"), "unparseable_number", "quantity"],
        [is_unparseable_number("unit_price_text", plain="unit_price_is_plain_number"), "unparseable_number", "unit_price"],
        [is_unparseable_number("discount_amount_text", plain="discount_amount_is_plain_number"), "unparseable_number", "discount_amount"],
        [is_out_of_range_number("line_number_text", "line_number", plain="line_number_is_plain_number"), "out_of_range", "line_number"],
        [is_out_of_range_number("quantity_text", "quantity_value", max_quantity(), plain="quantity_is_plain_number"), "out_of_range", "quantity"],
        [is_out_of_range_number("unit_price_text", "original_unit_price", plain="unit_price_is_plain_number"), "out_of_range", "unit_price"],
        [is_out_of_range_number("discount_amount_text", "original_discount_amount", plain="discount_amount_is_plain_number"), "out_of_range", "discount_amount"],
        ["quantity_value * original_unit_price >= " ~ number_limit(), "out_of_range", "unit_price"],
        [has_excess_precision("unit_price_text", 2, plain="unit_price_is_plain_number"), "excess_precision", "unit_price"],
        [has_excess_precision("discount_amount_text", 2, plain="discount_amount_is_plain_number"), "excess_precision", "discount_amount"],
        ["original_unit_price < 0", "negative_amount", "unit_price"],
        ["original_discount_amount < 0", "negative_amount", "discount_amount"],
        ["quantity_value <= 0 or " ~ has_excess_precision("quantity_text", 0, plain="quantity_is_plain_number"), "invalid_quantity", "quantity"],
        ["not is_known_order", "unknown_order", "order_id"],
    ]) }}
),

-- Lines carry no timestamp: of two versions of a line, the raw row hash
-- decides deterministically which is kept.
-- Duplicates are ranked among clean rows only, newest version first.
ranked as (
    {{ rank_duplicates('checked', ['order_id', 'line_number']) }}
),

decided as (
    select
        *,
        {{ rejection_with_duplicates('order_id, line_number') }}
    from ranked
),

-- Amounts of kept lines converted with the order's rates and rounded once
-- (convert_amount); the originals are kept so that line revenue can be
-- converted in one step.
final as (
    select
        'order_lines' as entity,
        {{ dbt.concat(["coalesce(order_id, '')", "'|'", "coalesce(" ~ clean_text('raw_line_number') ~ ", '')"]) }} as record_key,
        order_id,
        line_number,
        product_id,
        case
            when abs(quantity_value) < {{ max_quantity() }} and not {{ has_excess_precision(clean_text('raw_quantity'), 0) }}
                then cast(quantity_value as {{ dbt.type_bigint() }})
        end as quantity,
        exchange_rate,
        currency_value_in_base,
        reporting_currency_value_in_base,
        original_unit_price,
        coalesce(original_discount_amount, 0) as original_discount_amount,
        case
            when rejection_reason is null
                then {{ convert_amount('original_unit_price', 'currency_value_in_base', 'reporting_currency_value_in_base') }}
        end as unit_price,
        case
            when rejection_reason is null
                then {{ convert_amount('coalesce(original_discount_amount, 0)', 'currency_value_in_base', 'reporting_currency_value_in_base') }}
        end as discount_amount,
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
