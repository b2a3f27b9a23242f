-- One row per segment (and static list) and member contact as of the as-of
-- date, plus every contact as a member of the all-contacts baseline.
with

members as (
    select * from {{ ref('segment_members') }}
),

contacts as (
    select * from {{ ref('dim_contacts') }}
),

final as (
    select
        segment_key,
        contact_id
    from members
    union all
    select
        {{ sql_string_literal(baseline_segment_key()) }} as segment_key,
        contact_id
    from contacts
)

select * from final
