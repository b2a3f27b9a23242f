-- An order's units and line count in fct_orders equal the sum over its lines in
-- fct_order_lines. Returns the orders that differ.
with

orders as (
    select * from {{ ref('fct_orders') }}
),

order_lines as (
    select * from {{ ref('fct_order_lines') }}
),

from_lines as (
    select
        order_id,
        count(*) as line_count,
        sum(quantity) as units
    from order_lines
    group by order_id
),

final as (
    select
        orders.order_id,
        orders.line_count,
        from_lines.line_count as lines_in_fct_order_lines,
        orders.units,
        from_lines.units as units_in_fct_order_lines
    from orders
    left join from_lines
        on orders.order_id = from_lines.order_id
    where
        orders.line_count <> coalesce(from_lines.line_count, 0)
        or orders.units is distinct from from_lines.units
)

select * from final
