with

validated as (
    select * from {{ ref('base_shop__products_validated') }}
),

final as (
    select
        product_id,
        product_name,
        category,
        subcategory,
        brand,
        price
    from validated
    where rejection_reason is null
)

select * from final
