with

member_facts as (
    select * from {{ ref('int_segment_member_facts') }}
),

contact_attributes as (
    select * from {{ ref('int_contact_insight_attributes') }}
),

-- One row per segment, member and configured attribute (var
-- segment_breakdown_attributes): the member's value, and whether it bought
-- in the insights window and for how much.
member_values as (
    {%- for attribute in segment_breakdown_attributes() %}
    select
        member_facts.segment_key,
        {{ sql_string_literal(attribute) }} as attribute,  -- noqa: RF04
        contact_attributes.{{ attribute }} as attribute_value,
        member_facts.window_orders > 0 as is_purchaser,
        member_facts.window_revenue as revenue
    from member_facts
    inner join contact_attributes
        on member_facts.contact_id = contact_attributes.contact_id
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

by_value as (
    select
        segment_key,
        attribute,
        attribute_value,
        count(*) as members,
        sum(case when is_purchaser then 1 else 0 end) as purchasers,
        sum(revenue) as revenue
    from member_values
    group by segment_key, attribute, attribute_value
),

-- The percentages of each segment and attribute sum to 100 over its values
-- (null where the segment has no purchasers or no revenue).
final as (
    select
        segment_key,
        attribute,
        attribute_value,
        cast(members as {{ dbt.type_bigint() }}) as members,
        cast(
            {{ divide('100.0 * members', 'nullif(sum(members) over (partition by segment_key, attribute), 0)') }}
            as {{ ratio_type() }}
        ) as pct_of_members,
        cast(purchasers as {{ dbt.type_bigint() }}) as purchasers,
        cast(
            {{ divide('100.0 * purchasers', 'nullif(sum(purchasers) over (partition by segment_key, attribute), 0)') }}
            as {{ ratio_type() }}
        ) as pct_of_purchasers,
        cast(revenue as {{ money_type() }}) as revenue,
        cast(
            {{ divide('100.0 * revenue', 'nullif(sum(revenue) over (partition by segment_key, attribute), 0)') }}
            as {{ ratio_type() }}
        ) as pct_of_revenue,
        {{ money_ratio('revenue', 'purchasers') }} as revenue_per_purchaser,
        {{ as_of_date() }} as as_of_date
    from by_value
)

select * from final
