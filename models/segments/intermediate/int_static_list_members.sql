-- Members of the static lists that exist as of the as-of date (effective
-- on or before it): what in_static_list conditions and segment_members read.
with

lists as (
    select * from {{ ref('stg_static_lists__lists') }}
),

members as (
    select * from {{ ref('stg_static_lists__members') }}
),

final as (
    select
        members.list_key,
        members.contact_id,
        lists.effective_date
    from members
    inner join lists
        on members.list_key = lists.list_key
    where lists.effective_date <= {{ as_of_date() }}
)

select * from final
