{#- The segment condition language: what a condition may name and how its
    values are checked. docs/segments.md documents it; segment_compiler.sql
    turns a checked condition into SQL. Every check stops the build with a
    message naming the segment, the path to the condition and the choices. -#}

{#- Condition kinds, each with the keys it accepts besides its own. -#}
{% macro segment_condition_kinds() -%}
    {{ return({
        'all': [],
        'any': [],
        'not': [],
        'field': ['op', 'value'],
        'score': ['op', 'value'],
        'subscription': [],
        'tag': ['min_score', 'within_last_days'],
        'purchased': [],
        'not_purchased': [],
        'purchase_metric': ['op', 'value', 'window', 'products', 'categories', 'subcategories', 'brands', 'channels'],
        'first_order': [],
        'event': ['at_least', 'at_most', 'exactly', 'last_within_days', 'last_before_days', 'window', 'where'],
        'in_segment': [],
        'not_in_segment': [],
        'in_static_list': [],
        'not_in_static_list': [],
    }) }}
{%- endmacro %}

{#- Operators per value type. -#}
{% macro segment_operators() -%}
    {{ return({
        'text': ['eq', 'neq', 'in', 'not_in', 'contains', 'starts_with', 'ends_with', 'matches', 'is_null', 'is_not_null'],
        'number': ['eq', 'neq', 'in', 'not_in', 'gt', 'gte', 'lt', 'lte', 'between', 'is_null', 'is_not_null'],
        'date': ['eq', 'neq', 'in', 'not_in', 'gt', 'gte', 'lt', 'lte', 'between', 'within_last_days', 'before_days_ago', 'is_null', 'is_not_null'],
        'boolean': ['eq', 'neq', 'is_null', 'is_not_null'],
    }) }}
{%- endmacro %}

{#- Scores a `score` condition can test: their type and, where the set is
    fixed, the values they take. Columns of int_segment_contacts. -#}
{% macro segment_score_fields() -%}
    {{ return({
        'rfm_persona': {'type': 'text', 'values': none},
        'lifecycle_stage': {'type': 'text', 'values': ['Active', 'Lapsing', 'Inactive']},
        'recency_score': {'type': 'number', 'values': none},
        'frequency_score': {'type': 'number', 'values': none},
        'monetary_score': {'type': 'number', 'values': none},
        'engagement_level': {'type': 'text', 'values': ['Non-engaged', 'Lightly engaged', 'Moderately engaged', 'Most engaged']},
        'engagement_score': {'type': 'number', 'values': none},
        'opportunity_group': {'type': 'text', 'values': none},
        'opportunity_intent': {'type': 'text', 'values': ['Emerging', 'Strong', 'Very high']},
        'contact_type': {'type': 'text', 'values': ['Customer', 'Non-customer']},
        'purchase_phase': {'type': 'text', 'values': ['Active', 'Lapsing', 'Inactive']},
        'engaged_status': {'type': 'text', 'values': ['Engaged', 'Non-engaged']},
    }) }}
{%- endmacro %}

{% macro segment_subscription_statuses() -%}
    {{ return(['subscribed', 'unsubscribed', 'never_subscribed', 'bounced', 'complained']) }}
{%- endmacro %}

{% macro segment_event_types() -%}
    {{ return(['email_sent', 'email_open', 'email_click', 'email_bounce', 'email_unsubscribe', 'page_view', 'product_view', 'add_to_cart']) }}
{%- endmacro %}

{% macro segment_traffic_sources() -%}
    {{ return(['utm', 'referral', 'search', 'advert', 'email', 'direct']) }}
{%- endmacro %}

{#- Event filters (`where:`) and the int_segment_events column each tests;
    url_contains and url_matches take one text, the others one or a list. -#}
{% macro segment_event_filters() -%}
    {{ return({
        'url_contains': 'url',
        'url_matches': 'url',
        'campaign': 'campaign_id',
        'product': 'product_id',
        'category': 'category',
        'subcategory': 'subcategory',
        'traffic_source': 'traffic_source',
        'utm_source': 'utm_source',
        'utm_medium': 'utm_medium',
        'utm_campaign': 'utm_campaign',
    }) }}
{%- endmacro %}

{#- Purchase filters and the int_segment_order_lines column each tests. -#}
{% macro segment_purchase_filters() -%}
    {{ return({
        'products': 'product_id',
        'categories': 'category',
        'subcategories': 'subcategory',
        'brands': 'brand',
        'channels': 'channel',
    }) }}
{%- endmacro %}

{#- The contact fields: every documented column of dim_contacts, with the
    value type its data_type gives. -#}
{% macro segment_contact_fields() -%}
    {%- set fields = {} -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.name == 'dim_contacts' and node.package_name == 'customer_segments' -%}
        {%- for column in node.columns.values() if column.data_type -%}
            {%- do fields.update({column.name: segment_value_type(column.data_type)}) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(fields) }}
{%- endmacro %}

{% macro segment_value_type(data_type) -%}
    {%- set lowered = data_type | lower -%}
    {%- if lowered.startswith('timestamp') or lowered == 'date' -%}
        {{ return('date') }}
    {%- elif lowered == 'boolean' -%}
        {{ return('boolean') }}
    {%- elif lowered.startswith('varchar') or lowered in ['text', 'string'] -%}
        {{ return('text') }}
    {%- else -%}
        {{ return('number') }}
    {%- endif -%}
{%- endmacro %}

{#- Stops the build: the segment, where in its condition, what is wrong. -#}
{% macro segment_error(context, path, message) -%}
    {{ exceptions.raise_compiler_error("segment '" ~ context.key ~ "', " ~ path ~ ": " ~ message) }}
{%- endmacro %}

{% macro segment_is_mapping(value) -%}
    {{ return(value is mapping) }}
{%- endmacro %}

{% macro segment_is_list(value) -%}
    {{ return(value is iterable and value is not string and value is not mapping) }}
{%- endmacro %}

{% macro segment_is_number(value) -%}
    {{ return(value is number and value is not sameas true and value is not sameas false) }}
{%- endmacro %}

{% macro segment_is_whole(value) -%}
    {{ return(segment_is_number(value) and value == (value | int)) }}
{%- endmacro %}

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
