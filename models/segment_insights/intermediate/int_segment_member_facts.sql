-- One row per segment (and the baseline) and member contact: what the
-- summary statistics and the breakdown sum. A member without a valid order
-- has no purchases row: zero orders, units and revenue, and no predictions.
with

members as (
    select * from {{ ref('int_segment_insight_members') }}
),

contacts as (
    select * from {{ ref('dim_contacts') }}
),

purchases as (
    select * from {{ ref('int_contacts_insight_purchases') }}
),

predictions as (
    select * from {{ ref('customer_predictions') }}
),

final as (
    select
        members.segment_key,
        members.contact_id,
        contacts.is_customer,
        -- null for a non-customer, and where the predictions are not computed
        predictions.predicted_revenue_next_365_days,
        predictions.probability_alive,
        contacts.is_subscribed and contacts.has_email as is_reachable,
        coalesce(purchases.lifetime_revenue, 0) as lifetime_revenue,
        coalesce(purchases.window_orders, 0) as window_orders,
        coalesce(purchases.window_revenue, 0) as window_revenue,
        coalesce(purchases.window_units, 0) as window_units
    from members
    inner join contacts
        on members.contact_id = contacts.contact_id
    left join purchases
        on members.contact_id = purchases.contact_id
    left join predictions
        on members.contact_id = predictions.contact_id
)

select * from final
