-- Every ad hoc rule whose range has ended by the as-of date, evaluated over
-- its fixed range. Only the first build that sees a rule keeps its result
-- (tag_adhoc_rule_runs, contact_tags_adhoc); this view is what it keeps.
with

rules as (
    select * from {{ ref('tag_adhoc_rules') }}
),

rule_visits as (
    select * from {{ ref('int_tag_rule_visits') }}
),

visit_counts as (
    select
        rule_key,
        contact_id,
        count(*) as qualifying_visits,
        min(occurred_date) as first_visit_date,
        max(occurred_date) as last_visit_date
    from rule_visits
    where rule_type = 'adhoc'
    group by rule_key, contact_id
),

final as (
    select
        visit_counts.rule_key,
        visit_counts.contact_id,
        rules.tag,
        rules.score_points as score,
        visit_counts.qualifying_visits,
        visit_counts.first_visit_date,
        visit_counts.last_visit_date
    from visit_counts
    inner join rules
        on visit_counts.rule_key = rules.rule_key
    where visit_counts.qualifying_visits >= rules.min_visits
)

select * from final
