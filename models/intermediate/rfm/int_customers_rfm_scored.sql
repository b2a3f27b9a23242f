{%- set method = rfm_scoring_method() -%}
{%- set value_columns = {'recency': 'recency_days', 'frequency': 'frequency', 'monetary': 'monetary'} -%}
-- Scores wait for the thresholds check, which stops the build on a bad seed.
-- depends_on: {{ ref('int_rfm_threshold_problems') }}
-- depends_on: {{ ref('int_rfm_score_bins') }}
-- depends_on: {{ ref('int_rfm_score_thresholds') }}
with

measured as (
    select * from {{ ref('int_customers_rfm_measured') }}
),

{% if method == 'quantile' -%}
bins as (
    select * from {{ ref('int_rfm_score_bins') }}
),

-- rank() puts the worst value first (most days since the last order; the
-- fewest orders; the least money). It has no tiebreaker on purpose: equal
-- values share a rank, so they share a score (value_rank_ctes: one window
-- per date, or on Spark one per value range).
{{ value_rank_ctes('recency_ranks', 'measured', 'recency_days', descending=true) }},

{{ value_rank_ctes('frequency_ranks', 'measured', 'frequency') }},

{{ value_rank_ctes('monetary_ranks', 'measured', 'monetary') }},

customer_counts as (
    select
        as_of_date,
        count(*) as customers
    from measured
    group by as_of_date
),

ranked as (
    select
        measured.*,
        customer_counts.customers,
        recency_ranks.value_rank as recency_rank,
        frequency_ranks.value_rank as frequency_rank,
        monetary_ranks.value_rank as monetary_rank
    from measured
    inner join customer_counts
        on measured.as_of_date = customer_counts.as_of_date
    inner join recency_ranks
        on
            measured.as_of_date = recency_ranks.as_of_date
            and measured.contact_id = recency_ranks.contact_id
    inner join frequency_ranks
        on
            measured.as_of_date = frequency_ranks.as_of_date
            and measured.contact_id = frequency_ranks.contact_id
    inner join monetary_ranks
        on
            measured.as_of_date = monetary_ranks.as_of_date
            and measured.contact_id = monetary_ranks.contact_id
),

-- score = 1 + floor(bins × (rank − 1) / customers)
scored as (
    select
        ranked.as_of_date,
        ranked.contact_id,
        1 + {{ integer_divide('recency_bins.bins * (ranked.recency_rank - 1)', 'ranked.customers') }} as recency_score,
        1 + {{ integer_divide('frequency_bins.bins * (ranked.frequency_rank - 1)', 'ranked.customers') }} as frequency_score,
        1 + {{ integer_divide('monetary_bins.bins * (ranked.monetary_rank - 1)', 'ranked.customers') }} as monetary_score
    from ranked
    inner join bins as recency_bins
        on recency_bins.dimension = 'recency'
    inner join bins as frequency_bins
        on frequency_bins.dimension = 'frequency'
    inner join bins as monetary_bins
        on monetary_bins.dimension = 'monetary'
),
{%- else -%}
thresholds as (
    select * from {{ ref('int_rfm_score_thresholds') }}
),

-- A value scores the bucket that holds it: min_value <= value < max_value,
-- an empty bound being open.
scored as (
    select
        measured.as_of_date,
        measured.contact_id,
        {%- for dimension in rfm_dimensions() %}
        {{ dimension }}_buckets.score as {{ dimension }}_score{{ ',' if not loop.last }}
        {%- endfor %}
    from measured
    {%- for dimension in rfm_dimensions() %}
    left join thresholds as {{ dimension }}_buckets
        on
            {{ dimension }}_buckets.dimension = {{ sql_string_literal(dimension) }}
            and ({{ dimension }}_buckets.min_value is null or measured.{{ value_columns[dimension] }} >= {{ dimension }}_buckets.min_value)
            and ({{ dimension }}_buckets.max_value is null or measured.{{ value_columns[dimension] }} < {{ dimension }}_buckets.max_value)
    {%- endfor %}
),
{%- endif %}

final as (
    select
        measured.as_of_date,
        measured.contact_id,
        measured.first_valid_order_date,
        measured.last_valid_order_date,
        measured.recency_days,
        measured.frequency,
        measured.monetary,
        {{ money_ratio('measured.monetary', 'measured.frequency') }} as average_order_value,
        measured.lifetime_valid_orders,
        measured.lifetime_net_revenue,
        cast(scored.recency_score as {{ dbt.type_int() }}) as recency_score,
        cast(scored.frequency_score as {{ dbt.type_int() }}) as frequency_score,
        cast(scored.monetary_score as {{ dbt.type_int() }}) as monetary_score,
        {%- set separator = rfm_code_separator() %}
        {{ dbt.concat([
            "cast(scored.recency_score as " ~ dbt.type_string() ~ ")",
            ] + ([sql_string_literal(separator)] if separator else []) + [
            "cast(scored.frequency_score as " ~ dbt.type_string() ~ ")",
            ] + ([sql_string_literal(separator)] if separator else []) + [
            "cast(scored.monetary_score as " ~ dbt.type_string() ~ ")",
        ]) }} as rfm_code,
        cast(scored.frequency_score + scored.monetary_score as {{ dbt.type_int() }}) as fm_score,
        {{ sql_string_literal(method) }} as scoring_method
    from measured
    inner join scored
        on
            measured.as_of_date = scored.as_of_date
            and measured.contact_id = scored.contact_id
)

select * from final
