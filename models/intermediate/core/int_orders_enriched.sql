{#- A table: six models read the valid orders, and as a view each of them
    summed every order line again for line_count and units (most of the RFM
    stage's time). -#}
{{ config(materialized='table') }}
with

orders as (
    select * from {{ ref('stg_shop__orders') }}
),

order_lines as (
    select * from {{ ref('stg_shop__order_lines') }}
),

-- Only orders placed on or before the as-of date (in reporting_timezone days)
-- exist as of that date.
orders_as_of as (
    select *
    from orders
    where ordered_date <= {{ as_of_date() }}
),

line_totals as (
    select
        order_id,
        count(*) as line_count,
        sum(quantity) as units
    from order_lines
    group by order_id
),

-- The one definition of a valid order, relied on by every later model:
-- status completed and net revenue above zero (or zero too, when
-- include_zero_value_orders is true).
final as (
    select
        orders_as_of.order_id,
        orders_as_of.contact_id,
        orders_as_of.ordered_at,
        orders_as_of.ordered_date,
        orders_as_of.status,
        orders_as_of.channel,
        orders_as_of.original_currency_code,
        orders_as_of.exchange_rate,
        orders_as_of.original_total_amount,
        orders_as_of.total_amount,
        orders_as_of.discount_amount,
        orders_as_of.shipping_amount,
        orders_as_of.refunded_amount,
        orders_as_of.total_amount - orders_as_of.refunded_amount as net_revenue,
        (
            orders_as_of.status = 'completed'
            and orders_as_of.total_amount - orders_as_of.refunded_amount
            {%- if var('include_zero_value_orders') %} >= {% else %} > {% endif -%}
            0
        ) as is_valid_order,
        coalesce(line_totals.line_count, 0) as line_count,
        cast(line_totals.units as {{ dbt.type_bigint() }}) as units
    from orders_as_of
    left join line_totals
        on orders_as_of.order_id = line_totals.order_id
)

select * from final
