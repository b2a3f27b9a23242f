{%- set dates = backtest_dates() -%}
{%- set holdout_days = days_var('backtest_holdout_days') -%}
-- Do the personas and predictions mean something? The customers as of the
-- backtest's cutoff date, grouped by their persona, churn-risk band and
-- decile of predicted purchase days then, against what they bought in the
-- holdout: the valid orders after the cutoff, up to holdout_end_date (never
-- after the as-of date). docs/predictions.md "Reading the backtest".
with

cutoff_customers as (
    select * from {{ ref('int_customers_clv_inputs') }}
    where as_of_date = {{ date_literal(dates[0]) }}
),

personas as (
    select * from {{ ref('int_customers_rfm_personas') }}
    where as_of_date = {{ date_literal(dates[0]) }}
),

-- The Python model's dates arrive as timestamps.
predictions as (
    select * from {{ ref('int_customers_clv_scored') }}
    where cast(as_of_date as date) = {{ date_literal(dates[0]) }}
),

holdout_orders as (
    select * from {{ ref('int_orders_enriched') }}
    where
        is_valid_order
        and ordered_date > {{ date_literal(dates[0]) }}
        and ordered_date <= {{ date_literal(dates[1]) }}
),

holdout_purchases as (
    select
        contact_id,
        count(*) as holdout_orders,
        count(distinct ordered_date) as holdout_purchase_days,
        sum(net_revenue) as holdout_revenue
    from holdout_orders
    group by contact_id
),

predicted as (
    select
        as_of_date,
        contact_id,
        expected_orders_in_backtest_holdout
    from predictions
    where expected_orders_in_backtest_holdout is not null
),

{{ value_rank_ctes('predicted_ranks', 'predicted', 'expected_orders_in_backtest_holdout') }},

predicted_count as (
    select count(*) as customers
    from predicted
),

-- Equal predictions share a rank and so a decile; decile 10 predicts the most.
predicted_deciles as (
    select
        predicted_ranks.contact_id,
        cast(floor(10.0 * (predicted_ranks.value_rank - 1) / predicted_count.customers) + 1 as {{ dbt.type_int() }}) as decile
    from predicted_ranks
    cross join predicted_count
),

customers as (
    select
        cutoff_customers.contact_id,
        personas.persona,
        personas.persona_rank,
        {{ churn_risk_band('predictions.probability_alive') }} as churn_risk,
        predicted_deciles.decile,
        predictions.expected_orders_in_backtest_holdout as predicted_purchase_days,
        coalesce(holdout_purchases.holdout_orders, 0) as holdout_orders,
        coalesce(holdout_purchases.holdout_purchase_days, 0) as holdout_purchase_days,
        coalesce(holdout_purchases.holdout_revenue, 0) as holdout_revenue
    from cutoff_customers
    left join personas
        on cutoff_customers.contact_id = personas.contact_id
    left join predictions
        on cutoff_customers.contact_id = predictions.contact_id
    left join predicted_deciles
        on cutoff_customers.contact_id = predicted_deciles.contact_id
    left join holdout_purchases
        on cutoff_customers.contact_id = holdout_purchases.contact_id
),

grouped as (
    select
        'all' as group_type,
        'All customers' as group_name,
        0 as group_order,
        *
    from customers
    union all
    select
        'persona' as group_type,
        persona as group_name,
        persona_rank as group_order,
        *
    from customers
    where persona is not null
    union all
    select
        'churn_risk' as group_type,
        churn_risk as group_name,
        case churn_risk when 'Low' then 1 when 'Medium' then 2 else 3 end as group_order,
        *
    from customers
    where churn_risk is not null
    union all
    select
        'predicted_orders_decile' as group_type,
        {{ dbt.concat(["'Decile '", dbt.cast('decile', dbt.type_string())]) }} as group_name,
        decile as group_order,
        *
    from customers
    where decile is not null
),

final as (
    select
        group_type,
        group_name,
        cast(group_order as {{ dbt.type_int() }}) as group_order,
        cast(count(*) as {{ dbt.type_bigint() }}) as customers,
        cast(sum(case when holdout_orders > 0 then 1 else 0 end) as {{ dbt.type_bigint() }}) as holdout_buyers,
        cast({{ divide('100.0 * sum(case when holdout_orders > 0 then 1 else 0 end)', 'count(*)') }} as {{ ratio_type() }}) as holdout_purchase_rate_pct,
        cast({{ divide('1.0 * sum(holdout_orders)', 'count(*)') }} as {{ ratio_type() }}) as holdout_orders_per_customer,
        cast({{ divide('1.0 * sum(holdout_purchase_days)', 'count(*)') }} as {{ ratio_type() }}) as holdout_purchase_days_per_customer,
        cast(sum(holdout_revenue) / count(*) as {{ money_type() }}) as holdout_revenue_per_customer,
        cast(avg(predicted_purchase_days) as {{ ratio_type() }}) as predicted_purchase_days_per_customer,
        {{ date_literal(dates[0]) }} as cutoff_date,
        {{ date_literal(dates[1]) }} as holdout_end_date,
        cast({{ holdout_days }} as {{ dbt.type_int() }}) as holdout_days,
        {{ as_of_date() }} as as_of_date
    from grouped
    group by group_type, group_name, group_order
)

select * from final
