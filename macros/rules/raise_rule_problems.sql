{#- Post-hook of a rule-check model (a view whose rows are problems, each
    with a `message` and a `sort_key`): when it has any row, stop the build
    and print them all, so a bad seed or var is fixed in one pass. -#}
{% macro raise_rule_problems(relation, max_listed=50) -%}
    {%- if execute -%}
        {%- set result = run_query('select message from ' ~ relation ~ ' order by sort_key, message') -%}
        {%- set messages = result.columns[0].values() | list -%}
        {%- if messages | length > 0 -%}
            {%- set listed = messages[:max_listed] -%}
            {%- set more = messages | length - listed | length -%}
            {{ exceptions.raise_compiler_error(
                relation.identifier ~ " found " ~ (messages | length) ~ " problem(s); fix them and build again:\n  - "
                ~ (listed | join("\n  - "))
                ~ (("\n  ... and " ~ more ~ " more (select * from " ~ relation ~ ")") if more > 0 else "")
            ) }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
