-- Every contact of dim_contacts has exactly one erfm_scores row, and that row
-- is either in exactly one opportunity group (a tile) with an engaged level,
-- or non-engaged with no group. Returns the contacts where that fails.
with

contacts as (
    select * from {{ ref('dim_contacts') }}
),

scores as (
    select * from {{ ref('erfm_scores') }}
),

tiles as (
    select * from {{ ref('opportunity_tiles') }}
),

rows_per_contact as (
    select
        contact_id,
        count(*) as score_rows
    from scores
    group by contact_id
),

checked as (
    select
        contacts.contact_id,
        rows_per_contact.score_rows,
        scores.engagement_level,
        scores.opportunity_group,
        tiles.opportunity_group as tile_group
    from contacts
    left join rows_per_contact
        on contacts.contact_id = rows_per_contact.contact_id
    left join scores
        on contacts.contact_id = scores.contact_id
    left join tiles
        on
            scores.opportunity_group = tiles.opportunity_group
            and scores.engagement_level = tiles.engagement_level
            and scores.persona = tiles.persona
),

final as (
    select * from checked
    where
        score_rows is null
        or score_rows != 1
        or (engagement_level = 'Non-engaged' and opportunity_group is not null)
        or (engagement_level != 'Non-engaged' and tile_group is null)
)

select * from final
