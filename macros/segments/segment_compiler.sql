{#- Segment conditions compiled to SQL. A segment's members are the contacts
    of int_segment_contacts for which its condition is true; every leaf
    condition is true or false (never null: a comparison with a missing
    value is false), so `not` is plain negation. docs/segments.md. -#}

{#- The relations conditions read. Called while parsing too, so every
    segment model depends on all of them. -#}
{% macro segment_relations() -%}
    {{ return({
        'contacts': ref('int_segment_contacts'),
        'orders': ref('int_segment_orders'),
        'lines': ref('int_segment_order_lines'),
        'events': ref('int_segment_events'),
        'tags': ref('int_contact_tag_scores'),
        'static_members': ref('int_static_list_members'),
    }) }}
{%- endmacro %}

{#- Every segment: the models whose meta has `segment`, keyed by the model
    name without its `seg_` prefix. -#}
{% macro segment_registry() -%}
    {%- set registry = {} -%}
    {%- if execute -%}
        {%- for node in graph.nodes.values() | sort(attribute='name') if node.resource_type == 'model' and node.config.meta.segment is defined -%}
            {%- if not node.name.startswith('seg_') -%}
                {{ exceptions.raise_compiler_error("model '" ~ node.name ~ "' has meta.segment, so its name must start with seg_ (seg_<segment key>)") }}
            {%- endif -%}
            {%- do registry.update({node.name[4:]: {
                'definition': node.config.meta.segment,
                'model': node.name,
                'path': node.original_file_path,
                'yaml_path': (node.patch_path or '').split('://')[-1],
            }}) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(registry) }}
{%- endmacro %}

{#- Definitions are dbt YAML, which dbt renders as Jinja before any macro
    sees them: `{{ env_var('X') }}` in a value would put an environment value
    into marts.segments. A definition must read the same rendered and as
    written; the first place where it does not is named. -#}
{% macro segment_rendered_difference(rendered, written, path) -%}
    {%- if rendered == written -%}
        {{ return(none) }}
    {%- elif rendered is mapping and written is mapping -%}
        {%- for name in written -%}
            {%- set found = segment_rendered_difference(rendered.get(name), written[name], path ~ '.' ~ name) -%}
            {%- if found is not none -%}
                {{ return(found) }}
            {%- endif -%}
        {%- endfor -%}
    {%- elif segment_is_list(rendered) and segment_is_list(written) and rendered | length == written | length -%}
        {%- for index in range(written | length) -%}
            {%- set found = segment_rendered_difference(rendered[index], written[index], path ~ '[' ~ index ~ ']') -%}
            {%- if found is not none -%}
                {{ return(found) }}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return({'path': path, 'written': written}) }}
{%- endmacro %}

{#- Stops the build when a definition as dbt rendered it differs from the
    definition as written in its YAML file. -#}
{% macro check_segment_written_as_rendered(key, definition, written) -%}
    {%- set difference = segment_rendered_difference(definition, written, 'meta.segment') -%}
    {%- if difference is not none -%}
        {{ segment_error({'key': key}, difference.path, "'" ~ (difference.written | string)[:200] ~ "' is Jinja, which dbt renders before the segment language reads it; definitions take plain values") }}
    {%- endif -%}
{%- endmacro %}

{#- The definitions as written in the YAML files (on DuckDB, which reads
    the files with read_text; elsewhere none: dbt's rendered values only). -#}
{% macro segment_written_definitions(registry) -%}
    {{ return(adapter.dispatch('segment_written_definitions', 'customer_segments')(registry)) }}
{%- endmacro %}

{% macro default__segment_written_definitions(registry) -%}
    {{ return({}) }}
{%- endmacro %}

{% macro duckdb__segment_written_definitions(registry) -%}
    {%- set written = {} -%}
    {%- set files = {} -%}
    {%- set root = (flags.PROJECT_DIR or '.') | string -%}
    {%- for key, entry in registry.items() if entry.yaml_path -%}
        {%- if entry.yaml_path not in files -%}
            {%- set text = run_query('select content from read_text(' ~ sql_string_literal(root ~ '/' ~ entry.yaml_path) ~ ')').columns[0].values()[0] -%}
            {%- do files.update({entry.yaml_path: fromyaml(text)}) -%}
        {%- endif -%}
        {%- for model in files[entry.yaml_path].get('models', []) if model.name == entry.model -%}
            {%- set meta = (model.get('config') or {}).get('meta') or model.get('meta') or {} -%}
            {%- if meta.segment is defined -%}
                {%- do written.update({key: meta.segment}) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(written) }}
{%- endmacro %}

{#- Checks what a segment's definition holds besides its condition. -#}
{% macro validate_segment_attributes(key, definition) -%}
    {%- set context = {'key': key} -%}
    {%- if not modules.re.match('^[a-z][a-z0-9_]*$', key) -%}
        {{ segment_error(context, 'key', "the key must be snake_case (lower-case letters, digits and _, starting with a letter)") }}
    {%- endif -%}
    {%- if not segment_is_mapping(definition) -%}
        {{ segment_error(context, 'meta.segment', "must be a mapping with name, description, status, owner and condition") }}
    {%- endif -%}
    {%- set allowed = ['name', 'description', 'status', 'owner', 'recommended', 'condition'] -%}
    {%- for attribute in definition if attribute not in allowed -%}
        {{ segment_error(context, attribute, "unknown attribute; a segment has " ~ (allowed | join(', '))) }}
    {%- endfor -%}
    {%- for attribute in ['name', 'description', 'owner'] -%}
        {%- if definition[attribute] is not string or definition[attribute] | trim == '' -%}
            {{ segment_error(context, attribute, "is missing or empty") }}
        {%- endif -%}
    {%- endfor -%}
    {%- if definition.status not in ['active', 'draft'] -%}
        {{ segment_error(context, 'status', "'" ~ definition.status ~ "' must be active or draft") }}
    {%- endif -%}
    {%- if key == baseline_segment_key() -%}
        {{ segment_error(context, 'key', "'" ~ key ~ "' is reserved for the all-contacts baseline of the segment insights") }}
    {%- endif -%}
    {%- set recommended = definition.recommended if definition.recommended is defined else false -%}
    {%- if recommended is not sameas true and recommended is not sameas false
        and not (segment_is_whole(recommended) and recommended >= 1 and recommended <= 5) -%}
        {{ segment_error(context, 'recommended', "'" ~ recommended ~ "' must be true, false or a position from 1 to 5") }}
    {%- endif -%}
    {%- if definition.condition is not defined or definition.condition is none -%}
        {{ segment_error(context, 'condition', "is missing") }}
    {%- endif -%}
{%- endmacro %}

{#- Checks the whole registry (attributes, at most five recommended, every
    condition, no cycle) and returns it. `relations` replaces the relations
    conditions read (the on-run-start check passes names: a hook cannot ref). -#}
{% macro validated_segment_registry(registry=none, relations=none) -%}
    {%- set registry = segment_registry() if registry is none else registry -%}
    {%- for key, entry in registry.items() -%}
        {%- do validate_segment_attributes(key, entry.definition) -%}
    {%- endfor -%}
    {%- do recommended_segment_keys(registry) -%}
    {%- for key in registry -%}
        {%- do compile_segment_parts(key, registry, relations=relations) -%}
    {%- endfor -%}
    {{ return(registry) }}
{%- endmacro %}

{#- The recommended segments in their order: those with a position
    (`recommended: 1` to 5) by position, then those with `recommended: true`
    by key. At most five; two segments cannot share a position. -#}
{% macro recommended_segment_keys(registry) -%}
    {%- set numbered = [] -%}
    {%- set unnumbered = [] -%}
    {%- for key, entry in registry.items() -%}
        {%- set value = entry.definition.recommended if entry.definition.recommended is defined else false -%}
        {%- if value is sameas true -%}
            {%- do unnumbered.append(key) -%}
        {%- elif segment_is_number(value) -%}
            {%- for other in numbered if other.position == value -%}
                {{ exceptions.raise_compiler_error("segments '" ~ other.key ~ "' and '" ~ key ~ "' are both recommended at position " ~ value ~ "; each position 1 to 5 holds one segment") }}
            {%- endfor -%}
            {%- do numbered.append({'key': key, 'position': value}) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set ordered = (numbered | sort(attribute='position') | map(attribute='key') | list) + (unnumbered | sort) -%}
    {%- if ordered | length > 5 -%}
        {{ exceptions.raise_compiler_error(ordered | length ~ " segments are recommended: " ~ (ordered | join(', ')) ~ "; at most five may be recommended") }}
    {%- endif -%}
    {{ return(ordered) }}
{%- endmacro %}

{#- A segment's members as of the as-of date: select contact_id from ... -#}
{% macro compile_segment(key, registry, as_of=none) -%}
    {{ return(compile_segment_parts(key, registry, as_of).sql) }}
{%- endmacro %}

{#- The SQL and the static lists it reads (segment, path, list key each). -#}
{% macro compile_segment_parts(key, registry, as_of=none, relations=none) -%}
    {%- if key not in registry -%}
        {{ exceptions.raise_compiler_error("unknown segment '" ~ key ~ "'; segments: " ~ (registry.keys() | list | join(', '))) }}
    {%- endif -%}
    {%- set context = {
        'key': key,
        'registry': registry,
        'stack': [key],
        'depth': 0,
        'as_of': as_of_date_string() if as_of is none else as_of,
        'fields': segment_contact_fields(),
        'relations': segment_relations() if relations is none else relations,
        'static_lists': [],
        'regexes': [],
        'referenced': [],
    } -%}
    {%- set sql = segment_members_query(context, registry[key].definition.condition) -%}
    {#- Segments named by in_segment / not_in_segment: each once, as a CTE
        that its users select from, dependencies first. -#}
    {%- if context.referenced -%}
        {%- set ctes = [] -%}
        {%- for reference in context.referenced -%}
            {%- do ctes.append(segment_cte_name(reference.key) ~ ' as ' ~ materialized_cte() ~ '(\n' ~ reference.sql ~ '\n)') -%}
        {%- endfor -%}
        {%- set sql = 'with\n' ~ (ctes | join(',\n')) ~ '\n' ~ sql -%}
    {%- endif -%}
    {{ return({'sql': sql, 'static_lists': context.static_lists, 'regexes': context.regexes}) }}
{%- endmacro %}

{#- The CTE that holds a referenced segment's members. -#}
{% macro segment_cte_name(key) -%}
    {{ return('in_segment_' ~ key) }}
{%- endmacro %}

{#- `materialized ` where the engine computes a CTE once on request
    (a CTE read by several conditions must not be evaluated per read). -#}
{% macro materialized_cte() -%}
    {{ return(adapter.dispatch('materialized_cte', 'customer_segments')()) }}
{%- endmacro %}

{% macro default__materialized_cte() -%}
    {{ return('materialized ') }}
{%- endmacro %}

{% macro spark__materialized_cte() -%}
    {{ return('') }}
{%- endmacro %}

{#- select contact_id from the contacts for which `condition` holds. -#}
{% macro segment_members_query(context, condition) -%}
    {%- set alias = 'c' ~ context.depth -%}
    {%- set predicate = segment_condition_sql(context, 'condition', condition, alias) -%}
    {{ return('select ' ~ alias ~ '.contact_id from ' ~ context.relations.contacts ~ ' as ' ~ alias ~ '\nwhere ' ~ predicate) }}
{%- endmacro %}

{#- One condition as a SQL boolean over contact alias `alias`. -#}
{% macro segment_condition_sql(context, path, condition, alias) -%}
    {%- set kinds = segment_condition_kinds() -%}
    {%- if not segment_is_mapping(condition) -%}
        {{ segment_error(context, path, "a condition must be a mapping with one of: " ~ (kinds.keys() | join(', '))) }}
    {%- endif -%}
    {%- set named = [] -%}
    {%- for name in condition if name in kinds -%}
        {%- do named.append(name) -%}
    {%- endfor -%}
    {%- if named | length != 1 -%}
        {%- set found = (condition.keys() | list | join(', ')) or 'nothing' -%}
        {{ segment_error(context, path, "a condition has exactly one of: " ~ (kinds.keys() | join(', ')) ~ " (found: " ~ found ~ ")") }}
    {%- endif -%}
    {%- set kind = named[0] -%}
    {%- for name in condition if name != kind and name not in kinds[kind] -%}
        {{ segment_error(context, path, "unknown key '" ~ name ~ "' in a " ~ kind ~ " condition; allowed: " ~ ([kind] + kinds[kind]) | join(', ')) }}
    {%- endfor -%}
    {%- set here = path ~ '.' ~ kind -%}
    {%- if kind in ['all', 'any'] -%}
        {%- set children = condition[kind] -%}
        {%- if not segment_is_list(children) or children | length == 0 -%}
            {{ segment_error(context, here, "must be a non-empty list of conditions") }}
        {%- endif -%}
        {%- set parts = [] -%}
        {%- for child in children -%}
            {%- do parts.append(segment_condition_sql(context, here ~ '[' ~ loop.index0 ~ ']', child, alias)) -%}
        {%- endfor -%}
        {{ return('(' ~ (parts | join(' and ' if kind == 'all' else ' or ')) ~ ')') }}
    {%- elif kind == 'not' -%}
        {{ return('(not ' ~ segment_condition_sql(context, here, condition['not'], alias) ~ ')') }}
    {%- elif kind == 'field' -%}
        {%- set name = condition.field -%}
        {%- if name not in context.fields -%}
            {{ segment_error(context, here, "unknown field '" ~ name ~ "'; fields of dim_contacts: " ~ (context.fields.keys() | sort | join(', '))) }}
        {%- endif -%}
        {{ return(segment_comparison_sql(context, here, alias ~ '.' ~ name, context.fields[name], condition, none)) }}
    {%- elif kind == 'score' -%}
        {%- set scores = segment_score_fields() -%}
        {%- set name = condition.score -%}
        {%- if name not in scores -%}
            {{ segment_error(context, here, "unknown score '" ~ name ~ "'; scores: " ~ (scores.keys() | join(', '))) }}
        {%- endif -%}
        {{ return(segment_comparison_sql(context, here, alias ~ '.' ~ name, scores[name].type, condition, scores[name]['values'])) }}
    {%- elif kind == 'subscription' -%}
        {{ return('coalesce(' ~ alias ~ '.subscription_status in ' ~ segment_literal_list(context, here, condition.subscription, 'text', segment_subscription_statuses()) ~ ', false)') }}
    {%- elif kind == 'tag' -%}
        {{ return(segment_tag_sql(context, here, condition, alias)) }}
    {%- elif kind in ['purchased', 'not_purchased'] -%}
        {{ return(segment_purchased_sql(context, here, condition[kind], alias, kind == 'not_purchased')) }}
    {%- elif kind == 'purchase_metric' -%}
        {{ return(segment_purchase_metric_sql(context, here, condition, alias)) }}
    {%- elif kind == 'first_order' -%}
        {%- set options = condition.first_order -%}
        {%- if not segment_is_mapping(options) or options.keys() | list != ['window'] -%}
            {{ segment_error(context, here, "must be {window: ...}") }}
        {%- endif -%}
        {{ return('coalesce(' ~ segment_window_sql(context, here ~ '.window', options.window, alias ~ '.first_valid_order_date') ~ ', false)') }}
    {%- elif kind == 'event' -%}
        {{ return(segment_event_sql(context, here, condition, alias)) }}
    {%- elif kind in ['in_segment', 'not_in_segment'] -%}
        {{ return(segment_membership_sql(context, here, condition[kind], alias, kind == 'not_in_segment')) }}
    {%- else -%}
        {%- set list_key = condition[kind] -%}
        {%- if list_key is not string or not modules.re.match('^[a-z][a-z0-9_]*$', list_key) -%}
            {{ segment_error(context, here, "'" ~ list_key ~ "' is not a static list key (snake_case)") }}
        {%- endif -%}
        {%- do context.static_lists.append({'segment': context.key, 'path': here, 'list_key': list_key}) -%}
        {%- set members = 'select s' ~ context.depth ~ '.contact_id from ' ~ context.relations.static_members ~ ' as s' ~ context.depth ~ ' where s' ~ context.depth ~ '.list_key = ' ~ sql_string_literal(list_key) -%}
        {{ return('(' ~ alias ~ '.contact_id ' ~ ('not in' if kind == 'not_in_static_list' else 'in') ~ ' (' ~ members ~ '))') }}
    {%- endif -%}
{%- endmacro %}

{#- field / score: an operator on a column of a value type. -#}
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
        {{ return('(' ~ column ~ (' is null' if op == 'is_null' else ' is not null') ~ ')') }}
    {%- endif -%}
    {%- if condition.value is not defined -%}
        {{ segment_error(context, path, op ~ " needs a value") }}
    {%- endif -%}
    {%- set value = condition.value -%}
    {%- set target = ('cast(' ~ column ~ ' as date)') if value_type == 'date' else column -%}
    {%- if op in ['in', 'not_in'] -%}
        {%- if not segment_is_list(value) -%}
            {{ segment_error(context, path ~ '.value', op ~ " needs a list of values") }}
        {%- endif -%}
        {%- set sql = target ~ (' not in ' if op == 'not_in' else ' in ') ~ segment_literal_list(context, path ~ '.value', value, value_type, allowed_values) -%}
    {%- elif op == 'between' -%}
        {%- if not segment_is_list(value) or value | length != 2 -%}
            {{ segment_error(context, path ~ '.value', "between needs a list of two values [low, high]") }}
        {%- endif -%}
        {%- set low = segment_literal(context, path ~ '.value[0]', value[0], value_type) -%}
        {%- set high = segment_literal(context, path ~ '.value[1]', value[1], value_type) -%}
        {%- if value[0] > value[1] -%}
            {{ segment_error(context, path ~ '.value', "between's low value " ~ value[0] ~ " is above its high value " ~ value[1]) }}
        {%- endif -%}
        {%- set sql = target ~ ' between ' ~ low ~ ' and ' ~ high -%}
    {%- elif op in ['within_last_days', 'before_days_ago'] -%}
        {%- if op == 'within_last_days' -%}
            {%- set days = segment_whole_number(context, path ~ '.value', value, 1) -%}
            {%- set sql = target ~ ' between ' ~ date_literal(segment_days_before(context, days - 1, path ~ '.value')) ~ ' and ' ~ date_literal(context.as_of) -%}
        {%- else -%}
            {%- set days = segment_whole_number(context, path ~ '.value', value, 0) -%}
            {%- set sql = target ~ ' <= ' ~ date_literal(segment_days_before(context, days, path ~ '.value')) -%}
        {%- endif -%}
    {%- elif op in ['contains', 'starts_with', 'ends_with', 'matches'] -%}
        {%- set literal = segment_literal(context, path ~ '.value', value, 'text') -%}
        {%- if op == 'contains' -%}
            {%- set sql = text_contains(target, literal) -%}
        {%- elif op == 'starts_with' -%}
            {%- set sql = 'substring(' ~ target ~ ', 1, ' ~ (value | length) ~ ') = ' ~ literal -%}
        {%- elif op == 'ends_with' -%}
            {%- set sql = dbt.right(target, value | length) ~ ' = ' ~ literal -%}
        {%- else -%}
            {%- do context.regexes.append({'segment': context.key, 'path': path ~ '.value', 'pattern': value}) -%}
            {%- set sql = regex_matches(target, literal) -%}
        {%- endif -%}
    {%- else -%}
        {%- if allowed_values is not none and value not in allowed_values -%}
            {{ segment_error(context, path ~ '.value', "unknown value '" ~ value ~ "'; allowed: " ~ (allowed_values | join(', '))) }}
        {%- endif -%}
        {%- set symbols = {'eq': '=', 'neq': '<>', 'gt': '>', 'gte': '>=', 'lt': '<', 'lte': '<='} -%}
        {%- set sql = target ~ ' ' ~ symbols[op] ~ ' ' ~ segment_literal(context, path ~ '.value', value, value_type) -%}
    {%- endif -%}
    {{ return('coalesce(' ~ sql ~ ', false)') }}
{%- endmacro %}

{% macro segment_tag_sql(context, path, condition, alias) -%}
    {%- set t = 't' ~ context.depth -%}
    {%- set filters = [t ~ '.contact_id = ' ~ alias ~ '.contact_id', t ~ '.tag = ' ~ segment_literal(context, path, condition.tag, 'text')] -%}
    {%- if condition.min_score is defined -%}
        {%- do filters.append(t ~ '.score >= ' ~ segment_literal(context, path ~ '.min_score', condition.min_score, 'number')) -%}
    {%- endif -%}
    {%- if condition.within_last_days is defined -%}
        {%- set days = segment_whole_number(context, path ~ '.within_last_days', condition.within_last_days, 1) -%}
        {%- do filters.append(t ~ '.last_tagged_date >= ' ~ date_literal(segment_days_before(context, days - 1, path ~ '.within_last_days'))) -%}
    {%- endif -%}
    {{ return('exists (select 1 from ' ~ context.relations.tags ~ ' as ' ~ t ~ ' where ' ~ (filters | join(' and ')) ~ ')') }}
{%- endmacro %}

{#- The purchase filters of `options` as SQL conditions on `line_alias`. -#}
{% macro segment_purchase_filter_sql(context, path, options, line_alias) -%}
    {%- set known = segment_purchase_filters() -%}
    {%- set filters = [] -%}
    {%- for name, column in known.items() if options[name] is defined -%}
        {%- do filters.append(line_alias ~ '.' ~ column ~ ' in ' ~ segment_literal_list(context, path ~ '.' ~ name, options[name], 'text')) -%}
    {%- endfor -%}
    {{ return(filters) }}
{%- endmacro %}

{#- Whether any product-level filter is set (they need order lines). -#}
{% macro segment_has_line_filters(options) -%}
    {{ return(options.products is defined or options.categories is defined or options.subcategories is defined or options.brands is defined) }}
{%- endmacro %}

{#- purchased / not_purchased: a valid order (or, with product filters, an
    order line) matching every filter within the window. -#}
{% macro segment_purchased_sql(context, path, options, alias, negate) -%}
    {%- set options = {} if options is none else options -%}
    {%- if not segment_is_mapping(options) -%}
        {{ segment_error(context, path, "must be a mapping of filters (products, categories, subcategories, brands, channels, window) or empty") }}
    {%- endif -%}
    {%- set allowed = (segment_purchase_filters().keys() | list) + ['window'] -%}
    {%- for name in options if name not in allowed -%}
        {{ segment_error(context, path, "unknown purchase filter '" ~ name ~ "'; allowed: " ~ (allowed | join(', '))) }}
    {%- endfor -%}
    {%- set source = 'l' ~ context.depth -%}
    {%- set relation = context.relations.lines if segment_has_line_filters(options) else context.relations.orders -%}
    {%- set filters = [source ~ '.contact_id = ' ~ alias ~ '.contact_id'] + segment_purchase_filter_sql(context, path, options, source) -%}
    {%- do filters.append(segment_window_sql(context, path ~ '.window', options.window, source ~ '.ordered_date')) -%}
    {{ return('(' ~ ('not ' if negate else '') ~ 'exists (select 1 from ' ~ relation ~ ' as ' ~ source ~ ' where ' ~ (filters | join(' and ')) ~ '))') }}
{%- endmacro %}

{#- order_count, total_spent or average_order_value compared with a number.
    AOV is compared as total_spent op value x order_count (exact decimals),
    and only for contacts with an order. -#}
{% macro segment_purchase_metric_sql(context, path, condition, alias) -%}
    {%- set metrics = ['order_count', 'total_spent', 'average_order_value'] -%}
    {%- set metric = condition.purchase_metric -%}
    {%- if metric not in metrics -%}
        {{ segment_error(context, path, "unknown purchase metric '" ~ metric ~ "'; metrics: " ~ (metrics | join(', '))) }}
    {%- endif -%}
    {%- set operators = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'between'] -%}
    {%- set op = condition.op -%}
    {%- if op not in operators -%}
        {{ segment_error(context, path, "unknown operator '" ~ op ~ "' for a purchase metric; operators: " ~ (operators | join(', '))) }}
    {%- endif -%}
    {%- if condition.value is not defined -%}
        {{ segment_error(context, path, op ~ " needs a value") }}
    {%- endif -%}
    {%- set source = 'l' ~ context.depth -%}
    {%- set uses_lines = segment_has_line_filters(condition) -%}
    {%- set relation = context.relations.lines if uses_lines else context.relations.orders -%}
    {%- set filters = [source ~ '.contact_id = ' ~ alias ~ '.contact_id'] + segment_purchase_filter_sql(context, path, condition, source) -%}
    {%- do filters.append(segment_window_sql(context, path ~ '.window', condition.window, source ~ '.ordered_date')) -%}
    {%- set where = ' from ' ~ relation ~ ' as ' ~ source ~ ' where ' ~ (filters | join(' and ')) -%}
    {%- set order_count = '(select count(distinct ' ~ source ~ '.order_id)' ~ where ~ ')' -%}
    {%- set total = '(select coalesce(sum(' ~ source ~ ('.line_revenue' if uses_lines else '.net_revenue') ~ '), 0)' ~ where ~ ')' -%}
    {%- set symbols = {'eq': '=', 'neq': '<>', 'gt': '>', 'gte': '>=', 'lt': '<', 'lte': '<='} -%}
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
    {%- if metric == 'average_order_value' -%}
        {%- set measured = total -%}
        {%- if op == 'between' -%}
            {%- set sql = measured ~ ' between ' ~ low ~ ' * ' ~ order_count ~ ' and ' ~ high ~ ' * ' ~ order_count -%}
        {%- else -%}
            {%- set sql = measured ~ ' ' ~ symbols[op] ~ ' ' ~ number ~ ' * ' ~ order_count -%}
        {%- endif -%}
        {%- set sql = '(' ~ order_count ~ ' > 0 and ' ~ sql ~ ')' -%}
    {%- else -%}
        {%- set measured = order_count if metric == 'order_count' else total -%}
        {%- if op == 'between' -%}
            {%- set sql = measured ~ ' between ' ~ low ~ ' and ' ~ high -%}
        {%- else -%}
            {%- set sql = measured ~ ' ' ~ symbols[op] ~ ' ' ~ number -%}
        {%- endif -%}
    {%- endif -%}
    {{ return('coalesce(' ~ sql ~ ', false)') }}
{%- endmacro %}

{#- event: how often (at_least / at_most / exactly n, default at least 1)
    within a window, or when last (last_within_days / last_before_days),
    with optional `where` filters. -#}
{% macro segment_event_sql(context, path, condition, alias) -%}
    {%- set e = 'e' ~ context.depth -%}
    {%- if condition.event not in segment_event_types() -%}
        {{ segment_error(context, path, "unknown event type '" ~ condition.event ~ "'; event types: " ~ (segment_event_types() | join(', '))) }}
    {%- endif -%}
    {%- set filters = [e ~ '.contact_id = ' ~ alias ~ '.contact_id', e ~ '.event_type = ' ~ sql_string_literal(condition.event)] -%}
    {%- set where = {} if condition.where is not defined else condition.where -%}
    {%- if not segment_is_mapping(where) -%}
        {{ segment_error(context, path ~ '.where', "must be a mapping of filters: " ~ (segment_event_filters().keys() | join(', '))) }}
    {%- endif -%}
    {%- set known = segment_event_filters() -%}
    {%- for name, value in where.items() -%}
        {%- if name not in known -%}
            {{ segment_error(context, path ~ '.where', "unknown event filter '" ~ name ~ "'; filters: " ~ (known.keys() | join(', '))) }}
        {%- endif -%}
        {%- set column = e ~ '.' ~ known[name] -%}
        {%- if name == 'url_contains' -%}
            {%- do filters.append(text_contains(column, segment_literal(context, path ~ '.where.' ~ name, value, 'text'))) -%}
        {%- elif name == 'url_matches' -%}
            {%- do filters.append(regex_matches(column, segment_literal(context, path ~ '.where.' ~ name, value, 'text'))) -%}
            {%- do context.regexes.append({'segment': context.key, 'path': path ~ '.where.' ~ name, 'pattern': value}) -%}
        {%- else -%}
            {%- set allowed = segment_traffic_sources() if name == 'traffic_source' else none -%}
            {%- do filters.append(column ~ ' in ' ~ segment_literal_list(context, path ~ '.where.' ~ name, value, 'text', allowed)) -%}
        {%- endif -%}
    {%- endfor -%}
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
    {%- if mode == 'last_within_days' -%}
        {%- set days = segment_whole_number(context, path ~ '.last_within_days', condition.last_within_days, 1) -%}
        {%- do filters.append(e ~ '.occurred_date >= ' ~ date_literal(segment_days_before(context, days - 1, path ~ '.last_within_days'))) -%}
        {{ return('exists (select 1 from ' ~ context.relations.events ~ ' as ' ~ e ~ ' where ' ~ (filters | join(' and ')) ~ ')') }}
    {%- elif mode == 'last_before_days' -%}
        {%- set days = segment_whole_number(context, path ~ '.last_before_days', condition.last_before_days, 0) -%}
        {{ return('coalesce((select max(' ~ e ~ '.occurred_date) from ' ~ context.relations.events ~ ' as ' ~ e ~ ' where ' ~ (filters | join(' and ')) ~ ') <= ' ~ date_literal(segment_days_before(context, days, path ~ '.last_before_days')) ~ ', false)') }}
    {%- endif -%}
    {%- set times = segment_whole_number(context, path ~ '.' ~ mode, condition[mode] if condition[mode] is defined else 1, 0) -%}
    {%- do filters.append(segment_window_sql(context, path ~ '.window', condition.window, e ~ '.occurred_date')) -%}
    {%- set symbols = {'at_least': '>=', 'at_most': '<=', 'exactly': '='} -%}
    {{ return('((select count(*) from ' ~ context.relations.events ~ ' as ' ~ e ~ ' where ' ~ (filters | join(' and ')) ~ ') ' ~ symbols[mode] ~ ' ' ~ times ~ ')') }}
{%- endmacro %}

{#- in_segment / not_in_segment: membership of the other segment, whose
    condition is compiled once into a CTE (compile_segment_parts) however
    often it is named, so SQL grows linearly with the definitions; a cycle
    stops the build naming its segments. -#}
{% macro segment_membership_sql(context, path, other, alias, negate) -%}
    {%- if other is not string or other not in context.registry -%}
        {{ segment_error(context, path, "unknown segment '" ~ other ~ "'; segments: " ~ (context.registry.keys() | list | join(', '))) }}
    {%- endif -%}
    {%- if other in context.stack -%}
        {{ exceptions.raise_compiler_error("segments form a cycle: " ~ ((context.stack[context.stack.index(other):] + [other]) | join(' -> ')) ~ "; a segment cannot depend on itself through in_segment / not_in_segment") }}
    {%- endif -%}
    {%- if other not in context.referenced | map(attribute='key') | list -%}
        {%- set inner = {} -%}
        {%- do inner.update(context) -%}
        {%- do inner.update({'key': other, 'stack': context.stack + [other], 'depth': 0}) -%}
        {%- set members = segment_members_query(inner, context.registry[other].definition.condition) -%}
        {%- do context.referenced.append({'key': other, 'sql': members}) -%}
    {%- endif -%}
    {{ return('(' ~ alias ~ '.contact_id ' ~ ('not in' if negate else 'in') ~ ' (select ' ~ segment_cte_name(other) ~ '.contact_id from ' ~ segment_cte_name(other) ~ '))') }}
{%- endmacro %}

{#- The body of a segment model (models/segments/seg_<key>.sql): its
    members as of the as-of date. -#}
{% macro segment_model() -%}
    {%- set relations = segment_relations() -%}
    {%- if execute -%}
        {%- set registry = segment_registry() -%}
        {%- set key = model.name[4:] -%}
        {%- if key not in registry -%}
            {{ exceptions.raise_compiler_error("model '" ~ model.name ~ "' calls segment_model() but has no meta.segment in its YAML; see docs/segments.md \"Add a segment\"") }}
        {%- endif -%}
        {%- do validate_segment_attributes(key, registry[key].definition) -%}
        {%- set members_sql = compile_segment(key, registry) -%}
    {%- else -%}
        {%- set key = model.name[4:] -%}
        {%- set members_sql = 'select contact_id from ' ~ relations.contacts -%}
    {%- endif %}
-- Segment {{ key }}: its condition compiled to SQL (docs/segments.md).
with

members as (
    {{ members_sql | indent(4) }}
),

final as (
    select
        {{ sql_string_literal(key) }} as segment_key,
        members.contact_id,
        {{ as_of_date() }} as as_of_date
    from members
)

select * from final
{%- endmacro %}

{#- On-run-start, after the static list tables exist: what only the
    warehouse can answer about the definitions. A definition must read the
    same as written in its YAML file (dbt renders Jinja in YAML, so an
    `{{ env_var(...) }}` would otherwise reach marts.segments). A static list a condition
    names must exist as of the as-of date, and every regular expression
    (matches, url_matches) must compile on the engine; otherwise the build
    stops before any model runs, naming the segment, the path and the value. -#}
{% macro check_segment_references() %}
    {%- if execute and flags.WHICH in ['run', 'build'] -%}
        {%- set names = {} -%}
        {%- for input in ['contacts', 'orders', 'lines', 'events', 'tags', 'static_members'] -%}
            {%- do names.update({input: input}) -%}
        {%- endfor -%}
        {%- set registry = segment_registry() -%}
        {%- set written = segment_written_definitions(registry) -%}
        {%- for key in written -%}
            {%- do check_segment_written_as_rendered(key, registry[key].definition, written[key]) -%}
        {%- endfor -%}
        {%- set lists = [] -%}
        {%- set regexes = [] -%}
        {%- for key in registry -%}
            {%- set parts = compile_segment_parts(key, registry, relations=names) -%}
            {%- do lists.extend(parts.static_lists) -%}
            {%- do regexes.extend(parts.regexes) -%}
        {%- endfor -%}
        {%- if lists -%}
            {%- set known = run_query('select list_key from ' ~ static_list_relation('static_lists') ~ ' where effective_date <= ' ~ as_of_date() ~ ' order by list_key').columns[0].values() | list -%}
            {%- for reference in lists if reference.list_key not in known -%}
                {{ exceptions.raise_compiler_error("segment '" ~ reference.segment ~ "', " ~ reference.path ~ ": unknown static list '" ~ reference.list_key ~ "' (none effective as of " ~ as_of_date_string() ~ "); static lists: " ~ ((known | join(', ')) or 'none')) }}
            {%- endfor -%}
        {%- endif -%}
        {%- for regex in regexes -%}
            {%- if not regex_is_valid(regex.pattern) -%}
                {{ exceptions.raise_compiler_error("segment '" ~ regex.segment ~ "', " ~ regex.path ~ ": '" ~ regex.pattern ~ "' is not a valid regular expression on " ~ target.type ~ " (RE2 syntax on DuckDB: no look-around or back-references)") }}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    select 1
{% endmacro %}

{#- Whether the engine compiles `pattern` as a regular expression. -#}
{% macro regex_is_valid(pattern) -%}
    {{ return(adapter.dispatch('regex_is_valid', 'customer_segments')(pattern)) }}
{%- endmacro %}

{#- Elsewhere an invalid pattern stops the segment's model with the
    engine's own error. -#}
{% macro default__regex_is_valid(pattern) -%}
    {{ return(true) }}
{%- endmacro %}

{% macro duckdb__regex_is_valid(pattern) -%}
    {{ return(run_query('select try(regexp_matches(' ~ sql_string_literal('') ~ ', ' ~ sql_string_literal(pattern) ~ ')) is not null').columns[0].values()[0]) }}
{%- endmacro %}

{#- dbt run-operation segment_sql --args '{condition: {...}, segments: {key:
    condition, ...}, as_of_date: YYYY-MM-DD}': checks a condition and logs
    the SQL selecting its members, without a build. `segments` adds (or
    replaces) segments that in_segment can name. For trying a condition
    and for the tests. -#}
{% macro segment_sql(condition, segments=none, as_of_date=none, key='adhoc') %}
    {%- set registry = {} -%}
    {%- do registry.update(segment_registry()) -%}
    {%- for other, other_condition in (segments or {}).items() -%}
        {%- do registry.update({other: {'definition': {'condition': other_condition}, 'model': none, 'path': none}}) -%}
    {%- endfor -%}
    {%- do registry.update({key: {'definition': {'condition': condition}, 'model': none, 'path': none}}) -%}
    {%- set sql = compile_segment(key, registry, as_of_date) -%}
    {{ log('-- segment_sql begin\n' ~ sql ~ '\n-- segment_sql end', info=True) }}
{% endmacro %}
