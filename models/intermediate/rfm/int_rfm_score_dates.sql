{#- The as-of date, and the persona-movement start and end dates, each once. -#}
{%- set as_of = as_of_date_string() -%}
{%- set movement = persona_movement_dates() -%}
{%- set dates = [as_of, movement[0], movement[1]] | unique | list -%}

with

score_dates as (
    {%- for day in dates %}
    select
        {{ date_literal(day) }} as as_of_date,
        {{ 'true' if day == as_of else 'false' }} as is_build_as_of_date,
        {{ 'true' if day == movement[0] else 'false' }} as is_movement_start_date,
        {{ 'true' if day == movement[1] else 'false' }} as is_movement_end_date
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

final as (
    select * from score_dates
)

select * from final
