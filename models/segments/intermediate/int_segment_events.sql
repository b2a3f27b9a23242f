-- What behaviour conditions read: one row per event of a known contact up
-- to the as-of date, with the viewed product's category.
with

events as (
    select * from {{ ref('fct_engagement_events') }}
),

products as (
    select * from {{ ref('dim_products') }}
),

final as (
    select
        events.event_id,
        events.contact_id,
        events.event_type,
        events.occurred_date,
        events.url,
        events.campaign_id,
        events.product_id,
        products.category,
        products.subcategory,
        events.traffic_source,
        events.utm_source,
        events.utm_medium,
        events.utm_campaign,
        events.is_machine_open
    from events
    left join products
        on events.product_id = products.product_id
    where events.contact_id is not null
)

select * from final
