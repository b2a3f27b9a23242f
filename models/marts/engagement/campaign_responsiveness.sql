{%- set window_days = days_var('campaign_window_days') -%}
-- One row per campaign with an email sent within campaign_window_days
-- ending on the as-of date: the contacts it reached, opened (a human open)
-- and clicked, and the rates, with machine opens counted apart.
with

emails as (
    select * from {{ ref('int_contact_campaign_emails') }}
),

per_campaign as (
    select
        campaign_id,
        min(first_sent_date) as first_sent_date,
        max(last_sent_date) as last_sent_date,
        count(*) as contacts_sent,
        sum(sends) as emails_sent,
        sum(case when is_opened then 1 else 0 end) as contacts_opened,
        sum(case when is_clicked then 1 else 0 end) as contacts_clicked,
        sum(human_opens) as human_opens,
        sum(machine_opens) as machine_opens,
        sum(clicks) as clicks
    from emails
    group by campaign_id
),

final as (
    select
        campaign_id,
        first_sent_date,
        last_sent_date,
        cast(contacts_sent as {{ dbt.type_bigint() }}) as contacts_sent,
        cast(emails_sent as {{ dbt.type_bigint() }}) as emails_sent,
        cast(contacts_opened as {{ dbt.type_bigint() }}) as contacts_opened,
        cast(contacts_clicked as {{ dbt.type_bigint() }}) as contacts_clicked,
        cast(human_opens as {{ dbt.type_bigint() }}) as human_opens,
        cast(machine_opens as {{ dbt.type_bigint() }}) as machine_opens,
        cast(clicks as {{ dbt.type_bigint() }}) as clicks,
        cast({{ divide('100.0 * contacts_opened', 'nullif(contacts_sent, 0)') }} as {{ ratio_type() }}) as open_rate_pct,
        cast({{ divide('100.0 * contacts_clicked', 'nullif(contacts_sent, 0)') }} as {{ ratio_type() }}) as click_rate_pct,
        cast({{ divide('100.0 * contacts_clicked', 'nullif(contacts_opened, 0)') }} as {{ ratio_type() }}) as click_to_open_rate_pct,
        cast({{ window_days }} as {{ dbt.type_int() }}) as window_days,
        {{ as_of_date() }} as as_of_date
    from per_campaign
)

select * from final
