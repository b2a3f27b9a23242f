with

contacts as (
    select * from {{ ref('stg_crm__contacts') }}
),

first_seen as (
    select * from {{ ref('int_contacts_first_seen') }}
),

order_history as (
    select * from {{ ref('int_contacts_order_history') }}
),

subscription_statuses as (
    select * from {{ ref('subscription_statuses') }}
),

-- Contacts that exist as of the date, with their valid-order history up to it.
final as (
    select
        contacts.contact_id,
        contacts.email,
        contacts.first_name,
        contacts.last_name,
        contacts.country_code,
        contacts.city,
        contacts.gender,
        contacts.birth_date,
        {{ age_in_years('contacts.birth_date', as_of_date()) }} as age_years,
        contacts.created_at,
        contacts.created_date,
        contacts.updated_at,
        first_seen.first_seen_date,
        contacts.subscription_status,
        subscription_statuses.is_subscribed,
        contacts.email is not null as has_email,
        contacts.acquisition_channel,
        order_history.contact_id is not null as is_customer,
        order_history.first_valid_order_date,
        order_history.last_valid_order_date,
        coalesce(order_history.valid_orders, 0) as valid_orders,
        cast(coalesce(order_history.net_revenue, 0) as {{ money_type() }}) as net_revenue,
        {{ as_of_date() }} as as_of_date
    from contacts
    inner join first_seen
        on contacts.contact_id = first_seen.contact_id
    inner join subscription_statuses
        on contacts.subscription_status = subscription_statuses.subscription_status
    left join order_history
        on contacts.contact_id = order_history.contact_id
)

select * from final
