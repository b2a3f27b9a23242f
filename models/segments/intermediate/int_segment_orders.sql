-- What order-count, total-spent and first-order conditions read: one row
-- per valid order up to the as-of date.
with

orders as (
    select * from {{ ref('fct_orders') }}
),

final as (
    select
        order_id,
        contact_id,
        ordered_date,
        channel,
        net_revenue
    from orders
    where is_valid_order
)

select * from final
