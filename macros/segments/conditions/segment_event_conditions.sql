{#- event: how often (at_least / at_most / exactly n, default at least 1)
    within a window, or when last (last_within_days / last_before_days),
    with optional `where` filters, over int_segment_events. The event types
    are the rows of seeds/event_types.csv. -#}
{% macro segment_event_sql(context, path, condition, kind, alias) -%}
    {%- set e = 'e' ~ context.depth -%}
    {%- set types = segment_event_types() -%}
    {%- if types is not none and condition.event not in types -%}
        {{ segment_error(context, path, "unknown event type '" ~ condition.event ~ "'; event types: " ~ (types | join(', '))) }}
    {%- endif -%}
    {%- set filters = [e ~ '.event_type = ' ~ segment_literal(context, path, condition.event, 'text')] + segment_event_filter_sql(context, path ~ '.where', condition, e) -%}
    {%- set modes = [] -%}
    {%- for mode in ['at_least', 'at_most', 'exactly', 'last_within_days', 'last_before_days'] if condition[mode] is defined -%}
        {%- do modes.append(mode) -%}
    {%- endfor -%}
    {%- if modes | length > 1 -%}
        {{ segment_error(context, path, "use one of at_least, at_most, exactly, last_within_days, last_before_days (found: " ~ (modes | join(', ')) ~ ")") }}
    {%- endif -%}
    {%- set mode = modes[0] if modes else 'at_least' -%}
    {%- if mode in ['last_within_days', 'last_before_days'] and condition.window is defined -%}
        {{ segment_error(context, path, mode ~ " sets its own window; remove window") }}
    {%- endif -%}
    {#- The contact's matching events: `from ... where` without naming the contact. -#}
    {%- set events = 'from ' ~ context.relations.events ~ ' as ' ~ e ~ ' where ' ~ (filters | join(' and ')) -%}
    {%- if mode == 'last_within_days' -%}
        {%- set days = segment_whole_number(context, path ~ '.last_within_days', condition.last_within_days, 1) -%}
exists (select 1 {{ events }} and {{ e }}.contact_id = {{ alias }}.contact_id and {{ e }}.occurred_date >= {{ date_literal(segment_days_before(context, days - 1, path ~ '.last_within_days')) }})
    {%- elif mode == 'last_before_days' -%}
        {%- set days = segment_whole_number(context, path ~ '.last_before_days', condition.last_before_days, 0) -%}
{{ segment_per_contact_sql(alias, e, events, 'max(' ~ e ~ '.occurred_date) <= ' ~ date_literal(segment_days_before(context, days, path ~ '.last_before_days')), false) }}
    {%- else -%}
        {%- set times = segment_whole_number(context, path ~ '.' ~ mode, condition[mode] if condition[mode] is defined else 1, 0) -%}
        {%- set op = {'at_least': 'gte', 'at_most': 'lte', 'exactly': 'eq'}[mode] -%}
        {%- set window = segment_window_sql(context, path ~ '.window', condition.window, e ~ '.occurred_date') -%}
{{ segment_per_contact_sql(alias, e, events ~ ' and ' ~ window, 'count(*) ' ~ segment_comparison_symbols()[op] ~ ' ' ~ times, segment_holds_at_zero(op, times)) }}
    {%- endif -%}
{%- endmacro %}

{#- The `where:` filters of an event condition as SQL conditions on `e`. -#}
{% macro segment_event_filter_sql(context, path, condition, e) -%}
    {%- set where = {} if condition.where is not defined else condition.where -%}
    {%- set known = segment_event_filters() -%}
    {%- if not segment_is_mapping(where) -%}
        {{ segment_error(context, path, "must be a mapping of filters: " ~ (known.keys() | join(', '))) }}
    {%- endif -%}
    {%- set filters = [] -%}
    {%- for name, value in where.items() -%}
        {%- if name not in known -%}
            {{ segment_error(context, path, "unknown event filter '" ~ name ~ "'; filters: " ~ (known.keys() | join(', '))) }}
        {%- endif -%}
        {%- set column = e ~ '.' ~ known[name] -%}
        {%- if name == 'url_contains' -%}
            {%- do filters.append(text_contains(column, segment_literal(context, path ~ '.' ~ name, value, 'text'))) -%}
        {%- elif name == 'machine_opens' -%}
            {%- if value is not sameas true and value is not sameas false -%}
                {{ segment_error(context, path ~ '.' ~ name, "must be true (only opens flagged as machine opens, e.g. by a privacy proxy) or false (only the others: human opens and every other event)") }}
            {%- endif -%}
            {%- do filters.append('coalesce(' ~ column ~ ', false) = ' ~ ('true' if value else 'false')) -%}
        {%- elif name == 'url_matches' -%}
            {%- do filters.append(regex_matches(column, segment_literal(context, path ~ '.' ~ name, value, 'text'))) -%}
            {%- do context.regexes.append({'segment': context.key, 'path': path ~ '.' ~ name, 'pattern': value}) -%}
        {%- else -%}
            {%- set allowed = segment_traffic_sources() if name == 'traffic_source' else none -%}
            {%- do filters.append(column ~ ' in ' ~ segment_literal_list(context, path ~ '.' ~ name, value, 'text', allowed)) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(filters) }}
{%- endmacro %}
