{#- A YYYY-MM-DD string from a var's value, checked to be a real calendar
    date; a bad value stops the build with a message naming the var. -#}
{% macro date_var_string(var_name, value) -%}
    {%- if not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', value) -%}
        {{ exceptions.raise_compiler_error("var " ~ var_name ~ ": '" ~ value ~ "' is not a date in YYYY-MM-DD form (e.g. 2024-06-30)") }}
    {%- endif -%}
    {%- set parts = value.split('-') -%}
    {%- if not is_calendar_date(parts[0] | int, parts[1] | int, parts[2] | int) -%}
        {{ exceptions.raise_compiler_error("var " ~ var_name ~ ": '" ~ value ~ "' is not a calendar date") }}
    {%- endif -%}
    {%- if value < '1900-01-01' or value > '9998-12-31' -%}
        {{ exceptions.raise_compiler_error("var " ~ var_name ~ ": '" ~ value ~ "' is outside the dates the project computes with (1900-01-01 to 9998-12-31)") }}
    {%- endif -%}
    {{- return(value) -}}
{%- endmacro %}

{#- True when year-month-day is a real calendar day (years 1 to 9999). -#}
{% macro is_calendar_date(year, month, day) -%}
    {%- if year < 1 or year > 9999 or month < 1 or month > 12 or day < 1 -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set leap = (year % 4 == 0 and year % 100 != 0) or year % 400 == 0 -%}
    {%- set lengths = [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] -%}
    {{ return(day <= lengths[month - 1]) }}
{%- endmacro %}

{#- A var's value as trimmed text, '' when empty, null or 'none'. -#}
{% macro var_text(var_name) -%}
    {%- set raw = var(var_name, '') -%}
    {%- set value = (raw | string | trim) if raw is not none else '' -%}
    {{- return('' if value | lower == 'none' else value) -}}
{%- endmacro %}

{#- The as-of date as a YYYY-MM-DD string: var `as_of_date`, or today in UTC
    when it is empty. A value that is not a real calendar date stops the build. -#}
{% macro as_of_date_string() -%}
    {%- set value = var_text('as_of_date') -%}
    {%- if value == '' -%}
        {%- set value = run_started_at.strftime('%Y-%m-%d') -%}
    {%- endif -%}
    {{- return(date_var_string('as_of_date', value)) -}}
{%- endmacro %}

{#- The as-of date as a SQL date expression. -#}
{% macro as_of_date() -%}
    cast({{ sql_string_literal(as_of_date_string()) }} as date)
{%- endmacro %}

{#- A YYYY-MM-DD string as a SQL date expression. -#}
{% macro date_literal(value) -%}
    cast({{ sql_string_literal(value) }} as date)
{%- endmacro %}
