{{ config(materialized='table') }}
-- The prediction models' inputs per customer, as of the build's as-of date
-- and the backtest's cutoff date, in days (docs/predictions.md): a purchase
-- is a day with a valid order (several orders on one day are one purchase,
-- with their summed net revenue), as Fader, Hardie & Lee count transactions.
with

orders as (
    select * from {{ ref('int_orders_enriched') }}
    where is_valid_order
),

score_dates as (
    select * from {{ ref('int_score_dates') }}
    where is_build_as_of_date or is_backtest_cutoff_date
),

purchase_days as (
    select
        score_dates.as_of_date,
        score_dates.is_build_as_of_date,
        score_dates.is_backtest_cutoff_date,
        orders.contact_id,
        orders.ordered_date as purchase_date,
        sum(orders.net_revenue) as purchase_revenue
    from score_dates
    inner join orders
        on score_dates.as_of_date >= orders.ordered_date
    group by
        score_dates.as_of_date,
        score_dates.is_build_as_of_date,
        score_dates.is_backtest_cutoff_date,
        orders.contact_id,
        orders.ordered_date
),

first_purchases as (
    select
        as_of_date,
        contact_id,
        min(purchase_date) as first_purchase_date
    from purchase_days
    group by as_of_date, contact_id
),

final as (
    select
        purchase_days.as_of_date,
        purchase_days.contact_id,
        purchase_days.is_build_as_of_date,
        purchase_days.is_backtest_cutoff_date,
        first_purchases.first_purchase_date,
        max(purchase_days.purchase_date) as last_purchase_date,
        cast(count(*) as {{ dbt.type_int() }}) as purchase_days,
        cast(count(*) - 1 as {{ dbt.type_int() }}) as frequency,
        cast({{ dbt.datediff('first_purchases.first_purchase_date', 'max(purchase_days.purchase_date)', 'day') }} as {{ dbt.type_int() }}) as recency_days,
        cast({{ dbt.datediff('first_purchases.first_purchase_date', 'purchase_days.as_of_date', 'day') }} as {{ dbt.type_int() }}) as age_days,
        cast({{ days_var('backtest_holdout_days') }} as {{ dbt.type_int() }}) as backtest_holdout_days,
        cast(
            coalesce(sum(case when purchase_days.purchase_date > first_purchases.first_purchase_date then purchase_days.purchase_revenue end), 0)
            as {{ money_type() }}
        ) as repeat_revenue,
        -- the mean spend of the repeat purchase days (the first is left out, as
        -- Gamma-Gamma's m), in floating point for the models; null for a
        -- one-time buyer
        cast(
            avg(case when purchase_days.purchase_date > first_purchases.first_purchase_date then purchase_days.purchase_revenue end)
            as {{ ratio_type() }}
        ) as repeat_average_order_value
    from purchase_days
    inner join first_purchases
        on
            purchase_days.as_of_date = first_purchases.as_of_date
            and purchase_days.contact_id = first_purchases.contact_id
    group by
        purchase_days.as_of_date,
        purchase_days.contact_id,
        purchase_days.is_build_as_of_date,
        purchase_days.is_backtest_cutoff_date,
        first_purchases.first_purchase_date
)

select * from final
