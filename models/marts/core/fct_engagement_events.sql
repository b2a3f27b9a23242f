{#- A view: at 100M events a table would copy all history on every build;
    the view reads the incrementally validated events. -#}
{{ config(materialized='view') }}
with

events as (
    select * from {{ ref('stg_tracking__events') }}
),

final as (
    select
        event_id,
        contact_id,
        contact_id is null as is_anonymous,
        event_type,
        occurred_at,
        occurred_date,
        campaign_id,
        url,
        product_id,
        duration_seconds,
        traffic_source,
        utm_source,
        utm_medium,
        utm_campaign,
        session_id,
        is_machine_open,
        {{ as_of_date() }} as as_of_date
    from events
    where occurred_date <= {{ as_of_date() }}
)

select * from final
