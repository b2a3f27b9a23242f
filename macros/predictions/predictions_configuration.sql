{#- Settings of the customer predictions and their backtest (docs/predictions.md). -#}

{#- The backtest's [cutoff date, holdout end date] as YYYY-MM-DD strings: var
    backtest_cutoff_date (default the as-of date minus backtest_holdout_days)
    and the cutoff plus var backtest_holdout_days, which must be on or before
    the as-of date: the backtest reads nothing after it. -#}
{% macro backtest_dates() -%}
    {%- set as_of = as_of_date_string() -%}
    {%- set holdout_days = days_var('backtest_holdout_days') -%}
    {%- set parts = as_of.split('-') -%}
    {%- set as_of_day = modules.datetime.date(parts[0] | int, parts[1] | int, parts[2] | int) -%}
    {%- set cutoff_text = var_text('backtest_cutoff_date') -%}
    {%- if cutoff_text != '' -%}
        {%- set cutoff = date_var_string('backtest_cutoff_date', cutoff_text) -%}
    {%- else -%}
        {%- set cutoff = (as_of_day - modules.datetime.timedelta(days=holdout_days)).strftime('%Y-%m-%d') -%}
    {%- endif -%}
    {%- set cutoff_parts = cutoff.split('-') -%}
    {%- set cutoff_day = modules.datetime.date(cutoff_parts[0] | int, cutoff_parts[1] | int, cutoff_parts[2] | int) -%}
    {%- set holdout_end = (cutoff_day + modules.datetime.timedelta(days=holdout_days)).strftime('%Y-%m-%d') -%}
    {%- if holdout_end > as_of -%}
        {{ exceptions.raise_compiler_error("var backtest_cutoff_date: the holdout of " ~ holdout_days ~ " days (var backtest_holdout_days) after the cutoff " ~ cutoff ~ " ends on " ~ holdout_end ~ ", after the as-of date " ~ as_of ~ "; nothing after the as-of date is used: choose a cutoff on or before " ~ (as_of_day - modules.datetime.timedelta(days=holdout_days)).strftime('%Y-%m-%d')) }}
    {%- endif -%}
    {{- return([cutoff, holdout_end]) -}}
{%- endmacro %}

{#- The probability_alive cut points of the churn-risk bands: [high_below,
    medium_below] from vars churn_risk_high_below and churn_risk_medium_below,
    checked: numbers with 0 < high_below < medium_below <= 1. -#}
{% macro churn_risk_cut_points() -%}
    {%- set values = [] -%}
    {%- for name in ['churn_risk_high_below', 'churn_risk_medium_below'] -%}
        {%- set value = var(name) -%}
        {%- if value is not number or value is boolean -%}
            {{ exceptions.raise_compiler_error("var " ~ name ~ ": '" ~ value ~ "' is not a number (a probability_alive between 0 and 1)") }}
        {%- endif -%}
        {%- do values.append(value) -%}
    {%- endfor -%}
    {%- if not (0 < values[0] < values[1] <= 1) -%}
        {{ exceptions.raise_compiler_error("vars churn_risk_high_below (" ~ values[0] ~ ") and churn_risk_medium_below (" ~ values[1] ~ ") must satisfy 0 < churn_risk_high_below < churn_risk_medium_below <= 1") }}
    {%- endif -%}
    {{- return(values) -}}
{%- endmacro %}

{#- The churn-risk band of a probability_alive expression: 'High', 'Medium'
    or 'Low' at the cut points of churn_risk_cut_points(); null when null. -#}
{% macro churn_risk_band(probability_alive) -%}
    {%- set cut_points = churn_risk_cut_points() -%}
    case
        when {{ probability_alive }} is null then null
        when {{ probability_alive }} < {{ cut_points[0] }} then 'High'
        when {{ probability_alive }} < {{ cut_points[1] }} then 'Medium'
        else 'Low'
    end
{%- endmacro %}
