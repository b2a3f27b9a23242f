{{ config(materialized='table') }}
-- What contact-field and score conditions read: one row per contact with
-- every dim_contacts column and the scores segments can use, named as in
-- segment_score_fields(). Non-customers have no RFM scores or predictions (null).
with

contacts as (
    select * from {{ ref('dim_contacts') }}
),

rfm as (
    select * from {{ ref('rfm_scores') }}
),

erfm as (
    select * from {{ ref('erfm_scores') }}
),

engagement as (
    select * from {{ ref('engagement_status') }}
),

predictions as (
    select * from {{ ref('customer_predictions') }}
),

responsiveness as (
    select * from {{ ref('contact_campaign_responsiveness') }}
),

-- contacts.*: every documented dim_contacts column is a field conditions
-- may name, so a column added there is usable here with no edit.
final as (
    select
        contacts.*,
        rfm.persona as rfm_persona,
        rfm.lifecycle_stage,
        rfm.recency_score,
        rfm.frequency_score,
        rfm.monetary_score,
        erfm.engagement_level,
        erfm.engagement_score,
        erfm.opportunity_group,
        erfm.opportunity_intent,
        erfm.contact_type,
        erfm.purchase_phase,
        engagement.engagement_status as engaged_status,
        predictions.probability_alive,
        predictions.churn_risk,
        predictions.expected_orders_next_90_days,
        predictions.expected_average_order_value,
        predictions.predicted_revenue_next_365_days,
        predictions.median_days_between_orders,
        predictions.days_until_expected_next_order,
        responsiveness.open_rate_pct as email_open_rate_pct,
        responsiveness.click_rate_pct as email_click_rate_pct,
        coalesce(responsiveness.campaigns_sent, 0) as email_campaigns_sent,
        -- an interaction (engagement_status's flags) within the last 30, 60 or 90 days
        coalesce(engagement.has_interacted_last_30_days, false) as engaged_last_30_days,
        coalesce(engagement.has_interacted_last_60_days, false) as engaged_last_60_days,
        coalesce(engagement.has_interacted_last_90_days, false) as engaged_last_90_days
    from contacts
    left join rfm
        on contacts.contact_id = rfm.contact_id
    left join erfm
        on contacts.contact_id = erfm.contact_id
    left join engagement
        on contacts.contact_id = engagement.contact_id
    left join predictions
        on contacts.contact_id = predictions.contact_id
    left join responsiveness
        on contacts.contact_id = responsiveness.contact_id
)

select * from final  -- noqa: AM04
