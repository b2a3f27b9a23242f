{#- Fails on every combination of the columns that appears more than once. -#}
{% test unique_combination_of_columns(model, combination) %}
    {%- if combination | length < 2 -%}
        {{ exceptions.raise_compiler_error("unique_combination_of_columns on " ~ model ~ ": give two or more columns; use unique for one") }}
    {%- endif -%}
    select
        {{ combination | join(', ') }},
        count(*) as occurrences
    from {{ model }}
    group by {{ combination | join(', ') }}
    having count(*) > 1
{% endtest %}
