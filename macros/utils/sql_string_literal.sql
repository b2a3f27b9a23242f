{#- The one place a user-supplied value becomes SQL text: a quoted string
    literal. Never build a literal any other way. Standard SQL doubles a
    single quote; Spark SQL reads two adjacent literals as one ('a''b' is
    'ab') and takes backslash escapes instead. -#}
{% macro sql_string_literal(value) -%}
    {%- if value is none -%}
        null
    {%- else -%}
        {{ adapter.dispatch('sql_string_literal', 'customer_segments')(value | string) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__sql_string_literal(text) -%}
    '{{ text | replace("'", "''") }}'
{%- endmacro %}

{% macro spark__sql_string_literal(text) -%}
    '{{ text | replace("\\", "\\\\") | replace("'", "\\'") }}'
{%- endmacro %}
