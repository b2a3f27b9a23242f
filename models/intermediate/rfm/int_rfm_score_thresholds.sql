-- The value buckets of the active persona scheme, from the thresholds seed.
with

thresholds as (
    select * from {{ ref('rfm_score_thresholds') }}
),

final as (
    select
        dimension,
        score,
        min_value,
        max_value
    from thresholds
    where persona_scheme = {{ sql_string_literal(rfm_persona_scheme()) }}
)

select * from final
