{#- The engagement (eRFM) configuration, read from vars and checked; a bad
    value stops the build naming the var. check_configuration() calls them. -#}

{#- A var holding a number of days (1 to 3650), checked. -#}
{% macro days_var(var_name) -%}
    {%- set value = var_text(var_name) -%}
    {%- if not modules.re.match('^[0-9]+$', value) or (value | int) < 1 or (value | int) > 3650 -%}
        {{ exceptions.raise_compiler_error("var " ~ var_name ~ ": '" ~ value ~ "' must be a whole number of days from 1 to 3650") }}
    {%- endif -%}
    {{- return(value | int) -}}
{%- endmacro %}

{#- Days in the decision window ending on the as-of date. -#}
{% macro decision_window_days() -%}
    {{- return(days_var('decision_window_days')) -}}
{%- endmacro %}

{#- Days within which an interaction makes a contact engaged. -#}
{% macro engaged_window_days() -%}
    {{- return(days_var('engaged_window_days')) -}}
{%- endmacro %}

{#- Whether email opens flagged is_machine_open score (default: no). -#}
{% macro include_machine_opens() -%}
    {%- set value = var('include_machine_opens') -%}
    {%- if value not in [true, false] -%}
        {{ exceptions.raise_compiler_error("var include_machine_opens: '" ~ value ~ "' must be true or false") }}
    {%- endif -%}
    {{- return(value) -}}
{%- endmacro %}

{#- quantile (tertiles among engaged contacts) or thresholds (fixed scores). -#}
{% macro engagement_level_method() -%}
    {%- set method = var_text('engagement_level_method') -%}
    {%- if method not in ['quantile', 'thresholds'] -%}
        {{ exceptions.raise_compiler_error("var engagement_level_method: '" ~ method ~ "' must be 'quantile' or 'thresholds'") }}
    {%- endif -%}
    {{- return(method) -}}
{%- endmacro %}

{#- The fixed engagement-score thresholds [moderately, most] for the
    thresholds method: a score >= moderately is level 2, >= most level 3
    (seeds/engagement_levels.csv); 0 < moderately < most. -#}
{% macro engagement_level_thresholds() -%}
    {%- set values = [] -%}
    {%- for name in ['engagement_moderately_min_score', 'engagement_most_min_score'] -%}
        {%- set value = var(name) -%}
        {%- if value is not number or value <= 0 -%}
            {{ exceptions.raise_compiler_error("var " ~ name ~ ": '" ~ value ~ "' must be a number above 0") }}
        {%- endif -%}
        {%- do values.append(value) -%}
    {%- endfor -%}
    {%- if values[0] >= values[1] -%}
        {{ exceptions.raise_compiler_error("var engagement_moderately_min_score (" ~ values[0] ~ ") must be below engagement_most_min_score (" ~ values[1] ~ ")") }}
    {%- endif -%}
    {{- return(values) -}}
{%- endmacro %}

{#- The date engagement-status changes are measured from, YYYY-MM-DD: the
    as-of date minus var engagement_changes_days. -#}
{% macro engagement_changes_start_date() -%}
    {%- set days = days_var('engagement_changes_days') -%}
    {%- set parts = as_of_date_string().split('-') -%}
    {%- set as_of = modules.datetime.date(parts[0] | int, parts[1] | int, parts[2] | int) -%}
    {{- return((as_of - modules.datetime.timedelta(days=days)).strftime('%Y-%m-%d')) -}}
{%- endmacro %}

{#- The number of engagement levels above 0 (seeds/engagement_levels.csv:
    ranks 0 to this, without gaps); none when it cannot be read here (while
    parsing, in unit tests). -#}
{% macro engagement_level_count() -%}
    {%- set ranks = seed_values('engagement_levels', 'engagement_level_rank') -%}
    {%- if not ranks -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set numbers = ranks | map('int') | sort -%}
    {%- if numbers != range(numbers | length) | list or numbers | length < 2 -%}
        {{ exceptions.raise_compiler_error("seeds/engagement_levels.csv: engagement_level_rank must run 0, 1, 2, ... without gaps, with at least one level above 0 (found: " ~ (ranks | join(', ')) ~ ")") }}
    {%- endif -%}
    {{ return(numbers | length - 1) }}
{%- endmacro %}

{#- var sunset_campaign_ids, checked: a list of campaign ids (text), possibly
    empty. -#}
{% macro sunset_campaign_ids() -%}
    {%- set value = var('sunset_campaign_ids') -%}
    {%- if value is none -%}
        {{ return([]) }}
    {%- endif -%}
    {%- if value is string or value is mapping or value is not iterable -%}
        {{ exceptions.raise_compiler_error("var sunset_campaign_ids: '" ~ value ~ "' must be a list of campaign ids, e.g. [sunset_2026], or [] for any email") }}
    {%- endif -%}
    {%- for item in value if item is not string or item | trim == '' -%}
        {{ exceptions.raise_compiler_error("var sunset_campaign_ids: '" ~ item ~ "' is not a campaign id (non-empty text)") }}
    {%- endfor -%}
    {{ return(value | list) }}
{%- endmacro %}
