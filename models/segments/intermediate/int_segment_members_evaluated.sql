{{ config(materialized='table') }}
-- One row per segment (and static list) and member contact as of the
-- as-of date: every segment's compiled condition, evaluated here in one
-- table; the seg_<key> views hold the same SQL one segment each.
{%- set relations = segment_relations() -%}
{%- set registry = validated_segment_registry() if execute else {} %}
with

static_members as (
    select * from {{ relations.static_members }}
),

{% for key in registry -%}
segment_{{ loop.index }} as (
    {{ compile_segment(key, registry) | indent(4) }}
),

{% endfor -%}
final as (
    {%- for key in registry %}
    select
        {{ sql_string_literal(key) }} as segment_key,
        contact_id
    from segment_{{ loop.index }}
    union all
    {%- endfor %}
    select
        list_key as segment_key,
        contact_id
    from static_members
)

select * from final
