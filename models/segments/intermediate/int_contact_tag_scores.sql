-- What tag conditions test: per contact and tag, the summed score of all
-- its sources and the first and last day it was given.
with

tags as (
    select * from {{ ref('int_contact_tags_combined') }}
),

final as (
    select
        contact_id,
        tag,
        sum(score) as score,
        min(tagged_date) as first_tagged_date,
        max(tagged_date) as last_tagged_date
    from tags
    group by contact_id, tag
)

select * from final
