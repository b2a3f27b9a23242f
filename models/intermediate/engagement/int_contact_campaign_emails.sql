{%- set window_days = days_var('campaign_window_days') -%}
-- One row per contact and campaign with an email sent to the contact within
-- campaign_window_days ending on the as-of date: the sends, and the opens
-- and clicks of that campaign by the contact from its first send in the
-- window up to the as-of date. Machine opens (privacy proxies opening every
-- email) are counted apart and never make an email opened; a click does.
with

events as (
    select * from {{ ref('stg_tracking__events') }}
    where
        campaign_id is not null
        and contact_id is not null
        and occurred_date <= {{ as_of_date() }}
),

sends as (
    select
        contact_id,
        campaign_id,
        min(occurred_date) as first_sent_date,
        max(occurred_date) as last_sent_date,
        count(*) as sends
    from events
    where
        event_type = 'email_sent'
        and occurred_date > {{ dbt.dateadd('day', -window_days, as_of_date()) }}
    group by contact_id, campaign_id
),

responses as (
    select
        sends.contact_id,
        sends.campaign_id,
        sum(case when events.event_type = 'email_open' and not coalesce(events.is_machine_open, false) then 1 else 0 end)
            as human_opens,
        sum(case when events.event_type = 'email_open' and coalesce(events.is_machine_open, false) then 1 else 0 end)
            as machine_opens,
        sum(case when events.event_type = 'email_click' then 1 else 0 end) as clicks,
        max(case when events.event_type = 'email_open' and not coalesce(events.is_machine_open, false) then events.occurred_date end)
            as last_human_open_date,
        max(case when events.event_type = 'email_click' then events.occurred_date end) as last_click_date
    from sends
    inner join events
        on
            sends.contact_id = events.contact_id
            and sends.campaign_id = events.campaign_id
            and sends.first_sent_date <= events.occurred_date
    where events.event_type in ('email_open', 'email_click')
    group by sends.contact_id, sends.campaign_id
),

final as (
    select
        sends.contact_id,
        sends.campaign_id,
        sends.first_sent_date,
        sends.last_sent_date,
        cast(sends.sends as {{ dbt.type_bigint() }}) as sends,
        cast(coalesce(responses.human_opens, 0) as {{ dbt.type_bigint() }}) as human_opens,
        cast(coalesce(responses.machine_opens, 0) as {{ dbt.type_bigint() }}) as machine_opens,
        cast(coalesce(responses.clicks, 0) as {{ dbt.type_bigint() }}) as clicks,
        -- a click proves a person opened the email, even when images (and the
        -- open pixel) were blocked: a clicked email counts as opened
        coalesce(responses.human_opens, 0) + coalesce(responses.clicks, 0) > 0 as is_opened,
        coalesce(responses.clicks, 0) > 0 as is_clicked,
        responses.last_human_open_date,
        responses.last_click_date
    from sends
    left join responses
        on
            sends.contact_id = responses.contact_id
            and sends.campaign_id = responses.campaign_id
)

select * from final
