with

orders as (
    select * from {{ ref('int_orders_enriched') }}
),

final as (
    select
        order_id,
        contact_id,
        ordered_at,
        ordered_date,
        status,
        channel,
        is_valid_order,
        original_currency_code,
        exchange_rate,
        original_total_amount,
        total_amount,
        discount_amount,
        shipping_amount,
        refunded_amount,
        cast(net_revenue as {{ money_type() }}) as net_revenue,
        line_count,
        units,
        {{ as_of_date() }} as as_of_date
    from orders
)

select * from final
