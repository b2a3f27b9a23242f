{#- Conditions on the contact's own row of int_segment_contacts: a field of
    dim_contacts, a score, the subscription status, the first order. -#}

{#- field: an operator on a documented column of dim_contacts. -#}
{% macro segment_field_sql(context, path, condition, kind, alias) -%}
    {%- set name = condition.field -%}
    {%- if name not in context.fields -%}
        {{ segment_error(context, path, "unknown field '" ~ name ~ "'; fields of dim_contacts: " ~ (context.fields.keys() | sort | join(', '))) }}
    {%- endif -%}
{{ segment_comparison_sql(context, path, alias ~ '.' ~ name, context.fields[name], condition, none) }}
{%- endmacro %}

{#- score: an operator on a score, checked against its values when fixed. -#}
{% macro segment_score_sql(context, path, condition, kind, alias) -%}
    {%- set scores = segment_score_fields() -%}
    {%- set name = condition.score -%}
    {%- if name not in scores -%}
        {{ segment_error(context, path, "unknown score '" ~ name ~ "'; scores: " ~ (scores.keys() | join(', '))) }}
    {%- endif -%}
{{ segment_comparison_sql(context, path, alias ~ '.' ~ name, scores[name].type, condition, scores[name]['values']) }}
{%- endmacro %}

{#- subscription: one status or a list (seeds/subscription_statuses.csv). -#}
{% macro segment_subscription_sql(context, path, condition, kind, alias) -%}
coalesce({{ alias }}.subscription_status in {{ segment_literal_list(context, path, condition.subscription, 'text', segment_subscription_statuses()) }}, false)
{%- endmacro %}

{#- first_order: the first valid order falls in the window. -#}
{% macro segment_first_order_sql(context, path, condition, kind, alias) -%}
    {%- set options = condition.first_order -%}
    {%- if not segment_is_mapping(options) or options.keys() | list != ['window'] -%}
        {{ segment_error(context, path, "must be {window: ...}") }}
    {%- endif -%}
coalesce({{ segment_window_sql(context, path ~ '.window', options.window, alias ~ '.first_valid_order_date') }}, false)
{%- endmacro %}

{#- field / score: an operator on a column of a value type; a comparison
    with a missing value is false. -#}
{% macro segment_comparison_sql(context, path, column, value_type, condition, allowed_values) -%}
    {%- set operators = segment_operators()[value_type] -%}
    {%- set op = condition.op -%}
    {%- if op not in operators -%}
        {{ segment_error(context, path, "unknown operator '" ~ op ~ "' for a " ~ value_type ~ " value; operators: " ~ (operators | join(', '))) }}
    {%- endif -%}
    {%- if op in ['is_null', 'is_not_null'] -%}
        {%- if condition.value is defined -%}
            {{ segment_error(context, path, op ~ " takes no value") }}
        {%- endif -%}
({{ column }} is {{ 'not ' if op == 'is_not_null' }}null)
    {%- else -%}
        {%- if condition.value is not defined -%}
            {{ segment_error(context, path, op ~ " needs a value") }}
        {%- endif -%}
coalesce({{ segment_comparison_predicate(context, path, column, value_type, op, condition.value, allowed_values) }}, false)
    {%- endif -%}
{%- endmacro %}

{#- The comparison itself, `op` applied to `value`. -#}
{% macro segment_comparison_predicate(context, path, column, value_type, op, value, allowed_values) -%}
    {%- set target = ('cast(' ~ column ~ ' as date)') if value_type == 'date' else column -%}
    {%- set here = path ~ '.value' -%}
    {%- if op in ['in', 'not_in'] -%}
        {%- if not segment_is_list(value) -%}
            {{ segment_error(context, here, op ~ " needs a list of values") }}
        {%- endif -%}
{{ target }} {{ 'not ' if op == 'not_in' }}in {{ segment_literal_list(context, here, value, value_type, allowed_values) }}
    {%- elif op == 'between' -%}
        {%- if not segment_is_list(value) or value | length != 2 -%}
            {{ segment_error(context, here, "between needs a list of two values [low, high]") }}
        {%- endif -%}
        {%- set low = segment_literal(context, here ~ '[0]', value[0], value_type) -%}
        {%- set high = segment_literal(context, here ~ '[1]', value[1], value_type) -%}
        {%- if value[0] > value[1] -%}
            {{ segment_error(context, here, "between's low value " ~ value[0] ~ " is above its high value " ~ value[1]) }}
        {%- endif -%}
{{ target }} between {{ low }} and {{ high }}
    {%- elif op == 'within_last_days' -%}
        {%- set days = segment_whole_number(context, here, value, 1) -%}
{{ target }} between {{ date_literal(segment_days_before(context, days - 1, here)) }} and {{ date_literal(context.as_of) }}
    {%- elif op == 'before_days_ago' -%}
        {%- set days = segment_whole_number(context, here, value, 0) -%}
{{ target }} <= {{ date_literal(segment_days_before(context, days, here)) }}
    {%- elif op in ['contains', 'starts_with', 'ends_with', 'matches'] -%}
        {%- set literal = segment_literal(context, here, value, 'text') -%}
        {%- if op == 'contains' -%}
{{ text_contains(target, literal) }}
        {%- elif op == 'starts_with' -%}
substring({{ target }}, 1, {{ value | length }}) = {{ literal }}
        {%- elif op == 'ends_with' -%}
{{ dbt.right(target, value | length) }} = {{ literal }}
        {%- else -%}
            {%- do context.regexes.append({'segment': context.key, 'path': here, 'pattern': value}) -%}
{{ regex_matches(target, literal) }}
        {%- endif -%}
    {%- else -%}
        {%- if allowed_values is not none and value not in allowed_values -%}
            {{ segment_error(context, here, "unknown value '" ~ value ~ "'; allowed: " ~ (allowed_values | join(', '))) }}
        {%- endif -%}
{{ target }} {{ segment_comparison_symbols()[op] }} {{ segment_literal(context, here, value, value_type) }}
    {%- endif -%}
{%- endmacro %}
