{#- CTEs giving each contact's row at both ends of the movement period, read
    from a history table when it holds that date built with the same
    configuration, otherwise from this build's computed rows. Call it inside
    a model's `with`, after import CTEs named by `history` and `computed`
    (both with as_of_date and contact_id); it defines `periods`,
    `history_rows`, `dates_in_history`, `computed_rows` and `period_rows`
    (period_end, as_of_date, contact_id, the columns, scores_source), and
    ends with a comma. -#}
{% macro movement_period_rows(history, computed, columns, same_configuration) -%}
    {%- set dates = movement_dates() -%}
periods as (
    select
        'start' as period_end,
        {{ date_literal(dates[0]) }} as as_of_date
    union all
    select
        'end' as period_end,
        {{ date_literal(dates[1]) }} as as_of_date
),

history_rows as (
    select
        periods.period_end,
        {{ history }}.as_of_date,
        {{ history }}.contact_id,
        {%- for column in columns %}
        {{ history }}.{{ column }},
        {%- endfor %}
        'history' as scores_source
    from periods
    inner join {{ history }}
        on periods.as_of_date = {{ history }}.as_of_date
    where
        {%- for column, value in same_configuration.items() %}
        {{ 'and ' if not loop.first }}{{ history }}.{{ column }} = {{ value if value is number else sql_string_literal(value) }}
        {%- endfor %}
),

dates_in_history as (
    select distinct period_end
    from history_rows
),

computed_rows as (
    select
        periods.period_end,
        {{ computed }}.as_of_date,
        {{ computed }}.contact_id,
        {%- for column in columns %}
        {{ computed }}.{{ column }},
        {%- endfor %}
        'computed' as scores_source
    from periods
    inner join {{ computed }}
        on periods.as_of_date = {{ computed }}.as_of_date
    left join dates_in_history
        on periods.period_end = dates_in_history.period_end
    where dates_in_history.period_end is null
),

period_rows as (
    select * from history_rows
    union all
    select * from computed_rows
),
{%- endmacro %}
