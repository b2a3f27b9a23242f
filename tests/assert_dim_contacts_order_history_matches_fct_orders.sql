-- Every contact's valid-order figures in dim_contacts equal what fct_orders
-- holds for it: the two marts tell one story. Returns the contacts that differ.
with

contacts as (
    select * from {{ ref('dim_contacts') }}
),

orders as (
    select * from {{ ref('fct_orders') }}
),

from_orders as (
    select
        contact_id,
        count(*) as valid_orders,
        sum(net_revenue) as net_revenue,
        min(ordered_date) as first_valid_order_date,
        max(ordered_date) as last_valid_order_date
    from orders
    where is_valid_order
    group by contact_id
),

final as (
    select
        contacts.contact_id,
        contacts.valid_orders,
        from_orders.valid_orders as valid_orders_in_fct_orders,
        contacts.net_revenue,
        from_orders.net_revenue as net_revenue_in_fct_orders
    from contacts
    left join from_orders
        on contacts.contact_id = from_orders.contact_id
    where
        contacts.valid_orders <> coalesce(from_orders.valid_orders, 0)
        or contacts.net_revenue <> coalesce(from_orders.net_revenue, 0)
        or contacts.first_valid_order_date is distinct from from_orders.first_valid_order_date
        or contacts.last_valid_order_date is distinct from from_orders.last_valid_order_date
)

select * from final
