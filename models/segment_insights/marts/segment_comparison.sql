{%- set keys = compare_segment_keys() if execute else [] -%}
{%- set metrics = [
    'members', 'pct_of_all_contacts', 'reachable_members', 'pct_reachable', 'purchasers', 'active_customers',
    'window_revenue', 'lifetime_revenue', 'net_revenue', 'customers', 'orders', 'units', 'revenue_per_customer',
    'orders_per_customer', 'average_order_value', 'units_per_transaction', 'average_unit_revenue',
    'predicted_revenue_next_365_days', 'average_probability_alive',
] %}
with

summary as (
    select * from {{ ref('segment_summary') }}
),

overlap as (
    select * from {{ ref('segment_overlap') }}
),

-- The compared segments in order: var compare_segments, or the recommended
-- segments (checked before any model runs).
compared as (
    {%- for key in keys %}
    select
        {{ loop.index }} as compare_position,
        {{ sql_string_literal(key) }} as segment_key
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
    {%- if not keys %}
    select
        cast(null as {{ dbt.type_int() }}) as compare_position,
        cast(null as {{ dbt.type_string() }}) as segment_key
    where 1 = 0
    {%- endif %}
),

final as (
    select
        compared.compare_position,
        compared.segment_key,
        summary.segment_name,
        summary.segment_type,
        {%- for metric in metrics %}
        summary.{{ metric }},
        {%- endfor %}
        {%- for position in range(1, 6) %}
        overlap_{{ position }}.members_in_both as members_in_segment_{{ position }},
        overlap_{{ position }}.pct_of_members_in_other as pct_in_segment_{{ position }},
        {%- endfor %}
        {{ as_of_date() }} as as_of_date
    from compared
    inner join summary
        on compared.segment_key = summary.segment_key
    {%- for position in range(1, 6) %}
    left join compared as compared_{{ position }}
        on compared_{{ position }}.compare_position = {{ position }}
    left join overlap as overlap_{{ position }}
        on
            compared.segment_key = overlap_{{ position }}.segment_key
            and compared_{{ position }}.segment_key = overlap_{{ position }}.other_segment_key
    {%- endfor %}
)

select * from final
