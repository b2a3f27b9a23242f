{#- The one place a user-supplied value becomes SQL text: a quoted string
    literal with single quotes doubled. Never build a literal any other way. -#}
{% macro sql_string_literal(value) -%}
    {%- if value is none -%}
        null
    {%- else -%}
        '{{ (value | string) | replace("'", "''") }}'
    {%- endif -%}
{%- endmacro %}
