with

personas as (
    select * from {{ ref('int_customers_rfm_personas') }}
),

rules as (
    select * from {{ ref('int_rfm_persona_rules') }}
),

customers_as_of as (
    select * from personas
    where as_of_date = {{ as_of_date() }}
),

-- Lifetime figures: every valid order up to the as-of date, whatever the
-- RFM lookback window.
by_persona as (
    select
        persona,
        count(*) as customers,
        sum(lifetime_valid_orders) as valid_orders,
        sum(lifetime_net_revenue) as revenue
    from customers_as_of
    group by persona
),

totals as (
    select
        count(*) as customers,
        sum(lifetime_net_revenue) as revenue
    from customers_as_of
),

final as (
    select
        rules.persona,
        rules.persona_rank,
        rules.lifecycle_stage,
        rules.description,
        cast(coalesce(by_persona.customers, 0) as {{ dbt.type_bigint() }}) as customers,
        cast(
            {{ divide('100.0 * coalesce(by_persona.customers, 0)', 'nullif(totals.customers, 0)') }} as {{ ratio_type() }}
        ) as pct_of_customers,
        cast(coalesce(by_persona.valid_orders, 0) as {{ dbt.type_bigint() }}) as valid_orders,
        cast(coalesce(by_persona.revenue, 0) as {{ money_type() }}) as revenue,
        cast(
            {{ divide('100.0 * coalesce(by_persona.revenue, 0)', 'nullif(totals.revenue, 0)') }} as {{ ratio_type() }}
        ) as pct_of_revenue,
        {{ money_ratio('by_persona.revenue', 'by_persona.customers') }} as average_clv,
        cast(
            {{ divide('1.0 * by_persona.valid_orders', 'nullif(by_persona.customers, 0)') }} as {{ ratio_type() }}
        ) as average_orders_per_customer,
        {{ money_ratio('by_persona.revenue', 'by_persona.valid_orders') }} as average_order_value,
        rules.persona_scheme,
        {{ as_of_date() }} as as_of_date
    from rules
    cross join totals
    left join by_persona
        on rules.persona = by_persona.persona
)

select * from final
