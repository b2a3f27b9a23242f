{#- The segment models and the checks that need the warehouse or the whole
    project: segment_model() (the body of every seg_<key> model), the
    on-run-start checks, and segment_sql for trying a condition. -#}

{#- The body of a segment model (models/segments/seg_<key>.sql): its
    members as of the as-of date. The only place a segment is evaluated:
    int_segment_members reads these tables. -#}
{% macro segment_model() -%}
    {%- set relations = segment_relations() -%}
    {%- set key = model.name[4:] -%}
    {%- if execute -%}
        {%- set registry = segment_registry() -%}
        {%- if key not in registry -%}
            {{ exceptions.raise_compiler_error("model '" ~ model.name ~ "' calls segment_model() but has no meta.segment in its YAML; see docs/segments.md \"Add a segment\"") }}
        {%- endif -%}
        {%- do validate_segment_attributes(key, registry[key].definition) -%}
        {%- set members_sql = compile_segment(key, registry) -%}
    {%- else -%}
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

{#- Stops the build unless the segment models int_segment_members reads are
    exactly the segments (the models with meta.segment), and every model that
    calls segment_model() has a definition. -#}
{% macro check_segment_models(registry) -%}
    {%- set union = 'models/segments/intermediate/int_segment_members.sql' -%}
    {%- set read = [] -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.name == 'int_segment_members' and node.package_name == 'customer_segments' -%}
        {%- for parent in node.depends_on.nodes if parent.startswith('model.') and parent.split('.')[-1].startswith('seg_') -%}
            {%- do read.append(parent.split('.')[-1][4:]) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- for key, entry in registry.items() if key not in read -%}
        {{ exceptions.raise_compiler_error("segment '" ~ key ~ "' (" ~ entry.path ~ ") is not read by " ~ union ~ "; add ref('" ~ entry.model ~ "') to its list of segment models (docs/segments.md \"Add a segment\")") }}
    {%- endfor -%}
    {%- for key in read if key not in registry -%}
        {{ exceptions.raise_compiler_error(union ~ " reads seg_" ~ key ~ ", which is not a segment: its YAML has no meta.segment (docs/segments.md \"Add a segment\")") }}
    {%- endfor -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.package_name == 'customer_segments' and 'segment_model()' in node.raw_code and node.name[4:] not in registry -%}
        {{ exceptions.raise_compiler_error("model '" ~ node.name ~ "' (" ~ node.original_file_path ~ ") calls segment_model() but has no meta.segment in its YAML; see docs/segments.md \"Add a segment\"") }}
    {%- endfor -%}
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
        {%- do check_segment_models(registry) -%}
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
    replaces) segments that in_segment can name. `conditions: {name:
    condition, ...}` instead of `condition` checks several at once (each as
    a segment of that name) and logs each one's SQL under its name. For
    trying conditions and for the tests. -#}
{% macro segment_sql(condition=none, segments=none, as_of_date=none, key='adhoc', conditions=none) %}
    {%- set registry = {} -%}
    {%- do registry.update(segment_registry()) -%}
    {%- for other, other_condition in (segments or {}).items() -%}
        {%- do registry.update({other: {'definition': {'condition': other_condition}, 'model': none, 'path': none}}) -%}
    {%- endfor -%}
    {%- set named = {key: condition} if conditions is none else conditions -%}
    {%- for name, each in named.items() -%}
        {%- do registry.update({name: {'definition': {'condition': each}, 'model': none, 'path': none}}) -%}
        {%- set sql = compile_segment(name, registry, as_of_date) -%}
        {%- set label = '' if conditions is none else ' ' ~ name -%}
        {{ log('-- segment_sql begin' ~ label ~ '\n' ~ sql ~ '\n-- segment_sql end', info=True) }}
    {%- endfor -%}
{% endmacro %}

{#- dbt run-operation count_segment --args '{key: KEY}' (or '{condition: {...}}'):
    counts the members of a segment, or of a condition not yet saved as one,
    against the built warehouse, without a build (SALESmanago's "count";
    `make count`, orchestration/segment_count.py). The intermediate tables
    the conditions read hold one as-of date, that of the last build: the
    count is as of it, and another `as_of_date` stops with a message. Logs
    one line: `segment_count <key> <members> <as-of date>`. -#}
{% macro count_segment(key=none, condition=none, as_of_date=none) %}
    {%- set registry = segment_registry() -%}
    {%- if (key is none) == (condition is none) -%}
        {{ exceptions.raise_compiler_error("count_segment: give a segment key (key) or a condition (condition), not both and not neither") }}
    {%- endif -%}
    {%- if condition is not none -%}
        {%- set key = 'counted_condition' -%}
        {%- do registry.update({key: {'definition': {'condition': condition}, 'model': none, 'path': none}}) -%}
    {%- elif key not in registry -%}
        {{ exceptions.raise_compiler_error("count_segment: unknown segment '" ~ key ~ "'; segments: " ~ (registry.keys() | list | join(', '))) }}
    {%- endif -%}
    {%- set contacts = ref('int_segment_contacts') -%}
    {%- if load_relation(contacts) is none -%}
        {{ exceptions.raise_compiler_error("count_segment: " ~ contacts ~ " does not exist: build the warehouse first (make run)") }}
    {%- endif -%}
    {%- set built = run_query('select cast(max(as_of_date) as ' ~ dbt.type_string() ~ ') from ' ~ contacts).columns[0].values()[0] -%}
    {%- if built is none -%}
        {{ exceptions.raise_compiler_error("count_segment: " ~ contacts ~ " is empty: build the warehouse first (make run)") }}
    {%- endif -%}
    {%- if as_of_date is not none and (as_of_date | string) != built -%}
        {{ exceptions.raise_compiler_error("count_segment: the warehouse is built as of " ~ built ~ ", not " ~ as_of_date ~ "; counts are as of the last build: build " ~ as_of_date ~ " first (make build AS_OF_DATE=" ~ as_of_date ~ ")") }}
    {%- endif -%}
    {%- set sql = compile_segment(key, registry, built) -%}
    {%- set members = run_query('select count(*) from (' ~ sql ~ ') as members').columns[0].values()[0] -%}
    {{ log('segment_count ' ~ key ~ ' ' ~ members ~ ' ' ~ built, info=True) }}
{% endmacro %}
