{#- The RFM configuration, read from vars and checked: each macro returns the
    value a model uses, or stops the build with a message naming the var and
    what it accepts. check_configuration() calls them all before any model runs. -#}

{#- quantile or thresholds. -#}
{% macro rfm_scoring_method() -%}
    {%- set method = var_text('rfm_scoring_method') -%}
    {%- if method not in ['quantile', 'thresholds'] -%}
        {{ exceptions.raise_compiler_error("var rfm_scoring_method: '" ~ method ~ "' must be 'quantile' or 'thresholds'") }}
    {%- endif -%}
    {{- return(method) -}}
{%- endmacro %}

{#- The persona scheme: its rules are the seed rfm_personas_<scheme>. -#}
{% macro rfm_persona_scheme() -%}
    {%- set scheme = var_text('rfm_persona_scheme') -%}
    {%- if not modules.re.match('^[a-z][a-z0-9_]*$', scheme) -%}
        {{ exceptions.raise_compiler_error("var rfm_persona_scheme: '" ~ scheme ~ "' must be a scheme name in snake_case whose rules are the seed rfm_personas_<scheme> (shipped: standard, classic)") }}
    {%- endif -%}
    {{- return(scheme) -}}
{%- endmacro %}

{#- The dimensions scored, in rfm_code order. -#}
{% macro rfm_dimensions() -%}
    {{- return(['recency', 'frequency', 'monetary']) -}}
{%- endmacro %}

{#- Quantile bins of a dimension: var rfm_<dimension>_bins, or the persona
    scheme's own number when the var is empty. -#}
{% macro rfm_bins(dimension) -%}
    {%- set scheme_defaults = {
        'standard': {'recency': 3, 'frequency': 5, 'monetary': 5},
        'classic': {'recency': 5, 'frequency': 5, 'monetary': 5},
    } -%}
    {%- set var_name = 'rfm_' ~ dimension ~ '_bins' -%}
    {%- set value = var_text(var_name) -%}
    {%- if value == '' -%}
        {%- set scheme = rfm_persona_scheme() -%}
        {%- if scheme not in scheme_defaults -%}
            {{ exceptions.raise_compiler_error("var " ~ var_name ~ ": persona scheme '" ~ scheme ~ "' has no default number of bins; set rfm_recency_bins, rfm_frequency_bins and rfm_monetary_bins (and add its rules as the seed rfm_personas_" ~ scheme ~ ")") }}
        {%- endif -%}
        {{- return(scheme_defaults[scheme][dimension]) -}}
    {%- endif -%}
    {%- if not modules.re.match('^([1-9]|10)$', value) -%}
        {{ exceptions.raise_compiler_error("var " ~ var_name ~ ": '" ~ value ~ "' must be a whole number of bins from 1 to 10 (deciles), or empty for the scheme's default") }}
    {%- endif -%}
    {{- return(value | int) -}}
{%- endmacro %}

{#- What joins the three scores in rfm_code: nothing ("354"), or '-' when a
    dimension of the quantile method has 10 bins ("10-3-5"), so that every
    code reads one way. -#}
{% macro rfm_code_separator() -%}
    {%- if rfm_scoring_method() == 'quantile' -%}
        {%- for dimension in rfm_dimensions() if rfm_bins(dimension) > 9 -%}
            {{- return('-') -}}
        {%- endfor -%}
    {%- endif -%}
    {{- return('') -}}
{%- endmacro %}

{#- Days of history frequency and monetary count, or none for all history. -#}
{% macro rfm_lookback_days() -%}
    {%- set value = var_text('rfm_lookback_days') -%}
    {%- if value == '' -%}
        {{- return(none) -}}
    {%- endif -%}
    {%- if not modules.re.match('^[0-9]+$', value) or (value | int) < 1 or (value | int) > 36500 -%}
        {{ exceptions.raise_compiler_error("var rfm_lookback_days: '" ~ value ~ "' must be a whole number of days from 1 to 36500, or empty for all history") }}
    {%- endif -%}
    {{- return(value | int) -}}
{%- endmacro %}

{#- The movement period as two YYYY-MM-DD strings [start, end]: by
    default the end is the as-of date and the start 30 days before it. The
    end may not be after the as-of date, and the start must be before the end. -#}
{% macro movement_dates() -%}
    {%- set as_of = as_of_date_string() -%}
    {%- set end_text = var_text('movement_end_date') -%}
    {%- set end = date_var_string('movement_end_date', end_text) if end_text != '' else as_of -%}
    {%- if end > as_of -%}
        {{ exceptions.raise_compiler_error("var movement_end_date: '" ~ end ~ "' is after the as-of date " ~ as_of ~ "; nothing after the as-of date is used") }}
    {%- endif -%}
    {%- set start_text = var_text('movement_start_date') -%}
    {%- if start_text != '' -%}
        {%- set start = date_var_string('movement_start_date', start_text) -%}
    {%- else -%}
        {%- set end_parts = end.split('-') -%}
        {%- set end_day = modules.datetime.date(end_parts[0] | int, end_parts[1] | int, end_parts[2] | int) -%}
        {%- set start = (end_day - modules.datetime.timedelta(days=30)).strftime('%Y-%m-%d') -%}
    {%- endif -%}
    {%- if start >= end -%}
        {{ exceptions.raise_compiler_error("var movement_start_date: '" ~ start ~ "' must be before the end date " ~ end) }}
    {%- endif -%}
    {{- return([start, end]) -}}
{%- endmacro %}

{#- How many quantiles rfm_quantiles cuts each dimension into: var
    rfm_quantile_count, a whole number from 2 to 20 (10: deciles). -#}
{% macro rfm_quantile_count() -%}
    {%- set value = var_text('rfm_quantile_count') -%}
    {%- if not modules.re.match('^[0-9]+$', value) or (value | int) < 2 or (value | int) > 20 -%}
        {{ exceptions.raise_compiler_error("var rfm_quantile_count: '" ~ value ~ "' must be a whole number of quantiles from 2 to 20 (10 gives deciles)") }}
    {%- endif -%}
    {{- return(value | int) -}}
{%- endmacro %}
