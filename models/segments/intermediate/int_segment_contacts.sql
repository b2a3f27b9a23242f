{{ config(materialized='table') }}
-- What contact-field and score conditions read: one row per contact with
-- every dim_contacts column and the scores segments can use, named as in
-- segment_score_fields(). Non-customers have no RFM scores (null).
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
        engagement.engagement_status as engaged_status
    from contacts
    left join rfm
        on contacts.contact_id = rfm.contact_id
    left join erfm
        on contacts.contact_id = erfm.contact_id
    left join engagement
        on contacts.contact_id = engagement.contact_id
)

select * from final  -- noqa: AM04
