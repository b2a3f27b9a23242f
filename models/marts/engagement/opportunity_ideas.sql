-- The opportunity builder's three criteria: contact type, purchase phase and
-- intent. Each combination selects the opportunity groups of the personas in
-- that phase (or Non-customers) at that intent's engagement level.
with

grouped as (
    select * from {{ ref('int_contacts_opportunity_grouped') }}
),

rules as (
    select * from {{ ref('int_rfm_persona_rules') }}
),

-- Each engaged level's intent, lowest first (engagement_levels seed).
intents as (
    select
        opportunity_intent,
        engagement_level,
        engagement_level_rank as x_position
    from {{ ref('engagement_levels') }}
    where engagement_level_rank > 0
),

phases as (
    select
        'Customer' as contact_type,
        'Active' as purchase_phase,
        1 as phase_order
    union all
    select
        'Customer' as contact_type,
        'Lapsing' as purchase_phase,
        2 as phase_order
    union all
    select
        'Customer' as contact_type,
        'Inactive' as purchase_phase,
        3 as phase_order
    union all
    select
        'Non-customer' as contact_type,
        cast(null as {{ dbt.type_string() }}) as purchase_phase,
        4 as phase_order
),

-- The personas each phase holds: the rules' lifecycle stage, or Non-customers.
phase_personas as (
    select
        phases.contact_type,
        phases.purchase_phase,
        rules.persona,
        rules.persona_rank
    from phases
    inner join rules
        on phases.purchase_phase = rules.lifecycle_stage
    union all
    select
        'Non-customer' as contact_type,
        cast(null as {{ dbt.type_string() }}) as purchase_phase,
        'Non-customers' as persona,
        0 as persona_rank
),

selected_groups as (
    select
        phase_personas.contact_type,
        phase_personas.purchase_phase,
        intents.opportunity_intent,
        {{ dbt.listagg(
            dbt.concat(["intents.engagement_level", "' '", "lower(phase_personas.persona)"]),
            "', '",
            "order by phase_personas.persona_rank"
        ) }} as opportunity_groups
    from phase_personas
    cross join intents
    group by phase_personas.contact_type, phase_personas.purchase_phase, intents.opportunity_intent
),

counts as (
    select
        contact_type,
        purchase_phase,
        opportunity_intent,
        count(*) as contacts
    from grouped
    where as_of_date = {{ as_of_date() }} and is_opportunity
    group by contact_type, purchase_phase, opportunity_intent
),

final as (
    select
        phases.contact_type,
        phases.purchase_phase,
        intents.opportunity_intent,
        selected_groups.opportunity_groups,
        cast(coalesce(counts.contacts, 0) as {{ dbt.type_bigint() }}) as contacts,
        cast(phases.phase_order as {{ dbt.type_int() }}) as phase_order,
        cast(intents.x_position as {{ dbt.type_int() }}) as intent_order,
        {{ as_of_date() }} as as_of_date
    from phases
    cross join intents
    left join selected_groups
        on
            phases.contact_type = selected_groups.contact_type
            and coalesce(phases.purchase_phase, '') = coalesce(selected_groups.purchase_phase, '')
            and intents.opportunity_intent = selected_groups.opportunity_intent
    left join counts
        on
            phases.contact_type = counts.contact_type
            and coalesce(phases.purchase_phase, '') = coalesce(counts.purchase_phase, '')
            and intents.opportunity_intent = counts.opportunity_intent
)

select * from final
