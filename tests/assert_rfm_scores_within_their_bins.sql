-- Every score lies between 1 and its dimension's number of bins (or
-- buckets). Returns the customers with a score outside.
with

scores as (
    select * from {{ ref('rfm_scores') }}
),

bins as (
    select * from {{ ref('int_rfm_score_bins') }}
),

final as (
    select
        scores.contact_id,
        scores.recency_score,
        scores.frequency_score,
        scores.monetary_score
    from scores
    inner join bins as recency_bins
        on recency_bins.dimension = 'recency'
    inner join bins as frequency_bins
        on frequency_bins.dimension = 'frequency'
    inner join bins as monetary_bins
        on monetary_bins.dimension = 'monetary'
    where
        scores.recency_score not between 1 and recency_bins.bins
        or scores.frequency_score not between 1 and frequency_bins.bins
        or scores.monetary_score not between 1 and monetary_bins.bins
)

select * from final
