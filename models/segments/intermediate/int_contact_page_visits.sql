-- A visit is a page or product view with a URL by a known contact; tag
-- rules count these.
with

events as (
    select * from {{ ref('fct_engagement_events') }}
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
        and event_type in ('page_view', 'product_view')
)

select * from final
