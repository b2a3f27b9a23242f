{#- How many scores each dimension has: the quantile bins from the vars, or
    the number of value buckets the thresholds seed gives the scheme. -#}
-- depends_on: {{ ref('int_rfm_score_thresholds') }}
with

{% if rfm_scoring_method() == 'quantile' -%}
final as (
    {%- for dimension in rfm_dimensions() %}
    select
        {{ sql_string_literal(dimension) }} as dimension,
        cast({{ rfm_bins(dimension) }} as {{ dbt.type_int() }}) as bins
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
)
{%- else -%}
thresholds as (
    select * from {{ ref('int_rfm_score_thresholds') }}
),

final as (
    select
        dimension,
        cast(count(*) as {{ dbt.type_int() }}) as bins
    from thresholds
    group by dimension
)
{%- endif %}

select * from final
