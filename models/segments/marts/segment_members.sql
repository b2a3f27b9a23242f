with

members as (
    select * from {{ ref('int_segment_members') }}
),

changes as (
    select * from {{ ref('segment_membership_changes') }}
),

-- The start of each member's current stay: its latest entry up to the
-- as-of date.
entries as (
    select
        segment_key,
        contact_id,
        max(as_of_date) as entered_date
    from changes
    where change_type = 'entered' and as_of_date <= {{ as_of_date() }}
    group by segment_key, contact_id
),

final as (
    select
        members.segment_key,
        members.contact_id,
        entries.entered_date,
        {{ as_of_date() }} as as_of_date
    from members
    left join entries
        on
            members.segment_key = entries.segment_key
            and members.contact_id = entries.contact_id
)

select * from final
