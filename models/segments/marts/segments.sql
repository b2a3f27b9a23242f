with

catalog as (
    select * from {{ ref('int_segment_catalog') }}
),

members as (
    select * from {{ ref('int_segment_members') }}
),

definition_history as (
    select * from {{ ref('segment_definition_history') }}
    where as_of_date <= {{ as_of_date() }}
),

member_counts as (
    select
        segment_key,
        count(*) as members
    from members
    group by segment_key
),

current_definitions as (
    select
        segment_key,
        definition_hash
    from definition_history
    where as_of_date = {{ as_of_date() }}
),

-- The last date the history holds another definition of the segment.
last_other_definition as (
    select
        current_definitions.segment_key,
        max(definition_history.as_of_date) as as_of_date
    from current_definitions
    inner join definition_history
        on
            current_definitions.segment_key = definition_history.segment_key
            and current_definitions.definition_hash <> definition_history.definition_hash
    group by current_definitions.segment_key
),

-- The first date of the current definition since then: when it last changed.
definition_updates as (
    select
        current_definitions.segment_key,
        current_definitions.definition_hash,
        min(definition_history.as_of_date) as definition_updated_date
    from current_definitions
    inner join definition_history
        on
            current_definitions.segment_key = definition_history.segment_key
            and current_definitions.definition_hash = definition_history.definition_hash
    left join last_other_definition
        on current_definitions.segment_key = last_other_definition.segment_key
    where last_other_definition.as_of_date is null or definition_history.as_of_date > last_other_definition.as_of_date
    group by current_definitions.segment_key, current_definitions.definition_hash
),

final as (
    select
        catalog.segment_key,
        catalog.name,
        catalog.description,
        catalog.segment_type,
        catalog.status,
        catalog.owner,
        catalog.is_recommended,
        catalog.recommended_rank,
        catalog.used_in,
        catalog.definition,
        catalog.compiled_sql,
        catalog.model_name,
        definition_updates.definition_hash,
        definition_updates.definition_updated_date,
        coalesce(member_counts.members, 0) as members,
        {{ as_of_date() }} as as_of_date
    from catalog
    left join member_counts
        on catalog.segment_key = member_counts.segment_key
    left join definition_updates
        on catalog.segment_key = definition_updates.segment_key
)

select * from final
