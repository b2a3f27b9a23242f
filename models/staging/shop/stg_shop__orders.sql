with

validated as (
    select * from {{ ref('base_shop__orders_validated') }}
),

final as (
    select
        order_id,
        contact_id,
        ordered_at,
        ordered_date,
        status,
        channel,
        original_currency_code,
        exchange_rate,
        currency_value_in_base,
        reporting_currency_value_in_base,
        original_total_amount,
        total_amount,
        discount_amount,
        shipping_amount,
        refunded_amount
    from validated
    where rejection_reason is null
)

select * from final
