with

catalog as (
    select * from {{ ref('int_segment_catalog') }}
),

members as (
    select * from {{ ref('int_segment_members') }}
),

member_counts as (
    select
        segment_key,
        count(*) as members
    from members
    group by segment_key
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
        coalesce(member_counts.members, 0) as members,
        {{ as_of_date() }} as as_of_date
    from catalog
    left join member_counts
        on catalog.segment_key = member_counts.segment_key
)

select * from final
