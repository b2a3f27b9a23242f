with

contacts as (
    select * from {{ ref('stg_crm__contacts') }}
),

orders as (
    select * from {{ ref('int_orders_enriched') }}
),

events as (
    select * from {{ ref('stg_tracking__events') }}
),

-- A contact exists as of a date when anything shows it by then: its creation,
-- an order or an event. CRM creation dates often trail the first order (a
-- migrated CRM, a guest checkout), so creation alone would drop real buyers.
evidence as (
    select
        contact_id,
        created_date as seen_date
    from contacts
    where created_date <= {{ as_of_date() }}

    union all

    select
        contact_id,
        ordered_date as seen_date
    from orders

    union all

    select
        contact_id,
        occurred_date as seen_date
    from events
    where
        contact_id is not null
        and occurred_date <= {{ as_of_date() }}
),

final as (
    select
        contact_id,
        min(seen_date) as first_seen_date
    from evidence
    group by contact_id
)

select * from final
