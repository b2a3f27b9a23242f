with

engaged_status as (
    select * from {{ ref('int_contacts_engagement_status') }}
),

contacts as (
    select * from {{ ref('dim_contacts') }}
),

final as (
    select
        engaged_status.contact_id,
        engaged_status.engagement_status,
        engaged_status.last_interaction_date,
        engaged_status.days_since_last_interaction,
        engaged_status.interactions_last_30_days,
        engaged_status.interactions_last_60_days,
        engaged_status.interactions_last_90_days,
        engaged_status.has_interacted_last_30_days,
        engaged_status.has_interacted_last_60_days,
        engaged_status.has_interacted_last_90_days,
        contacts.subscription_status,
        contacts.is_subscribed,
        engaged_status.engaged_window_days,
        engaged_status.as_of_date
    from engaged_status
    inner join contacts
        on engaged_status.contact_id = contacts.contact_id
    where engaged_status.as_of_date = {{ as_of_date() }}
)

select * from final
