with

orders as (
    select * from {{ ref('int_orders_enriched') }}
),

final as (
    select
        contact_id,
        min(ordered_date) as first_valid_order_date,
        max(ordered_date) as last_valid_order_date,
        count(*) as valid_orders,
        sum(net_revenue) as net_revenue
    from orders
    where is_valid_order
    group by contact_id
)

select * from final
