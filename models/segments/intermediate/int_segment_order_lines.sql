-- What purchase conditions read: one row per line of a valid order up to
-- the as-of date, with the order's channel and the product's category,
-- subcategory and brand.
with

lines as (
    select * from {{ ref('fct_order_lines') }}
),

orders as (
    select * from {{ ref('fct_orders') }}
),

products as (
    select * from {{ ref('dim_products') }}
),

final as (
    select
        lines.order_line_id,
        lines.order_id,
        lines.contact_id,
        lines.ordered_date,
        orders.channel,
        lines.product_id,
        products.category,
        products.subcategory,
        products.brand,
        lines.line_revenue
    from lines
    inner join orders
        on lines.order_id = orders.order_id
    left join products
        on lines.product_id = products.product_id
    where lines.is_valid_order
)

select * from final
