with

catalog as (
    select * from {{ ref('segments') }}
),

members as (
    select * from {{ ref('segment_members') }}
),

pairs as (
    select
        catalog.segment_key,
        other.segment_key as other_segment_key,
        catalog.members,
        other.members as other_members
    from catalog
    cross join catalog as other
),

shared as (
    select
        members.segment_key,
        other.segment_key as other_segment_key,
        count(*) as members_in_both
    from members
    inner join members as other
        on members.contact_id = other.contact_id
    group by members.segment_key, other.segment_key
),

final as (
    select
        pairs.segment_key,
        pairs.other_segment_key,
        pairs.members,
        pairs.other_members,
        cast(coalesce(shared.members_in_both, 0) as {{ dbt.type_bigint() }}) as members_in_both,
        cast(
            {{ divide('100.0 * coalesce(shared.members_in_both, 0)', 'nullif(pairs.members, 0)') }} as {{ ratio_type() }}
        ) as pct_of_members_in_other,
        cast(
            {{ divide('1.0 * coalesce(shared.members_in_both, 0)', 'nullif(pairs.members + pairs.other_members - coalesce(shared.members_in_both, 0), 0)') }}
            as {{ ratio_type() }}
        ) as jaccard_index,
        {{ as_of_date() }} as as_of_date
    from pairs
    left join shared
        on
            pairs.segment_key = shared.segment_key
            and pairs.other_segment_key = shared.other_segment_key
)

select * from final
