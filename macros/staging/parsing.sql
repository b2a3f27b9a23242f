{#- Parsing raw text into typed values. Every raw column arrives as text; a
    value that does not parse becomes null, and the validation step compares
    the text with the parsed value to reject the row with a reason. -#}

{#- A cast that yields null instead of failing. dbt's own safe_cast is a plain
    cast on some adapters (dbt-duckdb among them), which would stop the build
    on the first bad value instead of quarantining the row. -#}
{% macro try_cast(expression, data_type) -%}
    {{ return(adapter.dispatch('try_cast', 'customer_segments')(expression, data_type)) }}
{%- endmacro %}

{% macro default__try_cast(expression, data_type) -%}
    {{ dbt.safe_cast(expression, data_type) }}
{%- endmacro %}

{% macro duckdb__try_cast(expression, data_type) -%}
    try_cast({{ expression }} as {{ data_type }})
{%- endmacro %}

{% macro spark__try_cast(expression, data_type) -%}
    try_cast({{ expression }} as {{ data_type }})
{%- endmacro %}

{#- Trimmed text, with empty strings as null. -#}
{% macro clean_text(column) -%}
    nullif(trim({{ column }}), '')
{%- endmacro %}

{#- An ISO 8601 timestamp as a UTC timestamp without time zone. A value with an
    offset is converted to UTC; a naive value already means UTC. -#}
{% macro parse_timestamp_utc(text) -%}
    {{ return(adapter.dispatch('parse_timestamp_utc', 'customer_segments')(text)) }}
{%- endmacro %}

{% macro default__parse_timestamp_utc(text) -%}
    {{ try_cast(text, 'timestamp') }}
{%- endmacro %}

{% macro duckdb__parse_timestamp_utc(text) -%}
    (try_cast({{ text }} as timestamptz) at time zone 'UTC')
{%- endmacro %}

{% macro parse_date(text) -%}
    {{ try_cast(text, 'date') }}
{%- endmacro %}

{#- A decimal amount with two places (the project's money type). -#}
{% macro parse_amount(text) -%}
    {{ try_cast(text, money_type()) }}
{%- endmacro %}

{#- A whole number. '2.0' parses as 2; '2.5' does not parse (a plain cast
    would round it). -#}
{% macro parse_integer(text) -%}
    case
        when {{ try_cast(text, 'decimal(38, 6)') }} = floor({{ try_cast(text, 'decimal(38, 6)') }})
            then cast({{ try_cast(text, 'decimal(38, 6)') }} as {{ dbt.type_bigint() }})
    end
{%- endmacro %}

{#- true/false, t/f, 1/0, yes/no, y/n in any case. -#}
{% macro parse_boolean(text) -%}
    case
        when lower({{ text }}) in ('true', 't', '1', 'yes', 'y') then true
        when lower({{ text }}) in ('false', 'f', '0', 'no', 'n') then false
    end
{%- endmacro %}

{#- Money: decimal currency units with two places. -#}
{% macro money_type() -%}
    decimal(18, 2)
{%- endmacro %}
