{#- Filled one as-of date at a time, like rfm_scores_history: a build for
    date D deletes D's rows and inserts them again; --full-refresh cannot
    wipe it. -#}
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
    select * from {{ ref('erfm_scores') }}
),

final as (
    select
        as_of_date,
        contact_id,
        contact_type,
        purchase_phase,
        persona,
        engagement_score,
        engagement_level,
        opportunity_intent,
        opportunity_group,
        is_opportunity,
        engagement_status,
        {{ sql_string_literal(rfm_persona_scheme()) }} as persona_scheme,
        {{ sql_string_literal(rfm_scoring_method()) }} as scoring_method,
        {{ sql_string_literal(engagement_level_method()) }} as engagement_level_method,
        decision_window_days
    from scores
)

select * from final
