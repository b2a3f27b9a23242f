{#- Models land in the schema their folder names (staging, intermediate,
    marts, seeds), not dbt's default `<target schema>_<custom schema>`: BI tools
    and people read `marts.dim_contacts`. Each developer has their own DuckDB
    file, so there is nothing to keep apart; on a shared warehouse, use one
    database per environment (see DECISIONS.md). -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
