with

validated as (
    select * from {{ ref('base_tracking__events_validated') }}
),

final as (
    select
        event_id,
        contact_id,
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
        raw_event_day,
        validation_run_id,
        validated_at
    from validated
    where rejection_reason is null
)

select * from final
