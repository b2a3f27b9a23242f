{%- set window_days = days_var('campaign_window_days') -%}
-- One row per contact sent at least one campaign email within
-- campaign_window_days ending on the as-of date: how many campaigns reached
-- it, how many it opened (a human open) and clicked, and the rates
-- (edrone's open and click rates; SALESmanago's responsiveness). A contact
-- without a send in the window has no row: no rate to give.
with

emails as (
    select * from {{ ref('int_contact_campaign_emails') }}
),

per_contact as (
    select
        contact_id,
        count(*) as campaigns_sent,
        sum(sends) as emails_sent,
        sum(case when is_opened then 1 else 0 end) as campaigns_opened,
        sum(case when is_clicked then 1 else 0 end) as campaigns_clicked,
        sum(human_opens) as human_opens,
        sum(machine_opens) as machine_opens,
        sum(clicks) as clicks,
        max(last_sent_date) as last_sent_date,
        max(last_human_open_date) as last_human_open_date,
        max(last_click_date) as last_click_date
    from emails
    group by contact_id
),

final as (
    select
        contact_id,
        cast(campaigns_sent as {{ dbt.type_bigint() }}) as campaigns_sent,
        cast(emails_sent as {{ dbt.type_bigint() }}) as emails_sent,
        cast(campaigns_opened as {{ dbt.type_bigint() }}) as campaigns_opened,
        cast(campaigns_clicked as {{ dbt.type_bigint() }}) as campaigns_clicked,
        cast(human_opens as {{ dbt.type_bigint() }}) as human_opens,
        cast(machine_opens as {{ dbt.type_bigint() }}) as machine_opens,
        cast(clicks as {{ dbt.type_bigint() }}) as clicks,
        cast({{ divide('100.0 * campaigns_opened', 'nullif(campaigns_sent, 0)') }} as {{ ratio_type() }}) as open_rate_pct,
        cast({{ divide('100.0 * campaigns_clicked', 'nullif(campaigns_sent, 0)') }} as {{ ratio_type() }}) as click_rate_pct,
        cast({{ divide('100.0 * campaigns_clicked', 'nullif(campaigns_opened, 0)') }} as {{ ratio_type() }}) as click_to_open_rate_pct,
        last_sent_date,
        last_human_open_date,
        last_click_date,
        cast({{ window_days }} as {{ dbt.type_int() }}) as window_days,
        {{ as_of_date() }} as as_of_date
    from per_contact
)

select * from final
