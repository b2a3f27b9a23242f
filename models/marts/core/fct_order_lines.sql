with

order_lines as (
    select * from {{ ref('stg_shop__order_lines') }}
),

orders as (
    select * from {{ ref('int_orders_enriched') }}
),

-- Lines of the orders that exist as of the date. Line revenue is computed in
-- the order's currency and converted once, so it is not off by the rounding of
-- its parts (convert_amount: rounded once, with the full-precision rates).
final as (
    select
        {{ dbt.concat(["order_lines.order_id", "'|'", "cast(order_lines.line_number as " ~ dbt.type_string() ~ ")"]) }} as order_line_id,
        order_lines.order_id,
        order_lines.line_number,
        orders.contact_id,
        orders.ordered_date,
        orders.is_valid_order,
        order_lines.product_id,
        order_lines.quantity,
        order_lines.unit_price,
        order_lines.discount_amount,
        {{ convert_amount(
            'order_lines.quantity * order_lines.original_unit_price - order_lines.original_discount_amount',
            'order_lines.currency_value_in_base',
            'order_lines.reporting_currency_value_in_base',
        ) }} as line_revenue,
        {{ as_of_date() }} as as_of_date
    from order_lines
    inner join orders
        on order_lines.order_id = orders.order_id
)

select * from final
