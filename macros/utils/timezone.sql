{#- The reporting time zone, checked against the IANA database. -#}
{% macro reporting_timezone() -%}
    {%- set zone = var('reporting_timezone') | string -%}
    {%- if zone not in modules.pytz.all_timezones -%}
        {{ exceptions.raise_compiler_error("var reporting_timezone: '" ~ zone ~ "' is not an IANA time zone name (e.g. UTC, Europe/Warsaw, America/New_York)") }}
    {%- endif -%}
    {{- return(zone) -}}
{%- endmacro %}

{#- The calendar day, in the reporting time zone, of a UTC timestamp. -#}
{% macro local_date(utc_timestamp) -%}
    {#- In UTC the day is the timestamp's own date: no time zone conversion
        (a tenth of a second per million rows on DuckDB). -#}
    {%- if reporting_timezone() == 'UTC' -%}
        {{ return('cast(' ~ utc_timestamp ~ ' as date)') }}
    {%- endif -%}
    {{ return(adapter.dispatch('local_date', 'customer_segments')(utc_timestamp)) }}
{%- endmacro %}

{% macro default__local_date(utc_timestamp) -%}
    cast(({{ utc_timestamp }} at time zone 'UTC') at time zone {{ sql_string_literal(reporting_timezone()) }} as date)
{%- endmacro %}

{% macro duckdb__local_date(utc_timestamp) -%}
    cast(timezone({{ sql_string_literal(reporting_timezone()) }}, {{ utc_timestamp }} at time zone 'UTC') as date)
{%- endmacro %}

{% macro spark__local_date(utc_timestamp) -%}
    to_date(from_utc_timestamp({{ utc_timestamp }}, {{ sql_string_literal(reporting_timezone()) }}))
{%- endmacro %}
