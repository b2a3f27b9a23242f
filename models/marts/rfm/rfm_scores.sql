with

personas as (
    select * from {{ ref('int_customers_rfm_personas') }}
),

final as (
    select
        contact_id,
        recency_days,
        frequency,
        monetary,
        average_order_value,
        recency_score,
        frequency_score,
        monetary_score,
        rfm_code,
        fm_score,
        persona,
        persona_rank,
        lifecycle_stage,
        scoring_method,
        persona_scheme,
        first_valid_order_date,
        last_valid_order_date,
        lifetime_valid_orders,
        lifetime_net_revenue,
        as_of_date
    from personas
    where as_of_date = {{ as_of_date() }}
)

select * from final
