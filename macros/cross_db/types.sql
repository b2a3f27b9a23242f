{#- Spark's names for the types the project writes in contracts and seeds as
    PostgreSQL and DuckDB name them: dbt.cast (which dbt's contract check
    uses for every declared column) translates them. varchar without a length
    is Spark's `string`, double precision its `double`. -#}
{% macro spark__cast(field, type) -%}
    cast({{ field }} as {{ spark_type_name(type) }})
{%- endmacro %}

{% macro spark_type_name(type) -%}
    {%- set lowered = type | lower | trim -%}
    {%- if lowered in ['varchar', 'text', 'character varying'] -%}
        {{ return('string') }}
    {%- elif lowered == 'double precision' -%}
        {{ return('double') }}
    {%- else -%}
        {{ return(type) }}
    {%- endif -%}
{%- endmacro %}

{#- dbt.listagg on Spark with its order: Spark 4's listagg takes
    `within group (order by ...)` (dbt-spark's own drops the order, and the
    project's settings texts and breakdown lists must read the same on every
    engine). -#}
{% macro spark__listagg(measure, delimiter_text, order_by_clause, limit_num) -%}
    {%- if limit_num -%}
        {{ exceptions.raise_compiler_error("listagg with a limit is not supported on Spark") }}
    {%- endif -%}
    listagg({{ measure }}, {{ delimiter_text }}){% if order_by_clause %} within group ({{ order_by_clause }}){% endif %}
{%- endmacro %}

{#- Spark views without column comments: Spark's parser takes about a second
    per commented column (20 s for a staging view of 18 columns, 0.2 s
    without). The view keeps its relation comment, and the contract check of
    a contracted view. -#}
{% macro spark__create_view_as(relation, sql) -%}
    {%- if config.get('contract').enforced -%}
        {{ get_assert_columns_equivalent(sql) }}
    {%- endif %}
    create or replace view {{ relation }}
    {{ comment_clause() }}
    as
    {{ sql }}
{%- endmacro %}
