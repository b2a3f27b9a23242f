{#- Filled one as-of date at a time, like rfm_scores_history: a build for
    date D deletes D's rows and inserts them again, leaving every other date
    alone; `dbt build --full-refresh` cannot wipe it. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy=as_of_history_strategy(),
        partition_by=as_of_history_partitions(),
        on_schema_change='append_new_columns',
        full_refresh=false,
        pre_hook="{{ replace_as_of_date_rows() }}",
    )
}}
with

predictions as (
    select * from {{ ref('customer_predictions') }}
),

final as (
    select
        as_of_date,
        contact_id,
        probability_alive,
        churn_risk,
        expected_orders_next_90_days,
        expected_orders_next_365_days,
        expected_average_order_value,
        predicted_revenue_next_365_days,
        frequency,
        recency_days,
        age_days
    from predictions
)

select * from final
