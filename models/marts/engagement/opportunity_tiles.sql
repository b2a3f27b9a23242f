with

grouped as (
    select * from {{ ref('int_contacts_opportunity_grouped') }}
),

rules as (
    select * from {{ ref('int_rfm_persona_rules') }}
),

-- The engaged levels, lowest first (engagement_levels seed).
levels as (
    select
        engagement_level_rank as x_position,
        engagement_level
    from {{ ref('engagement_levels') }}
    where engagement_level_rank > 0
),

ranks as (
    select max(persona_rank) as max_persona_rank
    from rules
),

-- The scheme's personas and Non-customers, at their heights (Non-customers 1).
personas as (
    select
        rules.persona,
        ranks.max_persona_rank + 2 - rules.persona_rank as y_position
    from rules
    cross join ranks
    union all
    select
        'Non-customers' as persona,
        1 as y_position
),

counts as (
    select
        persona,
        x_position,
        count(*) as contacts
    from grouped
    where as_of_date = {{ as_of_date() }} and is_opportunity
    group by persona, x_position
),

final as (
    select
        {{ dbt.concat(["levels.engagement_level", "' '", "lower(personas.persona)"]) }} as opportunity_group,
        personas.persona,
        levels.engagement_level,
        cast(levels.x_position as {{ dbt.type_int() }}) as x_position,
        cast(personas.y_position as {{ dbt.type_int() }}) as y_position,
        cast(coalesce(counts.contacts, 0) as {{ dbt.type_bigint() }}) as contacts,
        {{ as_of_date() }} as as_of_date
    from personas
    cross join levels
    left join counts
        on
            personas.persona = counts.persona
            and levels.x_position = counts.x_position
)

select * from final
