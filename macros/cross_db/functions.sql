{#- SQL functions the build creates where an engine lacks one the models
    need. On PostgreSQL: try_cast_<type>(text) for date, timestamp and
    timestamptz, which return null where the cast raises (there is no
    try_cast before PostgreSQL 16; a text without an offset means UTC
    whatever the session's time zone), and raise_error(message, result), which
    raises when it runs (raise_sql_error), in the schema cross_db_schema().
    The casts are `parallel unsafe`: their exception block starts a
    subtransaction, which no process of a parallel query may (a table of
    100k contacts gets a parallel plan). Created
    (or replaced) at the start of every run; other engines need none. -#}
{% macro create_cross_db_functions() %}
    {{ return(adapter.dispatch('create_cross_db_functions', 'customer_segments')()) }}
{% endmacro %}

{% macro default__create_cross_db_functions() %}
    select 1
{% endmacro %}

{% macro postgres__create_cross_db_functions() %}
    create schema if not exists {{ adapter.quote(cross_db_schema()) }};
    {%- for type in ['date', 'timestamp', 'timestamptz'] %}
    create or replace function {{ cross_db_function('try_cast_' ~ type) }}(value text) returns {{ type }}
    language plpgsql stable parallel unsafe set timezone = 'UTC' as $body$
    begin
        return cast(value as {{ type }});
    exception when others then
        return null;
    end
    $body$;
    {%- endfor %}
    create or replace function {{ cross_db_function('raise_error') }}(message text, result anyelement) returns anyelement
    language plpgsql volatile as $body$
    begin
        raise exception '%', message;
    end
    $body$;
{% endmacro %}

{#- The schema of those functions: the target schema's name + `_functions`. -#}
{% macro cross_db_schema() %}
    {{ return(target.schema ~ '_functions') }}
{% endmacro %}

{#- A function of that schema, quoted. -#}
{% macro cross_db_function(name) %}
    {{ return(adapter.quote(cross_db_schema()) ~ '.' ~ adapter.quote(name)) }}
{% endmacro %}

{#- A model's pre-hook (dbt_project.yml): the session's settings, whatever
    the server's or the role's defaults. On PostgreSQL: time zone UTC (the
    project's rule for naive timestamps) and no JIT compilation, which spent
    minutes compiling the wide expressions of a 100k-contact model that runs
    in 1.6 s without it. Nothing elsewhere (DuckDB's time zone comes from
    the profile's settings). -#}
{% macro session_settings() %}
    {{ return(adapter.dispatch('session_settings', 'customer_segments')()) }}
{% endmacro %}

{% macro default__session_settings() %}
{% endmacro %}

{% macro postgres__session_settings() %}
    set time zone 'UTC'; set jit = off
{% endmacro %}

{#- The median of a numeric expression in an aggregate, interpolated between
    the two middle values when their number is even (percentile_cont(0.5)),
    as a floating-point number on every engine. -#}
{% macro median(expression) -%}
    {{ return(adapter.dispatch('median', 'customer_segments')(expression)) }}
{%- endmacro %}

{% macro default__median(expression) -%}
    percentile_cont(0.5) within group (order by {{ expression }})
{%- endmacro %}

{% macro duckdb__median(expression) -%}
    quantile_cont({{ expression }}, 0.5)
{%- endmacro %}

{#- Spark's percentile() is exact and interpolates as percentile_cont. -#}
{% macro spark__median(expression) -%}
    percentile({{ expression }}, 0.5)
{%- endmacro %}
