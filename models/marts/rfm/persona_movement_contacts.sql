{#- Each customer's persona at the start and at the end of the persona-movement period:
    the history's rows for the date when it has them (scored with the same
    scheme and method), otherwise the scores this build computed for it. -#}
with

history as (
    select * from {{ ref('rfm_scores_history') }}
),

computed as (
    select * from {{ ref('int_customers_rfm_personas') }}
),

rules as (
    select * from {{ ref('int_rfm_persona_rules') }}
),

{{ movement_period_rows(
    'history', 'computed', ['persona', 'persona_rank'],
    {'persona_scheme': rfm_persona_scheme(), 'scoring_method': rfm_scoring_method()},
) }}

-- A persona keeps the rank the current rules give it, so one persona has one
-- rank even when the history was scored with an older version of the seed.
final as (
    select
        period_rows.period_end,
        period_rows.as_of_date,
        period_rows.contact_id,
        period_rows.persona,
        period_rows.scores_source,
        coalesce(rules.persona_rank, period_rows.persona_rank) as persona_rank
    from period_rows
    left join rules
        on period_rows.persona = rules.persona
)

select * from final
