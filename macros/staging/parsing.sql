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

{#- PostgreSQL has no try_cast (pg_input_is_valid arrives in 16): a date or
    timestamp goes through a function the build creates, which returns null
    where the cast raises (macros/cross_db/functions.sql), and only when the
    text has the ISO shape that DuckDB and Spark read too (PostgreSQL also
    reads 'yesterday', 'Jan 5 2026' or '20260105'); a decimal only when the
    text is a plain number whose integer digits fit. -#}
{% macro postgres__try_cast(expression, data_type) -%}
    {%- set type = data_type | lower | replace(' ', '') -%}
    {%- if type in ['timestamptz', 'timestamp', 'date'] -%}
        case when {{ regex_matches(expression, sql_string_literal(iso_timestamp_pattern())) }} then {{ cross_db_function('try_cast_' ~ type) }}({{ expression }}) end
    {%- elif modules.re.match('^(decimal|numeric)\\(38,[0-9]+\\)$', type) -%}
        {%- set scale = type.split(',')[1].rstrip(')') | int -%}
        case
            when {{ is_plain_number(expression) }}
                and length(ltrim(split_part(ltrim({{ expression }}, '+-'), '.', 1), '0')) < {{ 38 - scale }}
                then cast({{ expression }} as decimal(38, {{ scale }}))
        end
    {%- else -%}
        {{ exceptions.raise_compiler_error("try_cast on postgres: no safe cast to '" ~ data_type ~ "' (macros/staging/parsing.sql knows date, timestamp, timestamptz and decimal(38, s))") }}
    {%- endif -%}
{%- endmacro %}

{#- The texts read as a date or timestamp where the engine's own cast is too
    lenient: an ISO 8601 date (year of four digits, `-` or `/`), optionally a
    time (`T` or a space, hours and minutes, seconds 00-59, up to six
    decimals) and a UTC offset (`Z`, `UTC`, ±hh, ±hhmm, ±hh:mm) or an IANA
    zone name. -#}
{% macro iso_timestamp_pattern() -%}
    {{ return('^[0-9]{4}[-/][0-9]{1,2}[-/][0-9]{1,2}([T ][0-9]{1,2}:[0-9]{2}(:[0-5][0-9]([.][0-9]{1,6})?)?( ?(Z|UTC|[+-][0-9]{2}(:?[0-9]{2})?| [A-Z][A-Za-z_]+/[A-Za-z_/+-]+))?)?$') }}
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

{% macro postgres__parse_timestamp_utc(text) -%}
    ({{ try_cast(text, 'timestamptz') }} at time zone 'UTC')
{%- endmacro %}

{#- A parsed timestamp or date outside the plausible range: before
    1900-01-01, or written with a UTC offset beyond ±14:00 (none exists).
    Later than the wall clock is future_timestamp's case. -#}
{% macro is_implausible_timestamp(text, parsed) -%}
    ({{ parsed }} is not null and (
        {{ parsed }} < cast('1900-01-01' as date)
        {#- (the like tests are implied by the pattern and spare most rows the regex) #}
        or (
            ({{ text }} like '%+%' or {{ text }} like '%:%-%')
            and {{ regex_matches(text, "'[0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]*)?)? *[+-](1[5-9]|[2-9][0-9]|14:?(0[1-9]|[1-5][0-9]))(:?[0-9]{2})?$'") }}
        )
    ))
{%- endmacro %}

{% macro parse_date(text) -%}
    {{ try_cast(text, 'date') }}
{%- endmacro %}

{#- Numbers. Every number in a raw file is written in plain decimal
    notation: an optional sign, digits, an optional point and fraction (no
    exponent, no thousands separator, no '1_000'). A number is parsed to a
    type that holds its contract, never rounded: a value with more decimals
    than its column keeps (a price of 13.999) is rejected as
    excess_precision, and one at or beyond number_limit() in magnitude as
    out_of_range, so that no value can overflow a later sum or conversion. -#}
{% macro is_plain_number(text) -%}
    {{ regex_matches(text, "'^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)$'") }}
{%- endmacro %}

{#- The magnitude every parsed number stays below: 10^15. -#}
{% macro number_limit() -%}
    1000000000000000
{%- endmacro %}

{#- An order line's quantity stays below 10^9 (and quantity × unit price
    below number_limit). -#}
{% macro max_quantity() -%}
    1000000000
{%- endmacro %}

{#- A number with `scale` decimal places, or null when the text is not a
    plain number or does not fit decimal(38, scale). -#}
{% macro parse_number(text, scale) -%}
    case when {{ is_plain_number(text) }} then {{ try_cast(text, 'decimal(38, ' ~ scale ~ ')') }} end
{%- endmacro %}

{#- A decimal amount with two places (the project's money type). -#}
{% macro parse_amount(text) -%}
    cast({{ parse_number(text, 2) }} as {{ money_type() }})
{%- endmacro %}

{#- A whole number. '2.0' parses as 2; '2.5' does not parse (a plain cast
    would round it), nor does a number beyond number_limit(). -#}
{% macro parse_integer(text) -%}
    case
        when {{ is_plain_number(text) }} and not {{ has_excess_precision(text, 0) }}
            and abs({{ parse_number(text, 0) }}) < {{ number_limit() }}
            then cast({{ parse_number(text, 0) }} as {{ dbt.type_bigint() }})
    end
{%- endmacro %}

{#- The texts the checks read, cleaned once per row (so that every check of a
    column reads a column, not the cleaning again): `<column>_text` for each
    of `texts` and `numbers`, and `<column>_is_plain_number` (the pattern
    matched once) for each of `numbers`; `relation` is the raw rows' alias. -#}
{% macro checked_texts(relation, texts=[], numbers=[]) -%}
    {%- set columns = [] -%}
    {%- for column in texts + numbers -%}
        {%- set text = clean_text(relation ~ '.raw_' ~ column) -%}
        {%- do columns.append(text ~ ' as ' ~ column ~ '_text') -%}
        {%- if column in numbers -%}
            {%- do columns.append(is_plain_number(text) ~ ' as ' ~ column ~ '_is_plain_number') -%}
        {%- endif -%}
    {%- endfor -%}
    {{ columns | join(',\n        ') }},
{%- endmacro %}

{#- The checks of a number column, for checked_rows: text present but
    not a plain number; beyond number_limit() (or `limit`); more decimals
    than `scale`. `parsed` is the column parsed with parse_number(text, scale)
    or parse_amount (null when it did not fit). `plain`: a column already
    holding is_plain_number(text), so that the pattern is matched once per
    row rather than once per check. -#}
{% macro is_unparseable_number(text, plain=none) -%}
    ({{ text }} is not null and not {{ plain or is_plain_number(text) }})
{%- endmacro %}

{% macro is_out_of_range_number(text, parsed, limit=none, plain=none) -%}
    ({{ plain or is_plain_number(text) }} and ({{ parsed }} is null or abs({{ parsed }}) >= {{ limit or number_limit() }}))
{%- endmacro %}

{#- True when a plain number has a non-zero digit after its first `scale`
    decimals: typing it would round it. -#}
{% macro has_excess_precision(text, scale, plain=none) -%}
    ({{ text }} like '%.%' and {{ plain or is_plain_number(text) }} and {{ regex_matches(text, "'[.][0-9]{" ~ scale ~ "}[0-9]*[1-9]'") }})
{%- endmacro %}

{#- true/false, t/f, 1/0, yes/no, y/n in any case. -#}
{% macro parse_boolean(text) -%}
    case
        when lower({{ text }}) in ('true', 't', '1', 'yes', 'y') then true
        when lower({{ text }}) in ('false', 'f', '0', 'no', 'n') then false
    end
{%- endmacro %}

{#- Money: decimal currency units with two places. 38 digits: amounts stay
    below 10^15 (number_limit), and sums of them over every order fit. -#}
{% macro money_type() -%}
    decimal(38, 2)
{%- endmacro %}
