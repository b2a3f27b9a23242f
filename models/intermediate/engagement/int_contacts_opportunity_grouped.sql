{#- Written once per build as a table: every eRFM and engagement mart reads it. -#}
{{ config(materialized='table') }}
with

engagement as (
    select * from {{ ref('int_contacts_engagement_scored') }}
),

engaged_status as (
    select * from {{ ref('int_contacts_engagement_status') }}
),

personas as (
    select * from {{ ref('int_customers_rfm_personas') }}
),

rules as (
    select * from {{ ref('int_rfm_persona_rules') }}
),

engagement_levels as (
    select * from {{ ref('engagement_levels') }}
),

-- Non-customers rank after every persona, so y_position (personas from
-- Non-customers at the bottom up to the best persona at the top) is
-- (number of ranks + 2) − rank.
ranks as (
    select max(persona_rank) as max_persona_rank
    from rules
),

final as (
    select
        engagement.as_of_date,
        engagement.contact_id,
        case when personas.contact_id is not null then 'Customer' else 'Non-customer' end as contact_type,
        personas.lifecycle_stage as purchase_phase,
        coalesce(personas.persona, 'Non-customers') as persona,
        cast(coalesce(personas.persona_rank, ranks.max_persona_rank + 1) as {{ dbt.type_int() }}) as persona_rank,
        cast(ranks.max_persona_rank + 2 - coalesce(personas.persona_rank, ranks.max_persona_rank + 1) as {{ dbt.type_int() }})
            as y_position,
        engagement.engagement_points,
        engagement.engagement_score,
        engagement.engagement_level,
        engagement.engagement_level_rank as x_position,
        engagement_levels.opportunity_intent,
        case
            when engagement.engagement_level_rank > 0
                then {{ dbt.concat(["engagement.engagement_level", "' '", "lower(coalesce(personas.persona, 'Non-customers'))"]) }}
        end as opportunity_group,
        engagement.engagement_level_rank > 0 as is_opportunity,
        engaged_status.engagement_status,
        engaged_status.last_interaction_date
    from engagement
    cross join ranks
    inner join engagement_levels
        on engagement.engagement_level_rank = engagement_levels.engagement_level_rank
    left join personas
        on
            engagement.as_of_date = personas.as_of_date
            and engagement.contact_id = personas.contact_id
    left join engaged_status
        on
            engagement.as_of_date = engaged_status.as_of_date
            and engagement.contact_id = engaged_status.contact_id
)

select * from final
