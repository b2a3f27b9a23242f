{%- set dates = movement_dates() -%}
with

period_groups as (
    select * from {{ ref('opportunity_movement_contacts') }}
),

tiles as (
    select * from {{ ref('opportunity_tiles') }}
),

start_groups as (
    select * from period_groups
    where period_end = 'start'
),

end_groups as (
    select * from period_groups
    where period_end = 'end'
),

-- Contacts in no group (score 0) are named by level 0 of the
-- engagement_levels seed ("Non-engaged").
no_group as (
    select engagement_level as group_name
    from {{ ref('engagement_levels') }}
    where engagement_level_rank = 0
),

-- Contacts who did not exist at the start come from "New contacts".
moves as (
    select
        case
            when start_groups.contact_id is null then 'New contacts'
            else coalesce(start_groups.opportunity_group, no_group.group_name)
        end as from_group,
        coalesce(end_groups.opportunity_group, no_group.group_name) as to_group
    from end_groups
    cross join no_group
    left join start_groups
        on end_groups.contact_id = start_groups.contact_id
),

move_counts as (
    select
        from_group,
        to_group,
        count(*) as contacts
    from moves
    group by from_group, to_group
),

-- Every group of the tiles, plus Non-engaged and (as a start) New contacts,
-- and any pair that occurred.
groups as (
    select opportunity_group as group_name
    from tiles
    union
    select group_name
    from no_group
),

from_groups as (
    select group_name as from_group
    from groups
    union
    select 'New contacts' as from_group
    union
    select from_group
    from move_counts
),

to_groups as (
    select group_name as to_group
    from groups
    union
    select to_group
    from move_counts
),

from_totals as (
    select
        from_group,
        sum(contacts) as contacts
    from move_counts
    group by from_group
),

sources as (
    select
        coalesce(max(case when period_end = 'start' then scores_source end), 'computed') as start_scores_source,
        coalesce(max(case when period_end = 'end' then scores_source end), 'computed') as end_scores_source
    from period_groups
),

final as (
    select
        {{ date_literal(dates[0]) }} as start_date,
        {{ date_literal(dates[1]) }} as end_date,
        from_groups.from_group,
        to_groups.to_group,
        cast(coalesce(move_counts.contacts, 0) as {{ dbt.type_bigint() }}) as contacts,
        cast({{ divide('100.0 * coalesce(move_counts.contacts, 0)', 'nullif(from_totals.contacts, 0)') }} as {{ ratio_type() }})
            as pct_of_from_group,
        sources.start_scores_source,
        sources.end_scores_source
    from from_groups
    cross join to_groups
    cross join sources
    left join move_counts
        on
            from_groups.from_group = move_counts.from_group
            and to_groups.to_group = move_counts.to_group
    left join from_totals
        on from_groups.from_group = from_totals.from_group
)

select * from final
