{#- Conditions on valid orders (int_segment_orders) or, with a product-level
    filter, their lines (int_segment_order_lines): purchased, not_purchased
    and purchase_metric. -#}

{#- The purchase filters of `options` as SQL conditions on `line_alias`. -#}
{% macro segment_purchase_filter_sql(context, path, options, line_alias) -%}
    {%- set filters = [] -%}
    {%- for name, column in segment_purchase_filters().items() if options[name] is defined -%}
        {%- do filters.append(line_alias ~ '.' ~ column ~ ' in ' ~ segment_literal_list(context, path ~ '.' ~ name, options[name], 'text')) -%}
    {%- endfor -%}
    {{ return(filters) }}
{%- endmacro %}

{#- Whether any product-level filter is set (they need order lines). -#}
{% macro segment_has_line_filters(options) -%}
    {{ return(options.products is defined or options.categories is defined or options.subcategories is defined or options.brands is defined) }}
{%- endmacro %}

{#- The orders (or lines) matching every filter and the window: `from
    <relation> as <source> where ...`; of the contact `alias` when given. -#}
{% macro segment_purchases_from(context, path, options, alias=none) -%}
    {%- set source = 'l' ~ context.depth -%}
    {%- set relation = context.relations.lines if segment_has_line_filters(options) else context.relations.orders -%}
    {%- set filters = ([source ~ '.contact_id = ' ~ alias ~ '.contact_id'] if alias else []) + segment_purchase_filter_sql(context, path, options, source) -%}
    {%- do filters.append(segment_window_sql(context, path ~ '.window', options.window, source ~ '.ordered_date')) -%}
from {{ relation }} as {{ source }} where {{ filters | join(' and ') }}
{%- endmacro %}

{#- purchased / not_purchased: a valid order (or, with product filters, an
    order line) matching every filter within the window. -#}
{% macro segment_purchased_sql(context, path, condition, kind, alias) -%}
    {%- set options = {} if condition[kind] is none else condition[kind] -%}
    {%- if not segment_is_mapping(options) -%}
        {{ segment_error(context, path, "must be a mapping of filters (products, categories, subcategories, brands, channels, window) or empty") }}
    {%- endif -%}
    {%- set allowed = (segment_purchase_filters().keys() | list) + ['window'] -%}
    {%- for name in options if name not in allowed -%}
        {{ segment_error(context, path, "unknown purchase filter '" ~ name ~ "'; allowed: " ~ (allowed | join(', '))) }}
    {%- endfor -%}
({{ 'not ' if kind == 'not_purchased' }}exists (select 1 {{ segment_purchases_from(context, path, options, alias) }}))
{%- endmacro %}

{#- purchase_metric: order_count, total_spent or average_order_value
    compared with a number. AOV is compared as total_spent op value x
    order_count (exact decimals), and only for contacts with an order. -#}
{% macro segment_purchase_metric_sql(context, path, condition, kind, alias) -%}
    {%- set metrics = ['order_count', 'total_spent', 'average_order_value'] -%}
    {%- set metric = condition.purchase_metric -%}
    {%- if metric not in metrics -%}
        {{ segment_error(context, path, "unknown purchase metric '" ~ metric ~ "'; metrics: " ~ (metrics | join(', '))) }}
    {%- endif -%}
    {%- set symbols = segment_comparison_symbols() -%}
    {%- set op = condition.op -%}
    {%- if op not in (symbols.keys() | list) + ['between'] -%}
        {{ segment_error(context, path, "unknown operator '" ~ op ~ "' for a purchase metric; operators: " ~ ((symbols.keys() | list) + ['between']) | join(', ')) }}
    {%- endif -%}
    {%- if condition.value is not defined -%}
        {{ segment_error(context, path, op ~ " needs a value") }}
    {%- endif -%}
    {%- set source = 'l' ~ context.depth -%}
    {#- Every contact's purchases, compared per contact (no correlated subquery). -#}
    {%- set purchases = segment_purchases_from(context, path, condition) -%}
    {%- set order_count = 'count(distinct ' ~ source ~ '.order_id)' -%}
    {%- set total = 'coalesce(sum(' ~ source ~ ('.line_revenue' if segment_has_line_filters(condition) else '.net_revenue') ~ '), 0)' -%}
    {%- if op == 'between' -%}
        {%- if not segment_is_list(condition.value) or condition.value | length != 2 -%}
            {{ segment_error(context, path ~ '.value', "between needs a list of two numbers [low, high]") }}
        {%- endif -%}
        {%- set low = segment_literal(context, path ~ '.value[0]', condition.value[0], 'number') -%}
        {%- set high = segment_literal(context, path ~ '.value[1]', condition.value[1], 'number') -%}
        {%- if condition.value[0] > condition.value[1] -%}
            {{ segment_error(context, path ~ '.value', "between's low value " ~ condition.value[0] ~ " is above its high value " ~ condition.value[1]) }}
        {%- endif -%}
    {%- else -%}
        {%- set number = segment_literal(context, path ~ '.value', condition.value, 'number') -%}
    {%- endif -%}
    {%- set per_order = ' * ' ~ order_count if metric == 'average_order_value' else '' -%}
    {%- set measured = order_count if metric == 'order_count' else total -%}
    {%- if op == 'between' -%}
        {%- set having = measured ~ ' between ' ~ low ~ per_order ~ ' and ' ~ high ~ per_order -%}
    {%- else -%}
        {%- set having = measured ~ ' ' ~ symbols[op] ~ ' ' ~ number ~ per_order -%}
    {%- endif -%}
    {#- A contact with no purchase has count and total 0, and no average. -#}
    {%- set holds_without_rows = metric != 'average_order_value' and segment_holds_at_zero(op, condition.value) -%}
{{ segment_per_contact_sql(alias, source, purchases, having, holds_without_rows) }}
{%- endmacro %}
