{#- Each contact's opportunity group at the start and at the end of the
    movement period: the history's rows for the date when it holds them
    (scored with the same configuration), otherwise this build's. -#}
{%- set dates = movement_dates() -%}
with

history as (
    select * from {{ ref('erfm_scores_history') }}
),

computed as (
    select * from {{ ref('int_contacts_opportunity_grouped') }}
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
        history.opportunity_group,
        'history' as scores_source
    from periods
    inner join history
        on periods.as_of_date = history.as_of_date
    where
        history.persona_scheme = {{ sql_string_literal(rfm_persona_scheme()) }}
        and history.scoring_method = {{ sql_string_literal(rfm_scoring_method()) }}
        and history.engagement_level_method = {{ sql_string_literal(engagement_level_method()) }}
        and history.decision_window_days = {{ decision_window_days() }}
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
        computed.opportunity_group,
        'computed' as scores_source
    from periods
    inner join computed
        on periods.as_of_date = computed.as_of_date
    left join dates_in_history
        on periods.period_end = dates_in_history.period_end
    where dates_in_history.period_end is null
),

final as (
    select * from history_rows
    union all
    select * from computed_rows
)

select * from final
