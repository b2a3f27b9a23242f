{#- A money amount divided by a count or another amount, in money_type():
    rounded to the cent with halves away from zero; null when the divisor is
    zero. For non-negative amounts and divisors (revenue per customer,
    average order value). -#}
{% macro money_ratio(amount, divisor) -%}
    {{ return(adapter.dispatch('money_ratio', 'customer_segments')(amount, divisor)) }}
{%- endmacro %}

{#- Exact numeric division, then round(): half away from zero on Postgres and
    Spark decimals. -#}
{% macro default__money_ratio(amount, divisor) -%}
    cast(round(cast({{ amount }} as {{ dbt.type_numeric() }}) / nullif(cast({{ divisor }} as {{ dbt.type_numeric() }}), 0), 2) as {{ money_type() }})
{%- endmacro %}

{#- DuckDB divides decimals in floating point (0.145 would round to 0.14), so
    work in whole numbers: with N = amount × 10,000 and D = divisor × 100 (both
    exact for 2-decimal values), the result in cents is N / D rounded half up,
    floor((2N + D) / 2D). -#}
{% macro duckdb__money_ratio(amount, divisor) -%}
    cast(
        cast(
            (cast(round({{ amount }} * 10000) as hugeint) * 2 + cast(round({{ divisor }} * 100) as hugeint))
            // nullif(cast(round({{ divisor }} * 100) as hugeint) * 2, 0)
            as decimal(38, 2)
        ) * cast(0.01 as decimal(38, 2))
        as {{ money_type() }}
    )
{%- endmacro %}

{#- The type of a share or percentage: double precision everywhere (dbt's
    type_float is a 4-byte float on DuckDB). -#}
{% macro ratio_type() -%}
    {{ return(adapter.dispatch('ratio_type', 'customer_segments')()) }}
{%- endmacro %}

{% macro default__ratio_type() -%}
    {{ dbt.type_float() }}
{%- endmacro %}

{% macro duckdb__ratio_type() -%}
    double
{%- endmacro %}

{#- Spark's float is 4 bytes too. -#}
{% macro spark__ratio_type() -%}
    double
{%- endmacro %}

{#- numerator / denominator as a floating-point share, for ratios written
    `{{ divide('100.0 * x', 'nullif(y, 0)') }}`. DuckDB divides decimals in
    double precision and PostgreSQL in exact numeric (then cast); Spark keeps
    a decimal quotient of 6 decimals, so there both sides are cast to double
    first (the decimal numerator 100.0 * x is exact on every engine). -#}
{% macro divide(numerator, denominator) -%}
    {{ return(adapter.dispatch('divide', 'customer_segments')(numerator, denominator)) }}
{%- endmacro %}

{% macro default__divide(numerator, denominator) -%}
    {{ numerator }} / {{ denominator }}
{%- endmacro %}

{% macro spark__divide(numerator, denominator) -%}
    cast({{ numerator }} as double) / cast({{ denominator }} as double)
{%- endmacro %}
