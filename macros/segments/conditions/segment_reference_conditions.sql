{#- Conditions naming another segment or a static list. -#}

{#- in_segment / not_in_segment: membership of the other segment, whose
    condition is compiled once into a CTE (compile_segment_parts) however
    often it is named, so SQL grows linearly with the definitions; a cycle
    stops the build naming its segments. -#}
{% macro segment_membership_sql(context, path, condition, kind, alias) -%}
    {%- set other = condition[kind] -%}
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
    {%- set cte = segment_cte_name(other) -%}
({{ alias }}.contact_id {{ 'not ' if kind == 'not_in_segment' }}in (select {{ cte }}.contact_id from {{ cte }}))
{%- endmacro %}

{#- in_static_list / not_in_static_list: membership of a static list
    effective as of the as-of date (the on-run-start check makes sure the
    list exists). -#}
{% macro segment_static_list_sql(context, path, condition, kind, alias) -%}
    {%- set list_key = condition[kind] -%}
    {%- if list_key is not string or not modules.re.match('^[a-z][a-z0-9_]*$', list_key) -%}
        {{ segment_error(context, path, "'" ~ list_key ~ "' is not a static list key (snake_case)") }}
    {%- endif -%}
    {%- do context.static_lists.append({'segment': context.key, 'path': path, 'list_key': list_key}) -%}
    {%- set s = 's' ~ context.depth -%}
({{ alias }}.contact_id {{ 'not ' if kind == 'not_in_static_list' }}in (select {{ s }}.contact_id from {{ context.relations.static_members }} as {{ s }} where {{ s }}.list_key = {{ sql_string_literal(list_key) }}))
{%- endmacro %}
