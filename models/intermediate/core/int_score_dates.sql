{#- The dates scored in one build: the as-of date, the movement start and
    end, the date engagement-status changes are measured from, and the
    backtest's cutoff date (persona_backtest); each once. -#}
{%- set as_of = as_of_date_string() -%}
{%- set movement = movement_dates() -%}
{%- set changes_start = engagement_changes_start_date() -%}
{%- set backtest_cutoff = backtest_dates()[0] -%}
{%- set dates = [as_of, movement[0], movement[1], changes_start, backtest_cutoff] | unique | list -%}

with

score_dates as (
    {%- for day in dates %}
    select
        {{ date_literal(day) }} as as_of_date,
        {{ 'true' if day == as_of else 'false' }} as is_build_as_of_date,
        {{ 'true' if day == movement[0] else 'false' }} as is_movement_start_date,
        {{ 'true' if day == movement[1] else 'false' }} as is_movement_end_date,
        {{ 'true' if day == changes_start else 'false' }} as is_changes_start_date,
        {{ 'true' if day == backtest_cutoff else 'false' }} as is_backtest_cutoff_date,
        {{ 'true' if day in [as_of, movement[0], movement[1], changes_start] else 'false' }} as is_engagement_date
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

final as (
    select * from score_dates
)

select * from final
