{#- Segment conditions compiled to SQL. A segment's members are the contacts
    of int_segment_contacts for which its condition is true; every leaf
    condition is true or false (never null: a comparison with a missing
    value is false), so `not` is plain negation. Each condition kind is
    compiled by the macro segment_condition_handlers() names, one file per
    family under macros/segments/conditions/. docs/segments.md. -#}

{#- A segment's members as of the as-of date: select contact_id from ... -#}
{% macro compile_segment(key, registry, as_of=none) -%}
    {{ return(compile_segment_parts(key, registry, as_of).sql) }}
{%- endmacro %}

{#- The SQL, and the static lists and regular expressions it reads (the
    segment, the path and the value each), for the on-run-start checks. -#}
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
    {%- set members = segment_members_query(context, registry[key].definition.condition) -%}
    {#- Segments named by in_segment / not_in_segment: each once, as a CTE
        that its users select from, dependencies first. -#}
    {%- set sql -%}
        {%- if context.referenced -%}
with
{% for reference in context.referenced -%}
{{ segment_cte_name(reference.key) }} as {{ materialized_cte() }}(
{{ reference.sql }}
){{ ',' if not loop.last }}
{% endfor -%}
        {%- endif -%}
{{ members }}
    {%- endset -%}
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
select {{ alias }}.contact_id from {{ context.relations.contacts }} as {{ alias }}
where {{ segment_condition_sql(context, 'condition', condition, alias) }}
{%- endmacro %}

{#- A per-contact aggregate condition without a correlated subquery (which
    PostgreSQL runs once per contact): true for the contacts whose rows
    `from_where` (`from <relation> as <source> where ...`, not naming the
    contact) satisfy `having`, and, when `holds_without_rows`, for the
    contacts with no such row (e.g. `at_most 2` holds for a contact with
    no event). -#}
{% macro segment_per_contact_sql(alias, source, from_where, having, holds_without_rows) -%}
({{ alias }}.contact_id in (select {{ source }}.contact_id {{ from_where }} group by {{ source }}.contact_id having {{ having }})
    {%- if holds_without_rows %} or {{ alias }}.contact_id not in (select {{ source }}.contact_id {{ from_where }} and {{ source }}.contact_id is not null){% endif -%}
)
{%- endmacro %}

{#- Whether `0 <op> value` (or, for between, low <= 0 <= high) holds: what a
    count or sum compares when the contact has no row. -#}
{% macro segment_holds_at_zero(op, value) -%}
    {%- if op == 'between' -%}
        {{ return(value[0] <= 0 and 0 <= value[1]) }}
    {%- endif -%}
    {{ return({'eq': 0 == value, 'neq': 0 != value, 'gt': 0 > value, 'gte': 0 >= value, 'lt': 0 < value, 'lte': 0 <= value}[op]) }}
{%- endmacro %}

{#- The macro that compiles each condition kind. Each takes (context, path
    to the kind, condition, kind, contact alias) and writes a SQL boolean. -#}
{% macro segment_condition_handlers() -%}
    {{ return({
        'all': segment_combined_sql,
        'any': segment_combined_sql,
        'not': segment_not_sql,
        'field': segment_field_sql,
        'score': segment_score_sql,
        'subscription': segment_subscription_sql,
        'first_order': segment_first_order_sql,
        'tag': segment_tag_sql,
        'purchased': segment_purchased_sql,
        'not_purchased': segment_purchased_sql,
        'purchase_metric': segment_purchase_metric_sql,
        'event': segment_event_sql,
        'in_segment': segment_membership_sql,
        'not_in_segment': segment_membership_sql,
        'in_static_list': segment_static_list_sql,
        'not_in_static_list': segment_static_list_sql,
    }) }}
{%- endmacro %}

{#- One condition as a SQL boolean over contact alias `alias`: exactly one
    kind, with only the keys that kind accepts. -#}
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
    {{ return(segment_condition_handlers()[kind](context, path ~ '.' ~ kind, condition, kind, alias) | trim) }}
{%- endmacro %}

{#- all / any: every / some condition of a non-empty list. -#}
{% macro segment_combined_sql(context, path, condition, kind, alias) -%}
    {%- set children = condition[kind] -%}
    {%- if not segment_is_list(children) or children | length == 0 -%}
        {{ segment_error(context, path, "must be a non-empty list of conditions") }}
    {%- endif -%}
    {%- set parts = [] -%}
    {%- for child in children -%}
        {%- do parts.append(segment_condition_sql(context, path ~ '[' ~ loop.index0 ~ ']', child, alias)) -%}
    {%- endfor -%}
({{ parts | join(' and ' if kind == 'all' else ' or ') }})
{%- endmacro %}

{#- not: the negation (conditions are never null). -#}
{% macro segment_not_sql(context, path, condition, kind, alias) -%}
(not {{ segment_condition_sql(context, path, condition['not'], alias) }})
{%- endmacro %}
