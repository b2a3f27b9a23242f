-- A visit is an event of a page-visit type (event_types seed: page and
-- product views) with a URL by a known contact; tag rules count these.
with

events as (
    select * from {{ ref('fct_engagement_events') }}
),

page_visit_types as (
    select event_type from {{ ref('event_types') }}
    where is_page_visit
),

final as (
    select
        event_id,
        contact_id,
        occurred_date,
        url,
        duration_seconds
    from events
    where
        contact_id is not null
        and url is not null
        and event_type in (select page_visit_types.event_type from page_visit_types)
)

select * from final
