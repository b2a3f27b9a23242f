{%- set quantiles = rfm_quantile_count() -%}
-- One row per RFM dimension and quantile: where the n-quantiles of the
-- customers' recency, frequency and monetary values fall as of the as-of
-- date (var rfm_quantile_count, default 10: deciles), to choose quantile
-- bins or the rfm_score_thresholds buckets from the data (OroCRM's advice:
-- "plot the distribution and look at the deciles").
with

scores as (
    select * from {{ ref('rfm_scores') }}
),

dimension_values as (
    {%- for dimension, column in [('recency', 'recency_days'), ('frequency', 'frequency'), ('monetary', 'monetary')] %}
    select
        {{ sql_string_literal(dimension) }} as dimension,
        cast({{ column }} as {{ money_type() }}) as measured_value
    from scores
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

value_counts as (
    select
        dimension,
        measured_value,
        count(*) as customers_with_value
    from dimension_values
    group by dimension, measured_value
),

-- Customers at or below each distinct value (a window over the distinct
-- values, not the customers).
cumulative as (
    select
        dimension,
        measured_value,
        sum(customers_with_value) over (
            partition by dimension order by measured_value rows between unbounded preceding and current row
        ) as customers_at_or_below
    from value_counts
),

customers as (
    select
        dimension,
        sum(customers_with_value) as customers
    from value_counts
    group by dimension
),

quantile_numbers as (
    {{ integer_series(1, quantiles, 'quantile') }}
),

-- The q-th of n quantiles is the smallest value with at least
-- ceil(q × N / n) customers at or below it (the nearest-rank definition).
targets as (
    select
        customers.dimension,
        customers.customers,
        quantile_numbers.quantile,
        {{ integer_divide('quantile_numbers.quantile * customers.customers + ' ~ quantiles ~ ' - 1', quantiles) }} as target_customers
    from customers
    cross join quantile_numbers
),

cuts as (
    select
        targets.dimension,
        targets.quantile,
        targets.customers,
        min(cumulative.measured_value) as cut_value
    from targets
    inner join cumulative
        on
            targets.dimension = cumulative.dimension
            and targets.target_customers <= cumulative.customers_at_or_below
    group by targets.dimension, targets.quantile, targets.customers
),

final as (
    select
        cuts.dimension,
        cast(cuts.quantile as {{ dbt.type_int() }}) as quantile,
        cast({{ quantiles }} as {{ dbt.type_int() }}) as quantiles,
        cast({{ divide('100.0 * cuts.quantile', quantiles) }} as {{ ratio_type() }}) as pct_of_customers,
        cuts.cut_value,
        cast(cumulative.customers_at_or_below as {{ dbt.type_bigint() }}) as customers_at_or_below,
        cast(cuts.customers as {{ dbt.type_bigint() }}) as customers,
        {{ as_of_date() }} as as_of_date
    from cuts
    inner join cumulative
        on
            cuts.dimension = cumulative.dimension
            and cuts.cut_value = cumulative.measured_value
)

select * from final
