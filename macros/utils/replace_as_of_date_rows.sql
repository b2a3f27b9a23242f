{#- Pre-hook of an as-of history table (one row per key per as_of_date):
    on an incremental run, remove the build's as-of date rows so the run
    replaces that date and leaves every other date alone (on Spark, its
    partition: macros/cross_db/incremental.sql). -#}
{% macro replace_as_of_date_rows() -%}
    {%- if is_incremental() -%}
        {{ adapter.dispatch('replace_as_of_date_rows', 'customer_segments')() }}
    {%- endif -%}
{%- endmacro %}

{% macro default__replace_as_of_date_rows() -%}
    delete from {{ this }} where as_of_date = {{ as_of_date() }}
{%- endmacro %}

{% macro spark__replace_as_of_date_rows() -%}
    alter table {{ this }} drop if exists partition (as_of_date = {{ sql_string_literal(as_of_date_string()) }})
{%- endmacro %}
