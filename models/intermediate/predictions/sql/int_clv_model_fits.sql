-- PostgreSQL and Spark: the fits run in dbt Python models, which only
-- dbt-duckdb runs in the build; every parameter is here, unfitted, with the
-- reason (docs/predictions.md "Engines").
with

inputs as (
    select * from {{ ref('int_customers_clv_inputs') }}
),

parameters as (
    {%- for model, parameter, unit, time_unit in [
        ('bg_nbd', 'r', none, 'day'), ('bg_nbd', 'alpha', 'day', 'day'), ('bg_nbd', 'a', none, 'day'), ('bg_nbd', 'b', none, 'day'),
        ('gamma_gamma', 'p', none, none), ('gamma_gamma', 'q', none, none), ('gamma_gamma', 'v', 'reporting currency', none)] %}
    select
        '{{ model }}' as model,
        '{{ parameter }}' as parameter,
        {{ "'" ~ unit ~ "'" if unit else 'cast(null as ' ~ dbt.type_string() ~ ')' }} as parameter_unit,
        {{ "'" ~ time_unit ~ "'" if time_unit else 'cast(null as ' ~ dbt.type_string() ~ ')' }} as time_unit
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

score_dates as (
    select * from {{ ref('int_score_dates') }}
    where is_build_as_of_date or is_backtest_cutoff_date
),

customer_counts as (
    select
        as_of_date,
        count(*) as customers,
        sum(case when frequency > 0 and repeat_average_order_value > 0 then 1 else 0 end) as repeat_customers
    from inputs
    group by as_of_date
),

dates as (
    select
        score_dates.as_of_date,
        coalesce(customer_counts.customers, 0) as customers,
        coalesce(customer_counts.repeat_customers, 0) as repeat_customers
    from score_dates
    left join customer_counts
        on score_dates.as_of_date = customer_counts.as_of_date
),

final as (
    select
        dates.as_of_date,
        parameters.model,
        parameters.parameter,
        cast(null as {{ ratio_type() }}) as value,
        parameters.parameter_unit,
        parameters.time_unit,
        cast(case when parameters.model = 'bg_nbd' then dates.customers else dates.repeat_customers end as {{ dbt.type_bigint() }}) as customers_fitted,
        cast(null as {{ ratio_type() }}) as log_likelihood,
        'not fitted: the models run on DuckDB only (dbt Python models)' as fit_status
    from dates
    cross join parameters
)

select * from final
