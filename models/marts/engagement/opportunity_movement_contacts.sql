{#- Each contact's opportunity group at the start and at the end of the
    movement period: the history's rows for the date when it holds them
    (scored with the same configuration), otherwise this build's. -#}
with

history as (
    select * from {{ ref('erfm_scores_history') }}
),

computed as (
    select * from {{ ref('int_contacts_opportunity_grouped') }}
),

{{ movement_period_rows(
    'history', 'computed', ['opportunity_group'],
    {
        'persona_scheme': rfm_persona_scheme(),
        'scoring_method': rfm_scoring_method(),
        'engagement_level_method': engagement_level_method(),
        'decision_window_days': decision_window_days(),
    },
) }}

final as (
    select * from period_rows
)

select * from final
