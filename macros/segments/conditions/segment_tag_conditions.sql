{#- tag: the contact has the tag (int_contact_tag_scores: imported, rule and
    ad hoc tags), optionally with a minimum score or tagged recently. -#}
{% macro segment_tag_sql(context, path, condition, kind, alias) -%}
    {%- set t = 't' ~ context.depth -%}
    {%- set tag = segment_literal(context, path, condition.tag, 'text') -%}
    {%- if condition.min_score is defined -%}
        {%- set min_score = segment_literal(context, path ~ '.min_score', condition.min_score, 'number') -%}
    {%- endif -%}
    {%- if condition.within_last_days is defined -%}
        {%- set days = segment_whole_number(context, path ~ '.within_last_days', condition.within_last_days, 1) -%}
        {%- set since = date_literal(segment_days_before(context, days - 1, path ~ '.within_last_days')) -%}
    {%- endif -%}
exists (select 1 from {{ context.relations.tags }} as {{ t }} where {{ t }}.contact_id = {{ alias }}.contact_id and {{ t }}.tag = {{ tag }}
    {%- if min_score is defined %} and {{ t }}.score >= {{ min_score }}{% endif %}
    {%- if since is defined %} and {{ t }}.last_tagged_date >= {{ since }}{% endif %})
{%- endmacro %}
