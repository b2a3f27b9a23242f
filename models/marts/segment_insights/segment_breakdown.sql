with

members as (
    select * from {{ ref('int_segment_insight_members') }}
),

attributes as (
    select * from {{ ref('int_contact_insight_attributes') }}
),

purchases as (
    select * from {{ ref('int_contacts_insight_purchases') }}
),

-- One row per segment, member and configured attribute (var
-- segment_breakdown_attributes): the member's value, and whether it bought
-- in the insights window and for how much.
member_values as (
    {%- for attribute in segment_breakdown_attributes() %}
    select
        members.segment_key,
        {{ sql_string_literal(attribute) }} as attribute,
        attributes.{{ attribute }} as attribute_value,
        coalesce(purchases.window_orders, 0) > 0 as is_purchaser,
        coalesce(purchases.window_revenue, 0) as revenue
    from members
    inner join attributes
        on members.contact_id = attributes.contact_id
    left join purchases
        on members.contact_id = purchases.contact_id
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
            100.0 * members / nullif(sum(members) over (partition by segment_key, attribute), 0)
            as {{ ratio_type() }}
        ) as pct_of_members,
        cast(purchasers as {{ dbt.type_bigint() }}) as purchasers,
        cast(
            100.0 * purchasers / nullif(sum(purchasers) over (partition by segment_key, attribute), 0)
            as {{ ratio_type() }}
        ) as pct_of_purchasers,
        cast(revenue as {{ money_type() }}) as revenue,
        cast(
            100.0 * revenue / nullif(sum(revenue) over (partition by segment_key, attribute), 0)
            as {{ ratio_type() }}
        ) as pct_of_revenue,
        {{ money_ratio('revenue', 'purchasers') }} as revenue_per_purchaser,
        {{ as_of_date() }} as as_of_date
    from by_value
)

select * from final
