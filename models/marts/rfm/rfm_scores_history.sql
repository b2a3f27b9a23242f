{#- Filled one as-of date at a time: a build for date D deletes D's rows and
    inserts them again, leaving every other date alone. full_refresh is off
    so `dbt build --full-refresh` cannot wipe the history; drop the table by
    hand to start it again. -#}
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

scores as (
    select * from {{ ref('rfm_scores') }}
),

final as (
    select
        as_of_date,
        contact_id,
        recency_days,
        frequency,
        monetary,
        average_order_value,
        recency_score,
        frequency_score,
        monetary_score,
        rfm_code,
        fm_score,
        persona,
        persona_rank,
        lifecycle_stage,
        scoring_method,
        persona_scheme
    from scores
)

select * from final
