-- The tiles hold every opportunity once: their contacts add up to
-- opportunity_summary.opportunities, and contacts = opportunities +
-- non_engaged = the contacts of dim_contacts. Returns the totals that differ.
with

tiles as (
    select * from {{ ref('opportunity_tiles') }}
),

summary as (
    select * from {{ ref('opportunity_summary') }}
),

contacts as (
    select * from {{ ref('dim_contacts') }}
),

totals as (
    select
        (select sum(contacts) from tiles) as tile_contacts,
        (select count(*) from contacts) as dim_contacts
),

final as (
    select
        summary.contacts,
        summary.opportunities,
        summary.non_engaged,
        totals.tile_contacts,
        totals.dim_contacts
    from summary
    cross join totals
    where
        summary.opportunities != totals.tile_contacts
        or summary.contacts != summary.opportunities + summary.non_engaged
        or summary.contacts != totals.dim_contacts
)

select * from final
