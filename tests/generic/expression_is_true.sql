{#- Fails on every row for which the SQL expression is not true (null counts
    as not true). -#}
{% test expression_is_true(model, expression, column_name=none) %}
    select *
    from {{ model }}
    where not coalesce({{ expression }}, false)
{% endtest %}
