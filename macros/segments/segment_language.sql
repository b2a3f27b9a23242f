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
    fixed, the values they take (none: not checked). Columns of
    int_segment_contacts; the engagement levels and intents come from
    seeds/engagement_levels.csv. -#}
{% macro segment_score_fields() -%}
    {{ return({
        'rfm_persona': {'type': 'text', 'values': none},
        'lifecycle_stage': {'type': 'text', 'values': ['Active', 'Lapsing', 'Inactive']},
        'recency_score': {'type': 'number', 'values': none},
        'frequency_score': {'type': 'number', 'values': none},
        'monetary_score': {'type': 'number', 'values': none},
        'engagement_level': {'type': 'text', 'values': seed_values('engagement_levels', 'engagement_level')},
        'engagement_score': {'type': 'number', 'values': none},
        'opportunity_group': {'type': 'text', 'values': none},
        'opportunity_intent': {'type': 'text', 'values': seed_values('engagement_levels', 'opportunity_intent', 'opportunity_intent is not null')},
        'contact_type': {'type': 'text', 'values': ['Customer', 'Non-customer']},
        'purchase_phase': {'type': 'text', 'values': ['Active', 'Lapsing', 'Inactive']},
        'engaged_status': {'type': 'text', 'values': ['Engaged', 'Non-engaged']},
        'probability_alive': {'type': 'number', 'values': none},
        'churn_risk': {'type': 'text', 'values': ['High', 'Medium', 'Low']},
        'expected_orders_next_90_days': {'type': 'number', 'values': none},
        'expected_average_order_value': {'type': 'number', 'values': none},
        'predicted_revenue_next_365_days': {'type': 'number', 'values': none},
        'median_days_between_orders': {'type': 'number', 'values': none},
        'days_until_expected_next_order': {'type': 'number', 'values': none},
        'email_campaigns_sent': {'type': 'number', 'values': none},
        'email_open_rate_pct': {'type': 'number', 'values': none},
        'email_click_rate_pct': {'type': 'number', 'values': none},
        'engaged_last_30_days': {'type': 'boolean', 'values': none},
        'engaged_last_60_days': {'type': 'boolean', 'values': none},
        'engaged_last_90_days': {'type': 'boolean', 'values': none},
    }) }}
{%- endmacro %}

{#- The subscription statuses and event types conditions may name: the
    seeds' rows (none when the engine cannot read them yet: not checked). -#}
{% macro segment_subscription_statuses() -%}
    {{ return(seed_values('subscription_statuses', 'subscription_status')) }}
{%- endmacro %}

{% macro segment_event_types() -%}
    {{ return(seed_values('event_types', 'event_type')) }}
{%- endmacro %}

{% macro segment_traffic_sources() -%}
    {{ return(['utm', 'referral', 'search', 'advert', 'email', 'direct']) }}
{%- endmacro %}

{#- Event filters (`where:`) and the int_segment_events column each tests;
    url_contains and url_matches take one text, machine_opens true or false,
    the others one or a list. -#}
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
        'machine_opens': 'is_machine_open',
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

{#- The comparison operators and their SQL: the one operator table. Event
    counts use it too (at_least is gte, at_most lte, exactly eq). -#}
{% macro segment_comparison_symbols() -%}
    {{ return({'eq': '=', 'neq': '<>', 'gt': '>', 'gte': '>=', 'lt': '<', 'lte': '<='}) }}
{%- endmacro %}
