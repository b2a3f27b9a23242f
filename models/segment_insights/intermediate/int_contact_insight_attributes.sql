{{ config(materialized='table') }}
-- One row per contact as of the as-of date: every attribute
-- segment_breakdown can break a segment down by
-- (segment_breakdown_attribute_choices()), as text; a missing value is
-- 'Unknown'.
with

contacts as (
    select * from {{ ref('dim_contacts') }}
),

erfm as (
    select * from {{ ref('erfm_scores') }}
),

engagement as (
    select * from {{ ref('engagement_status') }}
),

order_lines as (
    select * from {{ ref('fct_order_lines') }}
),

products as (
    select * from {{ ref('dim_products') }}
),

valid_lines as (
    select
        order_lines.contact_id,
        order_lines.line_revenue,
        products.category,
        products.brand
    from order_lines
    inner join products
        on order_lines.product_id = products.product_id
    where order_lines.is_valid_order and order_lines.ordered_date <= {{ as_of_date() }}
),

category_revenue as (
    select
        contact_id,
        category,
        sum(line_revenue) as revenue
    from valid_lines
    where category is not null
    group by contact_id, category
),

brand_revenue as (
    select
        contact_id,
        brand,
        sum(line_revenue) as revenue
    from valid_lines
    where brand is not null
    group by contact_id, brand
),

-- The highest revenue wins; a tie goes to the first name in sort order.
top_category as (
    select
        contact_id,
        category,
        row_number() over (
            partition by contact_id order by revenue desc nulls last, category asc
        ) as category_rank
    from category_revenue
),

top_brand as (
    select
        contact_id,
        brand,
        row_number() over (
            partition by contact_id order by revenue desc nulls last, brand asc
        ) as brand_rank
    from brand_revenue
),

final as (
    select
        contacts.contact_id,
        coalesce(contacts.country_code, 'Unknown') as country,
        coalesce(contacts.city, 'Unknown') as city,
        coalesce(contacts.gender, 'Unknown') as gender,
        coalesce({{ age_band_sql('contacts.age_years') }}, 'Unknown') as age_band,
        coalesce(contacts.acquisition_channel, 'Unknown') as acquisition_channel,
        coalesce(contacts.subscription_status, 'Unknown') as subscription_status,
        coalesce(erfm.persona, 'Unknown') as rfm_persona,
        coalesce(erfm.purchase_phase, 'Unknown') as lifecycle_stage,
        coalesce(erfm.engagement_level, 'Unknown') as engagement_level,
        coalesce(engagement.engagement_status, 'Unknown') as engaged_status,
        coalesce(erfm.opportunity_group, 'Unknown') as opportunity_group,
        coalesce(top_category.category, 'Unknown') as top_category,
        coalesce(top_brand.brand, 'Unknown') as top_brand
    from contacts
    left join erfm
        on contacts.contact_id = erfm.contact_id
    left join engagement
        on contacts.contact_id = engagement.contact_id
    left join top_category
        on contacts.contact_id = top_category.contact_id and top_category.category_rank = 1
    left join top_brand
        on contacts.contact_id = top_brand.contact_id and top_brand.brand_rank = 1
)

select * from final
