{#- Written once per build as a table: rfm_scores, the thresholds, the persona
    summary and persona movement all read it. -#}
{{ config(materialized='table') }}
-- Personas wait for the rules check, which stops the build when the rules do
-- not give every score combination exactly one persona.
-- depends_on: {{ ref('int_rfm_persona_rule_problems') }}
with

scored as (
    select * from {{ ref('int_customers_rfm_scored') }}
),

rules as (
    select * from {{ ref('int_rfm_persona_rules') }}
),

final as (
    select
        scored.as_of_date,
        scored.contact_id,
        scored.first_valid_order_date,
        scored.last_valid_order_date,
        scored.recency_days,
        scored.frequency,
        scored.monetary,
        scored.average_order_value,
        scored.lifetime_valid_orders,
        scored.lifetime_net_revenue,
        scored.recency_score,
        scored.frequency_score,
        scored.monetary_score,
        scored.rfm_code,
        scored.fm_score,
        rules.persona,
        rules.persona_rank,
        rules.lifecycle_stage,
        scored.scoring_method,
        rules.persona_scheme
    from scored
    left join rules
        on
            scored.recency_score between rules.recency_score_min and rules.recency_score_max
            and scored.fm_score between rules.fm_score_min and rules.fm_score_max
)

select * from final
