-- For every segment (and the baseline) and attribute of segment_breakdown:
-- the percentages sum to 100 where they are defined, and members, purchasers
-- and revenue over the values add up to the segment's summary (members,
-- customers, net_revenue). Returns the segment and attribute of each failure.
with

breakdown as (
    select * from {{ ref('segment_breakdown') }}
),

summary as (
    select * from {{ ref('segment_summary') }}
),

by_attribute as (
    select
        segment_key,
        attribute,
        sum(members) as members,
        sum(purchasers) as purchasers,
        sum(revenue) as revenue,
        sum(pct_of_members) as pct_of_members,
        sum(pct_of_purchasers) as pct_of_purchasers,
        sum(pct_of_revenue) as pct_of_revenue
    from breakdown
    group by segment_key, attribute
),

final as (
    select
        by_attribute.segment_key,
        by_attribute.attribute
    from by_attribute
    left join summary
        on by_attribute.segment_key = summary.segment_key
    where
        summary.segment_key is null
        or by_attribute.members != summary.members
        or by_attribute.purchasers != summary.customers
        or by_attribute.revenue != summary.net_revenue
        or abs(by_attribute.pct_of_members - 100) > 0.000001
        or abs(coalesce(by_attribute.pct_of_purchasers, 100) - 100) > 0.000001
        or abs(coalesce(by_attribute.pct_of_revenue, 100) - 100) > 0.000001
        or (by_attribute.pct_of_purchasers is null) != (by_attribute.purchasers = 0)
        or (by_attribute.pct_of_revenue is null) != (by_attribute.revenue = 0)
)

select * from final
