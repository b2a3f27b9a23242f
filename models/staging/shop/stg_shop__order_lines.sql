with

validated as (
    select * from {{ ref('base_shop__order_lines_validated') }}
),

final as (
    select
        order_id,
        line_number,
        product_id,
        quantity,
        exchange_rate,
        currency_value_in_base,
        reporting_currency_value_in_base,
        original_unit_price,
        original_discount_amount,
        unit_price,
        discount_amount
    from validated
    where rejection_reason is null
)

select * from final
