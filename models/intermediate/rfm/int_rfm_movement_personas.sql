{#- The personas at the start and at the end of the persona-movement period:
    the history's rows for the date when it has them (scored with the same
    scheme and method), otherwise the scores this build computed for it. -#}
{%- set dates = movement_dates() -%}
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

periods as (
    select
        'start' as period_end,
        {{ date_literal(dates[0]) }} as as_of_date
    union all
    select
        'end' as period_end,
        {{ date_literal(dates[1]) }} as as_of_date
),

history_rows as (
    select
        periods.period_end,
        history.as_of_date,
        history.contact_id,
        history.persona,
        history.persona_rank
    from periods
    inner join history
        on periods.as_of_date = history.as_of_date
    where
        history.persona_scheme = {{ sql_string_literal(rfm_persona_scheme()) }}
        and history.scoring_method = {{ sql_string_literal(rfm_scoring_method()) }}
),

dates_in_history as (
    select distinct period_end
    from history_rows
),

computed_rows as (
    select
        periods.period_end,
        computed.as_of_date,
        computed.contact_id,
        computed.persona,
        computed.persona_rank
    from periods
    inner join computed
        on periods.as_of_date = computed.as_of_date
    left join dates_in_history
        on periods.period_end = dates_in_history.period_end
    where dates_in_history.period_end is null
),

both_sources as (
    select
        period_end,
        as_of_date,
        contact_id,
        persona,
        persona_rank,
        'history' as scores_source
    from history_rows
    union all
    select
        period_end,
        as_of_date,
        contact_id,
        persona,
        persona_rank,
        'computed' as scores_source
    from computed_rows
),

-- A persona keeps the rank the current rules give it, so one persona has one
-- rank even when the history was scored with an older version of the seed.
final as (
    select
        both_sources.period_end,
        both_sources.as_of_date,
        both_sources.contact_id,
        both_sources.persona,
        both_sources.scores_source,
        coalesce(rules.persona_rank, both_sources.persona_rank) as persona_rank
    from both_sources
    left join rules
        on both_sources.persona = rules.persona
)

select * from final
