-- Engaged and non-engaged percentages of each non-empty group sum to 100, the
-- subscription statuses add up to all contacts, and the opportunity summary's
-- percentages sum to 100. Returns the rows that do not.
with

status_summary as (
    select * from {{ ref('engagement_status_summary') }}
),

opportunity_summary as (
    select * from {{ ref('opportunity_summary') }}
),

by_status as (
    select
        sum(contacts) as contacts,
        sum(engaged) as engaged
    from status_summary
    where contact_group != 'All contacts'
),

final as (
    select
        contact_group as check_name,
        pct_engaged + pct_non_engaged as checked_total
    from status_summary
    where contacts > 0 and abs(pct_engaged + pct_non_engaged - 100) > 0.000001
    union all
    select
        'subscription statuses add up to all contacts' as check_name,
        cast(by_status.contacts as {{ ratio_type() }}) as checked_total
    from by_status
    cross join status_summary
    where
        status_summary.contact_group = 'All contacts'
        and (by_status.contacts != status_summary.contacts or by_status.engaged != status_summary.engaged)
    union all
    select
        'opportunity summary' as check_name,
        pct_opportunities + pct_non_engaged as checked_total
    from opportunity_summary
    where contacts > 0 and abs(pct_opportunities + pct_non_engaged - 100) > 0.000001
)

select * from final
