{#- Whole-number division of two non-negative integers, rounded down. -#}
{% macro integer_divide(numerator, denominator) -%}
    {{ return(adapter.dispatch('integer_divide', 'customer_segments')(numerator, denominator)) }}
{%- endmacro %}

{#- Integer operands divide as integers (truncation, which is floor for
    non-negative values) on Postgres and most warehouses. -#}
{% macro default__integer_divide(numerator, denominator) -%}
    cast(({{ numerator }}) as {{ dbt.type_bigint() }}) / cast(({{ denominator }}) as {{ dbt.type_bigint() }})
{%- endmacro %}

{% macro duckdb__integer_divide(numerator, denominator) -%}
    cast(({{ numerator }}) as {{ dbt.type_bigint() }}) // cast(({{ denominator }}) as {{ dbt.type_bigint() }})
{%- endmacro %}

{% macro spark__integer_divide(numerator, denominator) -%}
    cast(({{ numerator }}) as {{ dbt.type_bigint() }}) div cast(({{ denominator }}) as {{ dbt.type_bigint() }})
{%- endmacro %}
