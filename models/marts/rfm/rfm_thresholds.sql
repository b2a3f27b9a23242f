{%- set value_columns = {'recency': 'recency_days', 'frequency': 'frequency', 'monetary': 'monetary'} -%}
-- depends_on: {{ ref('int_rfm_score_thresholds') }}
with

personas as (
    select * from {{ ref('int_customers_rfm_personas') }}
),

bins as (
    select * from {{ ref('int_rfm_score_bins') }}
),

{% if rfm_scoring_method() == 'thresholds' -%}
thresholds as (
    select * from {{ ref('int_rfm_score_thresholds') }}
),
{%- endif %}

scores as (
    {{ integer_series(1, 10, 'score') }}
),

-- Every score each dimension can give, even when no customer has it.
dimension_scores as (
    select
        bins.dimension,
        scores.score
    from bins
    inner join scores
        on bins.bins >= scores.score
),

-- One row per customer and dimension: the value and the score it got.
customer_values as (
    {%- for dimension in rfm_dimensions() %}
    select
        {{ sql_string_literal(dimension) }} as dimension,
        {{ dimension }}_score as score,
        cast({{ value_columns[dimension] }} as {{ money_type() }}) as scored_value
    from personas
    where as_of_date = {{ as_of_date() }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

observed as (
    select
        dimension,
        score,
        min(scored_value) as min_value,
        max(scored_value) as max_value,
        count(*) as customers
    from customer_values
    group by dimension, score
),

all_customers as (
    select count(*) as customers
    from personas
    where as_of_date = {{ as_of_date() }}
),

final as (
    select
        dimension_scores.dimension,
        cast(dimension_scores.score as {{ dbt.type_int() }}) as score,
        observed.min_value,
        observed.max_value,
        cast(coalesce(observed.customers, 0) as {{ dbt.type_bigint() }}) as customers,
        cast(
            {{ divide('100.0 * coalesce(observed.customers, 0)', 'nullif(all_customers.customers, 0)') }} as {{ ratio_type() }}
        ) as pct_of_customers,
        {% if rfm_scoring_method() == 'thresholds' -%}
        cast(thresholds.min_value as {{ money_type() }}) as bucket_min_value,
        cast(thresholds.max_value as {{ money_type() }}) as bucket_max_value,
        {%- else -%}
        cast(null as {{ money_type() }}) as bucket_min_value,
        cast(null as {{ money_type() }}) as bucket_max_value,
        {%- endif %}
        {{ sql_string_literal(rfm_scoring_method()) }} as scoring_method,
        {{ sql_string_literal(rfm_persona_scheme()) }} as persona_scheme,
        {{ as_of_date() }} as as_of_date
    from dimension_scores
    cross join all_customers
    left join observed
        on
            dimension_scores.dimension = observed.dimension
            and dimension_scores.score = observed.score
    {%- if rfm_scoring_method() == 'thresholds' %}
    left join thresholds
        on
            dimension_scores.dimension = thresholds.dimension
            and dimension_scores.score = thresholds.score
    {%- endif %}
)

select * from final
