{%- set raw_columns = ['product_id', 'product_name', 'category', 'subcategory', 'brand', 'price'] -%}

with

source as (
    select
        {{ select_raw_columns(raw_columns) }}
    from {{ source('shop', 'products') }}
),

parsed as (
    select
        *,
        {{ raw_row_hash(raw_columns, 'raw_') }} as raw_row_hash,
        {{ clean_text('raw_product_id') }} as product_id,
        {{ clean_text('raw_product_name') }} as product_name,
        {{ clean_text('raw_category') }} as category,
        {{ clean_text('raw_subcategory') }} as subcategory,
        {{ clean_text('raw_brand') }} as brand,
        {{ parse_amount(clean_text('raw_price')) }} as price
    from source
),

-- Checks in the precedence of the rejection_reasons seed.
checked as (
    {{ checked_rows('parsed', [
        ["product_id is null", "missing_required_value", "product_id"],
        [is_unparseable_number(clean_text("raw_price")), "unparseable_number", "price"],
        [is_out_of_range_number(clean_text("raw_price"), "price"), "out_of_range", "price"],
        [has_excess_precision(clean_text("raw_price"), 2), "excess_precision", "price"],
        ["price < 0", "negative_amount", "price"],
    ]) }}
),

-- Products carry no timestamp: the raw row hash picks the kept version.
-- Duplicates are ranked among clean rows only, newest version first.
ranked as (
    {{ rank_duplicates('checked', ['product_id']) }}
),

decided as (
    select
        *,
        {{ rejection_with_duplicates('product_id') }}
    from ranked
),

final as (
    select
        'products' as entity,
        product_id as record_key,
        product_id,
        product_name,
        category,
        subcategory,
        brand,
        price,
        rejection_reason,
        rejected_column,
        case
            when rejection_reason is not null then {{ raw_record(raw_columns, 'raw_') }}
        end as raw_record
    from decided
)

select * from final
