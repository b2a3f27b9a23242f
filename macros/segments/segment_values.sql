{#- The values a condition holds, checked and written as SQL: numbers,
    texts, dates, lists of them, and date windows. Values are data, never
    SQL: each is validated and quoted here. -#}

{#- A whole number >= minimum (a count or a number of days). -#}
{% macro segment_whole_number(context, path, value, minimum) -%}
    {%- if not segment_is_whole(value) or value < minimum -%}
        {{ segment_error(context, path, "'" ~ value ~ "' must be a whole number >= " ~ minimum) }}
    {%- endif -%}
    {{ return(value | int) }}
{%- endmacro %}

{% macro segment_is_date_text(value) -%}
    {%- if value is not string or not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', value) -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set parts = value.split('-') -%}
    {{ return(is_calendar_date(parts[0] | int, parts[1] | int, parts[2] | int)) }}
{%- endmacro %}

{#- One value of a type, checked, as SQL: text and dates as quoted literals,
    numbers and booleans as validated literals. Values are data, never SQL. -#}
{% macro segment_literal(context, path, value, value_type) -%}
    {%- if value_type == 'text' -%}
        {%- if value is not string or value == '' -%}
            {{ segment_error(context, path, "'" ~ value ~ "' must be a non-empty text") }}
        {%- endif -%}
        {{ return(sql_string_literal(value)) }}
    {%- elif value_type == 'number' -%}
        {%- if not segment_is_number(value) -%}
            {{ segment_error(context, path, "'" ~ value ~ "' must be a number") }}
        {%- endif -%}
        {%- if value != value or value > 1e300 or value < -1e300 -%}
            {{ segment_error(context, path, "'" ~ value ~ "' must be a finite number (not .nan or .inf)") }}
        {%- endif -%}
        {{ return(value | string) }}
    {%- elif value_type == 'date' -%}
        {%- if value is not string or not segment_is_date_text(value) -%}
            {{ segment_error(context, path, "'" ~ value ~ "' must be a date in YYYY-MM-DD form") }}
        {%- endif -%}
        {{ return(date_literal(value)) }}
    {%- else -%}
        {%- if value is not sameas true and value is not sameas false -%}
            {{ segment_error(context, path, "'" ~ value ~ "' must be true or false") }}
        {%- endif -%}
        {{ return('true' if value else 'false') }}
    {%- endif -%}
{%- endmacro %}

{#- One value or a non-empty list of them, as a SQL list "(a, b)". -#}
{% macro segment_literal_list(context, path, value, value_type, allowed=none) -%}
    {%- set values = value if segment_is_list(value) else [value] -%}
    {%- if values | length == 0 -%}
        {{ segment_error(context, path, "the list is empty") }}
    {%- endif -%}
    {%- set literals = [] -%}
    {%- for item in values -%}
        {%- if allowed is not none and item not in allowed -%}
            {{ segment_error(context, path, "unknown value '" ~ item ~ "'; allowed: " ~ (allowed | join(', '))) }}
        {%- endif -%}
        {%- do literals.append(segment_literal(context, path, item, value_type)) -%}
    {%- endfor -%}
    {{ return('(' ~ (literals | join(', ')) ~ ')') }}
{%- endmacro %}

{#- The YYYY-MM-DD date `days` days before the as-of date. A count of days
    that reaches before 1900-01-01 (where no data can be: staging quarantines
    earlier timestamps) stops the build naming the segment and path. -#}
{% macro segment_days_before(context, days, path=none) -%}
    {%- set parts = context.as_of.split('-') -%}
    {%- set as_of = modules.datetime.date(parts[0] | int, parts[1] | int, parts[2] | int) -%}
    {%- set earliest = modules.datetime.date(1900, 1, 1) -%}
    {%- if days > (as_of - earliest).days -%}
        {{ segment_error(context, path or 'condition', days ~ " days before the as-of date " ~ context.as_of ~ " is before 1900-01-01; use fewer days (at most " ~ (as_of - earliest).days ~ ")") }}
    {%- endif -%}
    {{ return((as_of - modules.datetime.timedelta(days=days)).strftime('%Y-%m-%d')) }}
{%- endmacro %}

{#- A window over a date column, as a SQL condition. Absent: all history up
    to the as-of date (the inputs hold nothing later). -#}
{% macro segment_window_sql(context, path, window, column) -%}
    {%- if window is not defined or window is none -%}
        {{ return('true') }}
    {%- endif -%}
    {%- if not segment_is_mapping(window) or window | length != 1 -%}
        {{ segment_error(context, path, "a window is one of {last_days: n}, {between: [YYYY-MM-DD, YYYY-MM-DD]} or {months: [1-12, ...]}") }}
    {%- endif -%}
    {%- if 'last_days' in window -%}
        {%- set days = segment_whole_number(context, path ~ '.last_days', window.last_days, 1) -%}
        {{ return('(' ~ column ~ ' >= ' ~ date_literal(segment_days_before(context, days - 1, path ~ '.last_days')) ~ ')') }}
    {%- elif 'between' in window -%}
        {%- set bounds = window.between -%}
        {%- if not segment_is_list(bounds) or bounds | length != 2 -%}
            {{ segment_error(context, path ~ '.between', "must be a list of two dates [first, last]") }}
        {%- endif -%}
        {%- set first = segment_literal(context, path ~ '.between[0]', bounds[0], 'date') -%}
        {%- set last = segment_literal(context, path ~ '.between[1]', bounds[1], 'date') -%}
        {%- if bounds[0] > bounds[1] -%}
            {{ segment_error(context, path ~ '.between', "the first date " ~ bounds[0] ~ " is after the last date " ~ bounds[1]) }}
        {%- endif -%}
        {{ return('(' ~ column ~ ' between ' ~ first ~ ' and ' ~ last ~ ')') }}
    {%- elif 'months' in window -%}
        {%- set months = window.months if segment_is_list(window.months) else [window.months] -%}
        {%- if months | length == 0 -%}
            {{ segment_error(context, path ~ '.months', "the list is empty") }}
        {%- endif -%}
        {%- for month in months -%}
            {%- if not segment_is_whole(month) or month < 1 or month > 12 -%}
                {{ segment_error(context, path ~ '.months', "'" ~ month ~ "' is not a month number from 1 to 12") }}
            {%- endif -%}
        {%- endfor -%}
        {%- set year = context.as_of.split('-')[0] | int -%}
        {{ return('(extract(month from ' ~ column ~ ') in (' ~ (months | map('int') | join(', ')) ~ ') and extract(year from ' ~ column ~ ') < ' ~ year ~ ')') }}
    {%- else -%}
        {{ segment_error(context, path, "unknown window '" ~ (window.keys() | list | first) ~ "'; a window is last_days, between or months") }}
    {%- endif -%}
{%- endmacro %}
