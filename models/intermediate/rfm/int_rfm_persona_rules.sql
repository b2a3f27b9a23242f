-- The persona rules of the active scheme: the seed rfm_personas_<scheme>.
with

rules as (
    select * from {{ ref('rfm_personas_' ~ rfm_persona_scheme()) }}
),

final as (
    select
        {{ sql_string_literal(rfm_persona_scheme()) }} as persona_scheme,
        persona,
        persona_rank,
        lifecycle_stage,
        recency_score_min,
        recency_score_max,
        fm_score_min,
        fm_score_max,
        description
    from rules
)

select * from final
