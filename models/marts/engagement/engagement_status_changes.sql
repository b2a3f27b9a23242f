{%- set start_date = engagement_changes_start_date() -%}
with

engaged_status as (
    select * from {{ ref('int_contacts_engagement_status') }}
),

event_days as (
    select * from {{ ref('int_contact_event_days') }}
),

contacts as (
    select * from {{ ref('dim_contacts') }}
),

unsubscribe_types as (
    select event_type from {{ ref('event_types') }}
    where is_unsubscribe
),

at_start as (
    select
        contact_id,
        engagement_status
    from engaged_status
    where as_of_date = {{ date_literal(start_date) }}
),

at_end as (
    select
        contact_id,
        engagement_status
    from engaged_status
    where as_of_date = {{ as_of_date() }}
),

-- Contacts hold current attributes only, so a contact's first unsubscribe
-- event dates its change of status: one before the period means it was
-- unsubscribed at the start already.
first_unsubscribes as (
    select
        event_days.contact_id,
        min(event_days.event_date) as first_unsubscribe_date
    from event_days
    inner join unsubscribe_types
        on event_days.event_type = unsubscribe_types.event_type
    where event_days.event_date <= {{ as_of_date() }}
    group by event_days.contact_id
),

-- Contacts never disappear (a contact exists from its first evidence on),
-- so every end contact either existed at the start or is new. Each is
-- grouped by its subscription status at the as-of date.
compared as (
    select
        at_end.contact_id,
        contacts.subscription_status,
        at_start.engagement_status as start_status,
        at_end.engagement_status as end_status,
        coalesce(
            contacts.subscription_status = 'unsubscribed'
            and first_unsubscribes.first_unsubscribe_date > {{ date_literal(start_date) }},
            false
        ) as has_unsubscribed
    from at_end
    inner join contacts
        on at_end.contact_id = contacts.contact_id
    left join at_start
        on at_end.contact_id = at_start.contact_id
    left join first_unsubscribes
        on at_end.contact_id = first_unsubscribes.contact_id
),

grouped as (
    select
        subscription_status as contact_group,
        start_status,
        end_status,
        has_unsubscribed
    from compared
    union all
    select
        'All contacts' as contact_group,
        start_status,
        end_status,
        has_unsubscribed
    from compared
),

-- Every subscription status and all contacts, each with both engagement
-- statuses, even when there is no contact.
contact_groups as (
    {{ engagement_contact_groups() }}
),

statuses as (
    select 'Engaged' as engagement_status
    union all
    select 'Non-engaged' as engagement_status
),

counted as (
    select
        contact_groups.contact_group,
        contact_groups.group_order,
        statuses.engagement_status,
        sum(case when grouped.start_status = statuses.engagement_status then 1 else 0 end) as start_contacts,
        sum(case when grouped.end_status = statuses.engagement_status then 1 else 0 end) as end_contacts,
        sum(case when grouped.start_status is null and grouped.end_status = statuses.engagement_status then 1 else 0 end)
            as new_contacts,
        sum(
            case
                when grouped.start_status != statuses.engagement_status and grouped.end_status = statuses.engagement_status
                    then 1
                else 0
            end
        ) as moved_in,
        sum(
            case
                when grouped.start_status = statuses.engagement_status and grouped.end_status != statuses.engagement_status
                    then 1
                else 0
            end
        ) as moved_out,
        sum(case when grouped.has_unsubscribed and grouped.end_status = statuses.engagement_status then 1 else 0 end)
            as unsubscribed_in_period
    from contact_groups
    cross join statuses
    left join grouped
        on
            contact_groups.contact_group = grouped.contact_group
    group by contact_groups.contact_group, contact_groups.group_order, statuses.engagement_status
),

final as (
    select
        {{ date_literal(start_date) }} as start_date,
        {{ as_of_date() }} as end_date,
        contact_group,
        cast(group_order as {{ dbt.type_int() }}) as group_order,
        engagement_status,
        cast(coalesce(start_contacts, 0) as {{ dbt.type_bigint() }}) as start_contacts,
        cast(coalesce(end_contacts, 0) as {{ dbt.type_bigint() }}) as end_contacts,
        cast(coalesce(end_contacts, 0) - coalesce(start_contacts, 0) as {{ dbt.type_bigint() }}) as net_change,
        cast(coalesce(new_contacts, 0) as {{ dbt.type_bigint() }}) as new_contacts,
        cast(coalesce(moved_in, 0) as {{ dbt.type_bigint() }}) as moved_in,
        cast(coalesce(moved_out, 0) as {{ dbt.type_bigint() }}) as moved_out,
        cast(coalesce(unsubscribed_in_period, 0) as {{ dbt.type_bigint() }}) as unsubscribed_in_period,
        -- Changes as percentages of the start population, as the period's panels show them.
        cast({{ divide('100.0 * (end_contacts - start_contacts)', 'nullif(start_contacts, 0)') }} as {{ ratio_type() }}) as net_change_pct,
        cast({{ divide('100.0 * new_contacts', 'nullif(start_contacts, 0)') }} as {{ ratio_type() }}) as new_contacts_pct,
        cast({{ divide('100.0 * moved_in', 'nullif(start_contacts, 0)') }} as {{ ratio_type() }}) as moved_in_pct,
        cast({{ divide('100.0 * moved_out', 'nullif(start_contacts, 0)') }} as {{ ratio_type() }}) as moved_out_pct,
        cast({{ divide('100.0 * unsubscribed_in_period', 'nullif(start_contacts, 0)') }} as {{ ratio_type() }}) as unsubscribed_pct
    from counted
)

select * from final
