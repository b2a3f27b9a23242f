{%- set sunset_days = days_var('sunset_after_days') -%}
{%- set campaign_days = days_var('sunset_campaign_days') -%}
{%- set campaign_ids = sunset_campaign_ids() -%}
{%- set campaign_literals = [] -%}
{%- for campaign_id in campaign_ids -%}
    {%- do campaign_literals.append(sql_string_literal(campaign_id)) -%}
{%- endfor -%}
{%- set campaign_filter = ('events.campaign_id in (' ~ (campaign_literals | join(', ')) ~ ')') if campaign_ids else 'true' -%}
-- The sunset's end (edrone's sunset policy): sunset candidates who stayed
-- without an interaction through the whole sunset campaign, the
-- sunset_campaign_days after they became candidates. Suppress them from
-- email, or unsubscribe them, to protect deliverability. With
-- sunset_campaign_ids, only the contacts one of those campaigns reached
-- since they became candidates; the others should get it first. No email
-- here: personal data stays in dim_contacts (`make export` writes the list
-- with it).
with

candidates as (
    select * from {{ ref('sunset_candidates') }}
),

events as (
    select * from {{ ref('fct_engagement_events') }}
),

timed as (
    select
        *,
        -- the first day without an interaction for sunset_after_days
        {{ dbt.dateadd('day', sunset_days, 'coalesce(last_interaction_date, first_seen_date)') }} as candidate_since_timestamp
    from candidates
    where days_without_interaction >= {{ sunset_days + campaign_days }}
),

sunset_sends as (
    select
        timed.contact_id,
        count(*) as sunset_emails_sent
    from timed
    inner join events
        on timed.contact_id = events.contact_id
    where
        events.event_type = 'email_sent'
        and events.occurred_date >= cast(timed.candidate_since_timestamp as date)
        and {{ campaign_filter }}
    group by timed.contact_id
),

final as (
    select
        timed.contact_id,
        timed.subscription_status,
        timed.last_interaction_date,
        timed.days_without_interaction,
        cast(timed.candidate_since_timestamp as date) as sunset_candidate_since_date,
        cast({{ dbt.dateadd('day', campaign_days, 'timed.candidate_since_timestamp') }} as date) as sunset_campaign_end_date,
        cast(coalesce(sunset_sends.sunset_emails_sent, 0) as {{ dbt.type_bigint() }}) as sunset_emails_sent,
        {{ dbt.concat([
            "'no interaction for '",
            dbt.cast('timed.days_without_interaction', dbt.type_string()),
            "' days: a sunset candidate since '",
            dbt.cast('cast(timed.candidate_since_timestamp as date)', dbt.type_string()),
            "' and none during the " ~ campaign_days ~ " days of the sunset campaign after it ('",
            dbt.cast('coalesce(sunset_sends.sunset_emails_sent, 0)', dbt.type_string()),
            "' " ~ ("of its " if campaign_ids else "") ~ "email(s) sent since)'",
        ]) }} as suppression_reason,
        timed.persona,
        {{ sunset_days }} as sunset_after_days,
        {{ campaign_days }} as sunset_campaign_days,
        timed.as_of_date
    from timed
    left join sunset_sends
        on timed.contact_id = sunset_sends.contact_id
    {%- if campaign_ids %}
    where sunset_sends.sunset_emails_sent > 0
    {%- endif %}
)

select * from final
