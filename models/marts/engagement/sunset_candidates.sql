{%- set sunset_days = days_var('sunset_after_days') -%}
-- Subscribed, non-engaged contacts with no interaction for at least
-- sunset_after_days (counted from their first evidence when they never
-- interacted): the audience of a re-engagement ("sunset") campaign. No
-- email here: personal data stays in dim_contacts (DECISIONS.md), which a
-- campaign tool joins on contact_id.
with

engaged_status as (
    select * from {{ ref('engagement_status') }}
),

contacts as (
    select * from {{ ref('dim_contacts') }}
),

grouped as (
    select * from {{ ref('erfm_scores') }}
),

measured as (
    select
        engaged_status.contact_id,
        engaged_status.subscription_status,
        contacts.first_seen_date,
        engaged_status.last_interaction_date,
        cast(
            {{ dbt.datediff('coalesce(engaged_status.last_interaction_date, contacts.first_seen_date)', as_of_date(), 'day') }}
            as {{ dbt.type_int() }}
        ) as days_without_interaction,
        grouped.persona,
        engaged_status.as_of_date
    from engaged_status
    inner join contacts
        on engaged_status.contact_id = contacts.contact_id
    inner join grouped
        on engaged_status.contact_id = grouped.contact_id
    where
        engaged_status.is_subscribed
        and engaged_status.engagement_status = 'Non-engaged'
),

final as (
    select
        contact_id,
        subscription_status,
        first_seen_date,
        last_interaction_date,
        days_without_interaction,
        persona,
        {{ sunset_days }} as sunset_after_days,
        as_of_date
    from measured
    where days_without_interaction >= {{ sunset_days }}
)

select * from final
