{#- The segment insights configuration (docs/insights.md), read from
    vars and checked; a bad value stops the build naming the var and what it
    accepts. check_configuration() and check_segment_insights_references()
    call them before any model runs. -#}

{#- The key of the all-contacts row of the insight marts. Reserved: no
    segment or static list may use it. -#}
{% macro baseline_segment_key() -%}
    {{- return('all_contacts') -}}
{%- endmacro %}

{#- Each value below is checked when the build runs (check_configuration(),
    in the on-run-start hook); while parsing, a placeholder stands in, so a
    bad var is reported by the hook, naming it, not as a parse error. -#}

{#- Days of the insights window: active customers, window revenue, the
    revenue tree and the breakdown count the valid orders of the as-of date
    and the N - 1 days before it. -#}
{% macro segment_insights_window_days() -%}
    {{- return(days_var('segment_insights_window_days') if execute else 1) -}}
{%- endmacro %}

{#- The first day of the insights window, as a SQL date. -#}
{% macro segment_insights_window_start_date() -%}
    cast({{ dbt.dateadd('day', 1 - segment_insights_window_days(), as_of_date()) }} as date)
{%- endmacro %}

{#- Calendar months in segment_revenue_monthly: the as-of date's month and
    the N - 1 months before it. -#}
{% macro segment_revenue_months() -%}
    {%- if not execute -%}
        {{- return(1) -}}
    {%- endif -%}
    {%- set value = var_text('segment_revenue_months') -%}
    {%- if not modules.re.match('^[0-9]+$', value) or (value | int) < 1 or (value | int) > 120 -%}
        {{ exceptions.raise_compiler_error("var segment_revenue_months: '" ~ value ~ "' must be a whole number of months from 1 to 120") }}
    {%- endif -%}
    {{- return(value | int) -}}
{%- endmacro %}

{#- The ages at which an age band starts, rising: [18, 25, 35] gives
    "under 18", "18-24", "25-34", "35+". -#}
{% macro age_band_edges() -%}
    {%- if not execute -%}
        {{- return([1]) -}}
    {%- endif -%}
    {%- set edges = var('age_band_edges') -%}
    {%- set problem = "var age_band_edges: '" ~ edges ~ "' must be a list of whole-number ages, rising, from 1 to 150 (e.g. [18, 25, 35, 45, 55, 65])" -%}
    {%- if not segment_is_list(edges) or edges | length == 0 -%}
        {{ exceptions.raise_compiler_error(problem) }}
    {%- endif -%}
    {%- for edge in edges -%}
        {%- if not segment_is_whole(edge) or edge < 1 or edge > 150 -%}
            {{ exceptions.raise_compiler_error(problem) }}
        {%- endif -%}
        {%- if not loop.first and edge <= edges[loop.index0 - 1] -%}
            {{ exceptions.raise_compiler_error(problem) }}
        {%- endif -%}
    {%- endfor -%}
    {{- return(edges | map('int') | list) -}}
{%- endmacro %}

{#- The age band of an age in years, as text; null when the age is null. -#}
{% macro age_band_sql(age_column) -%}
    {%- set edges = age_band_edges() -%}
    case
        when {{ age_column }} is null then null
        when {{ age_column }} < {{ edges[0] }} then {{ sql_string_literal('under ' ~ edges[0]) }}
        {%- for edge in edges[1:] %}
        when {{ age_column }} < {{ edge }} then {{ sql_string_literal(edges[loop.index0] ~ '-' ~ (edge - 1)) }}
        {%- endfor %}
        else {{ sql_string_literal(edges[-1] ~ '+') }}
    end
{%- endmacro %}

{#- Every attribute segment_breakdown can break a segment down by: the
    columns of int_contact_insight_attributes, with what they hold. -#}
{% macro segment_breakdown_attribute_choices() -%}
    {{ return({
        'country': 'dim_contacts.country_code',
        'city': 'dim_contacts.city',
        'gender': 'dim_contacts.gender',
        'age_band': 'the band of dim_contacts.age_years (var age_band_edges)',
        'acquisition_channel': 'dim_contacts.acquisition_channel',
        'subscription_status': 'dim_contacts.subscription_status',
        'rfm_persona': 'the RFM persona; Non-customers for contacts without a valid order (erfm_scores.persona)',
        'lifecycle_stage': 'the RFM lifecycle stage (Active, Lapsing, Inactive); null for non-customers',
        'engagement_level': 'erfm_scores.engagement_level (seeds/engagement_levels.csv)',
        'engaged_status': 'engagement_status.engagement_status (Engaged, Non-engaged)',
        'opportunity_group': 'erfm_scores.opportunity_group; null for non-engaged contacts',
        'top_category': 'the product category of the highest revenue among the valid order lines up to the as-of date (ties: the first by name)',
        'top_brand': 'the brand of the highest revenue among the valid order lines up to the as-of date (ties: the first by name)',
    }) }}
{%- endmacro %}

{#- The attributes of var segment_breakdown_attributes, checked. -#}
{% macro segment_breakdown_attributes() -%}
    {%- if not execute -%}
        {{- return(['country']) -}}
    {%- endif -%}
    {%- set chosen = var('segment_breakdown_attributes') -%}
    {%- set choices = segment_breakdown_attribute_choices() -%}
    {%- if not segment_is_list(chosen) or chosen | length == 0 -%}
        {{ exceptions.raise_compiler_error("var segment_breakdown_attributes: '" ~ chosen ~ "' must be a non-empty list of attributes; attributes: " ~ (choices.keys() | list | join(', '))) }}
    {%- endif -%}
    {%- for attribute in chosen -%}
        {%- if attribute not in choices -%}
            {{ exceptions.raise_compiler_error("var segment_breakdown_attributes: unknown attribute '" ~ attribute ~ "'; attributes: " ~ (choices.keys() | list | join(', '))) }}
        {%- endif -%}
        {%- if attribute in chosen[:loop.index0] -%}
            {{ exceptions.raise_compiler_error("var segment_breakdown_attributes: attribute '" ~ attribute ~ "' is listed twice") }}
        {%- endif -%}
    {%- endfor -%}
    {{- return(chosen | list) -}}
{%- endmacro %}

{#- The segments segment_comparison shows, in order: var compare_segments,
    or when it is empty the recommended segments in their order. At most
    five, each once. Whether each key exists is checked by
    check_segment_insights_references() (static lists need the warehouse). -#}
{% macro compare_segment_keys() -%}
    {%- set chosen = var('compare_segments') -%}
    {%- if chosen is none or chosen == '' or (segment_is_list(chosen) and chosen | length == 0) -%}
        {{- return(recommended_segment_keys(segment_registry())) -}}
    {%- endif -%}
    {%- if not segment_is_list(chosen) -%}
        {{ exceptions.raise_compiler_error("var compare_segments: '" ~ chosen ~ "' must be a list of segment keys (e.g. [win_back_big_spenders, cart_abandoners])") }}
    {%- endif -%}
    {%- if chosen | length > 5 -%}
        {{ exceptions.raise_compiler_error("var compare_segments: " ~ (chosen | length) ~ " segments (" ~ (chosen | join(', ')) ~ "); at most five can be compared") }}
    {%- endif -%}
    {%- for key in chosen -%}
        {%- if key is not string -%}
            {{ exceptions.raise_compiler_error("var compare_segments: '" ~ key ~ "' is not a segment key") }}
        {%- endif -%}
        {%- if key in chosen[:loop.index0] -%}
            {{ exceptions.raise_compiler_error("var compare_segments: segment '" ~ key ~ "' is listed twice") }}
        {%- endif -%}
    {%- endfor -%}
    {{- return(chosen | list) -}}
{%- endmacro %}

{#- The segments exposures name in `meta.segments` (exposures that read
    segment_members or the export of some segments rather than a seg_ model):
    a list of {exposure, segment_key}. -#}
{% macro exposure_segment_references() -%}
    {%- set references = [] -%}
    {%- if execute -%}
        {%- for exposure in graph.exposures.values() | sort(attribute='name') -%}
            {%- set keys = exposure.meta.segments if exposure.meta.segments is defined else [] -%}
            {%- if not segment_is_list(keys) -%}
                {{ exceptions.raise_compiler_error("exposure '" ~ exposure.name ~ "' (" ~ exposure.original_file_path ~ "): meta.segments must be a list of segment keys") }}
            {%- endif -%}
            {%- for key in keys -%}
                {%- do references.append({'exposure': exposure.name, 'path': exposure.original_file_path, 'segment_key': key}) -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(references) }}
{%- endmacro %}

{#- on-run-start hook, after the static list tables exist: the segments that
    compare_segments and the exposures' meta.segments name must be segments
    or static lists effective as of the as-of date. -#}
{% macro check_segment_insights_references() %}
    {%- if execute -%}
        {%- set known = segment_registry().keys() | list -%}
        {%- set lists = run_query('select list_key from ' ~ static_list_relation('static_lists') ~ ' where effective_date <= ' ~ as_of_date() ~ ' order by list_key') -%}
        {%- do known.extend(lists.columns[0].values() | list) -%}
        {%- for key in compare_segment_keys() if key not in known -%}
            {{ exceptions.raise_compiler_error("var compare_segments: unknown segment '" ~ key ~ "'; segments and static lists: " ~ (known | join(', '))) }}
        {%- endfor -%}
        {%- for reference in exposure_segment_references() if reference.segment_key not in known -%}
            {{ exceptions.raise_compiler_error("exposure '" ~ reference.exposure ~ "' (" ~ reference.path ~ "), meta.segments: unknown segment '" ~ reference.segment_key ~ "'; segments and static lists: " ~ (known | join(', '))) }}
        {%- endfor -%}
    {%- endif -%}
    select 1
{% endmacro %}

{#- "Used in": for each segment key, the sorted names of the dbt exposures
    that use it, through a ref to its seg_ model or by naming it in
    meta.segments. -#}
{% macro segment_used_in(registry) -%}
    {%- set models = {} -%}
    {%- for key, entry in registry.items() -%}
        {%- do models.update({'model.' ~ project_name ~ '.' ~ entry.model: key}) -%}
    {%- endfor -%}
    {%- set uses = [] -%}
    {%- for exposure in graph.exposures.values() -%}
        {%- for node in exposure.depends_on.nodes if node in models -%}
            {%- do uses.append({'segment_key': models[node], 'exposure': exposure.name}) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- do uses.extend(exposure_segment_references()) -%}
    {%- set used_in = {} -%}
    {%- for use in uses -%}
        {%- set names = used_in[use.segment_key] if use.segment_key in used_in else [] -%}
        {%- if use.exposure not in names -%}
            {%- do used_in.update({use.segment_key: (names + [use.exposure]) | sort}) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(used_in) }}
{%- endmacro %}
