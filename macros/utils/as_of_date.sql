{#- The as-of date as a YYYY-MM-DD string: var `as_of_date`, or today in UTC
    when it is empty. A value that is not a real calendar date stops the build. -#}
{% macro as_of_date_string() -%}
    {%- set raw = var('as_of_date', '') -%}
    {%- set value = (raw | string | trim) if raw is not none else '' -%}
    {%- if value == '' or value | lower == 'none' -%}
        {%- set value = run_started_at.strftime('%Y-%m-%d') -%}
    {%- endif -%}
    {%- if not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', value) -%}
        {{ exceptions.raise_compiler_error("var as_of_date: '" ~ value ~ "' is not a date in YYYY-MM-DD form (e.g. 2024-06-30)") }}
    {%- endif -%}
    {%- set parts = value.split('-') -%}
    {%- set year = parts[0] | int -%}
    {%- set month = parts[1] | int -%}
    {%- set day = parts[2] | int -%}
    {%- if month < 1 or month > 12 or day < 1 or day > 31 -%}
        {{ exceptions.raise_compiler_error("var as_of_date: '" ~ value ~ "' is not a calendar date") }}
    {%- endif -%}
    {%- set first_of_next = modules.datetime.date(year + (month // 12), (month % 12) + 1, 1) -%}
    {%- if day > (first_of_next - modules.datetime.timedelta(days=1)).day -%}
        {{ exceptions.raise_compiler_error("var as_of_date: '" ~ value ~ "' is not a calendar date") }}
    {%- endif -%}
    {{- return(value) -}}
{%- endmacro %}

{#- The as-of date as a SQL date expression. -#}
{% macro as_of_date() -%}
    cast({{ sql_string_literal(as_of_date_string()) }} as date)
{%- endmacro %}
