{#- Run at the start of every build: a bad var stops it with a message that
    names the var and what it accepts, before any model runs. -#}
{% macro check_configuration() %}
    {%- if execute -%}
        {%- do as_of_date_string() -%}
        {%- do reporting_timezone() -%}
        {%- set currency = var('reporting_currency') | string -%}
        {%- if not modules.re.match('^[A-Z]{3}$', currency) -%}
            {{ exceptions.raise_compiler_error("var reporting_currency: '" ~ currency ~ "' is not an ISO 4217 code (three upper-case letters, e.g. EUR)") }}
        {%- endif -%}
        {%- set tolerance = var('future_timestamp_tolerance_days') -%}
        {%- if tolerance is not number or tolerance < 0 -%}
            {{ exceptions.raise_compiler_error("var future_timestamp_tolerance_days: '" ~ tolerance ~ "' must be a number of days >= 0") }}
        {%- endif -%}
        {%- if var('include_zero_value_orders') not in [true, false] -%}
            {{ exceptions.raise_compiler_error("var include_zero_value_orders: '" ~ var('include_zero_value_orders') ~ "' must be true or false") }}
        {%- endif -%}
        {%- set share = var('max_rejected_share', 0.5) -%}
        {%- if share is not number or share is sameas true or share is sameas false or share < 0 or share > 1 -%}
            {{ exceptions.raise_compiler_error("var max_rejected_share: '" ~ share ~ "' must be a number from 0 to 1 (the share of an entity's raw rows that may be rejected)") }}
        {%- endif -%}
        {%- if var('raw_source_mode') not in ['files', 'tables'] -%}
            {{ exceptions.raise_compiler_error("var raw_source_mode: '" ~ var('raw_source_mode') ~ "' must be 'files' or 'tables'") }}
        {%- endif -%}
        {%- do rfm_scoring_method() -%}
        {%- do rfm_persona_scheme() -%}
        {%- for dimension in rfm_dimensions() -%}
            {%- do rfm_bins(dimension) -%}
        {%- endfor -%}
        {%- do rfm_lookback_days() -%}
        {%- do movement_dates() -%}
        {%- do decision_window_days() -%}
        {%- do engaged_window_days() -%}
        {%- do engagement_changes_start_date() -%}
        {%- do days_var('sunset_after_days') -%}
        {%- do days_var('sunset_campaign_days') -%}
        {%- do sunset_campaign_ids() -%}
        {%- do days_var('campaign_window_days') -%}
        {%- do rfm_quantile_count() -%}
        {%- do backtest_dates() -%}
        {%- do churn_risk_cut_points() -%}
        {%- do include_machine_opens() -%}
        {%- do engagement_level_method() -%}
        {%- do engagement_level_thresholds() -%}
        {%- do engagement_level_count() -%}
        {%- do segment_insights_window_days() -%}
        {%- do segment_revenue_months() -%}
        {%- do age_band_edges() -%}
        {%- do segment_breakdown_attributes() -%}
        {#- every segment definition, before any model runs -#}
        {%- set names = {} -%}
        {%- for input in ['contacts', 'orders', 'lines', 'events', 'tags', 'static_members'] -%}
            {%- do names.update({input: input}) -%}
        {%- endfor -%}
        {%- do validated_segment_registry(relations=names) -%}
        {%- do compare_segment_keys() -%}
        {%- do exposure_segment_references() -%}
    {%- endif -%}
    select 1
{% endmacro %}
