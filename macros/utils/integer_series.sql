{#- A one-column relation of the whole numbers first..last, as portable
    `select n union all ...` (the ranges here are small: scores, sums of two
    scores). -#}
{% macro integer_series(first, last, column_name) -%}
    {%- for number in range(first, last + 1) %}
    select {{ number }} as {{ column_name }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}
