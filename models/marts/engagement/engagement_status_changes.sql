{%- set start_date = engagement_changes_start_date() -%}
with

engaged_status as (
    select * from {{ ref('int_contacts_engagement_status') }}
),

event_days as (
    select * from {{ ref('int_contact_event_days') }}
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

unsubscribe_types as (
    select event_type from {{ ref('event_types') }}
    where is_unsubscribe
),

-- Contacts with an unsubscribe event after the start date, up to the end.
unsubscribed as (
    select distinct event_days.contact_id
    from event_days
    inner join unsubscribe_types
        on event_days.event_type = unsubscribe_types.event_type
    where
        event_days.event_date > {{ date_literal(start_date) }}
        and event_days.event_date <= {{ as_of_date() }}
),

-- Contacts never disappear (a contact exists from its first evidence on),
-- so every end contact either existed at the start or is new.
compared as (
    select
        at_end.contact_id,
        at_start.engagement_status as start_status,
        at_end.engagement_status as end_status,
        unsubscribed.contact_id is not null as has_unsubscribed
    from at_end
    left join at_start
        on at_end.contact_id = at_start.contact_id
    left join unsubscribed
        on at_end.contact_id = unsubscribed.contact_id
),

-- Both statuses always have a row, even when there are no contacts.
statuses as (
    select 'Engaged' as engagement_status
    union all
    select 'Non-engaged' as engagement_status
),

final as (
    select
        {{ date_literal(start_date) }} as start_date,
        {{ as_of_date() }} as end_date,
        statuses.engagement_status,
        cast(sum(case when compared.start_status = statuses.engagement_status then 1 else 0 end) as {{ dbt.type_bigint() }})
            as start_contacts,
        cast(sum(case when compared.end_status = statuses.engagement_status then 1 else 0 end) as {{ dbt.type_bigint() }})
            as end_contacts,
        cast(
            sum(case when compared.end_status = statuses.engagement_status then 1 else 0 end)
            - sum(case when compared.start_status = statuses.engagement_status then 1 else 0 end)
            as {{ dbt.type_bigint() }}
        ) as net_change,
        cast(
            sum(case when compared.start_status is null and compared.end_status = statuses.engagement_status then 1 else 0 end)
            as {{ dbt.type_bigint() }}
        ) as new_contacts,
        cast(
            sum(
                case
                    when compared.start_status != statuses.engagement_status and compared.end_status = statuses.engagement_status
                        then 1
                    else 0
                end
            ) as {{ dbt.type_bigint() }}
        ) as moved_in,
        cast(
            sum(
                case
                    when compared.start_status = statuses.engagement_status and compared.end_status != statuses.engagement_status
                        then 1
                    else 0
                end
            ) as {{ dbt.type_bigint() }}
        ) as moved_out,
        cast(
            sum(case when compared.has_unsubscribed and compared.end_status = statuses.engagement_status then 1 else 0 end)
            as {{ dbt.type_bigint() }}
        ) as unsubscribed_in_period
    from statuses
    left join compared
        on 1 = 1
    group by statuses.engagement_status
)

select * from final
