{#- The segment summary and revenue tree (docs/insights.md): the
    SQL of the segment_summary model, and of one segment's row for
    `dbt run-operation segment_summary_sql`, so what the operation prints is
    what the model runs. -#}

{#- The SQL of segment_summary; with `segment_key`, only that segment's row. -#}
{% macro segment_summary_query(segment_key=none) -%}
    {%- set only = '' if segment_key is none else 'where segment_key = ' ~ sql_string_literal(segment_key) -%}
with

segments as (
    select * from {{ ref('int_segment_insight_segments') }}
    {{ only }}
),

member_facts as (
    select * from {{ ref('int_segment_member_facts') }}
    {{ only }}
),

all_contacts as (
    select count(*) as contacts from {{ ref('dim_contacts') }}
),

by_segment as (
    select
        segment_key,
        count(*) as members,
        sum(case when is_reachable then 1 else 0 end) as reachable_members,
        sum(case when is_customer then 1 else 0 end) as purchasers,
        sum(case when window_orders > 0 then 1 else 0 end) as customers,
        sum(lifetime_revenue) as lifetime_revenue,
        sum(window_revenue) as net_revenue,
        sum(window_orders) as orders,
        sum(window_units) as units,
        sum(predicted_revenue_next_365_days) as predicted_revenue,
        avg(probability_alive) as probability_alive
    from member_facts
    group by segment_key
),

-- A segment without members has zero counts and sums; a ratio whose
-- divisor is zero is null (money_ratio's nullif), never a division error.
totals as (
    select
        segments.segment_key,
        segments.segment_name,
        segments.segment_type,
        segments.status,
        segments.is_baseline,
        cast(coalesce(by_segment.members, 0) as {{ dbt.type_bigint() }}) as members,
        cast(coalesce(by_segment.reachable_members, 0) as {{ dbt.type_bigint() }}) as reachable_members,
        cast(coalesce(by_segment.purchasers, 0) as {{ dbt.type_bigint() }}) as purchasers,
        cast(coalesce(by_segment.customers, 0) as {{ dbt.type_bigint() }}) as customers,
        cast(coalesce(by_segment.lifetime_revenue, 0) as {{ money_type() }}) as lifetime_revenue,
        cast(coalesce(by_segment.net_revenue, 0) as {{ money_type() }}) as net_revenue,
        cast(coalesce(by_segment.orders, 0) as {{ dbt.type_bigint() }}) as orders,
        cast(coalesce(by_segment.units, 0) as {{ dbt.type_bigint() }}) as units,
        -- null when no member has a prediction (docs/predictions.md)
        cast(by_segment.predicted_revenue as {{ money_type() }}) as predicted_revenue,
        cast(by_segment.probability_alive as {{ ratio_type() }}) as probability_alive,
        all_contacts.contacts as all_contacts
    from segments
    cross join all_contacts
    left join by_segment
        on segments.segment_key = by_segment.segment_key
),

final as (
    select
        segment_key,
        segment_name,
        segment_type,
        status,
        is_baseline,
        members,
        cast({{ divide('100.0 * members', 'nullif(all_contacts, 0)') }} as {{ ratio_type() }}) as pct_of_all_contacts,
        reachable_members,
        cast({{ divide('100.0 * reachable_members', 'nullif(members, 0)') }} as {{ ratio_type() }}) as pct_reachable,
        purchasers,
        customers as active_customers,
        net_revenue as window_revenue,
        lifetime_revenue,
        net_revenue,
        customers,
        orders,
        units,
        {{ money_ratio('net_revenue', 'customers') }} as revenue_per_customer,
        cast({{ divide('1.0 * orders', 'nullif(customers, 0)') }} as {{ ratio_type() }}) as orders_per_customer,
        {{ money_ratio('net_revenue', 'orders') }} as average_order_value,
        cast({{ divide('1.0 * units', 'nullif(orders, 0)') }} as {{ ratio_type() }}) as units_per_transaction,
        {{ money_ratio('net_revenue', 'units') }} as average_unit_revenue,
        predicted_revenue as predicted_revenue_next_365_days,
        probability_alive as average_probability_alive,
        {{ segment_insights_window_start_date() }} as window_start_date,
        {{ segment_insights_window_days() }} as window_days,
        {{ as_of_date() }} as as_of_date
    from totals
)

select * from final
{%- endmacro %}

{#- dbt run-operation segment_summary_sql --args '{segment_key: KEY}'
    --vars '{as_of_date: D}': logs the SQL that computes KEY's row of
    segment_summary as of D (every statistic, from the marts), to read or to
    run in any SQL client. all_contacts is the baseline. D must be the date
    the marts were built for. -#}
{% macro segment_summary_sql(segment_key) %}
    {%- if segment_key is not string or segment_key == '' -%}
        {{ exceptions.raise_compiler_error("segment_summary_sql: give segment_key, e.g. --args '{segment_key: win_back_big_spenders}'") }}
    {%- endif -%}
    {%- set known = [baseline_segment_key()] + (segment_registry().keys() | list) -%}
    {%- do create_static_list_tables() -%}
    {%- do known.extend(run_query('select list_key from ' ~ static_list_relation('static_lists') ~ ' order by list_key').columns[0].values() | list) -%}
    {%- if segment_key not in known -%}
        {{ exceptions.raise_compiler_error("segment_summary_sql: unknown segment '" ~ segment_key ~ "'; segments: " ~ (known | join(', '))) }}
    {%- endif -%}
    {%- set held = run_query('select cast(max(as_of_date) as ' ~ dbt.type_string() ~ ') from ' ~ ref('dim_contacts')).columns[0].values()[0] -%}
    {%- if held is not none and held != as_of_date_string() -%}
        {{ exceptions.raise_compiler_error("segment_summary_sql: the marts hold as-of date " ~ held ~ ", not " ~ as_of_date_string() ~ "; run it with --vars '{as_of_date: " ~ held ~ "}'") }}
    {%- endif -%}
    {{ log('-- segment_summary_sql begin\n' ~ segment_summary_query(segment_key) ~ '\n-- segment_summary_sql end', info=True) }}
{% endmacro %}
