-- A rule matches a contact on the first day that ends a window of
-- window_days consecutive days holding min_visits qualifying visits: the
-- visit min_visits - 1 places after some visit falls within window_days of
-- it. A matched tag stays (as a tag added in SALESmanago stays); as of any
-- date the result depends only on visits up to that date.
with

rules as (
    select * from {{ ref('tag_visit_rules') }}
),

rule_visits as (
    select * from {{ ref('int_tag_rule_visits') }}
),

qualifying_visits as (
    select
        rule_visits.rule_key,
        rule_visits.contact_id,
        rule_visits.occurred_date,
        rules.min_visits,
        rules.window_days,
        row_number() over (
            partition by rule_visits.rule_key, rule_visits.contact_id
            order by rule_visits.occurred_date, rule_visits.event_id
        ) as visit_number
    from rule_visits
    inner join rules
        on rule_visits.rule_key = rules.rule_key
    where rule_visits.rule_type = 'visit'
),

-- For each visit, the visit min_visits - 1 places later, when it is close
-- enough: its day is a day the rule held. (The closing visit's number is an
-- equality, so the join pairs each visit with one other, not with every
-- visit of the contact.)
window_starts as (
    select
        rule_key,
        contact_id,
        occurred_date,
        window_days,
        visit_number + min_visits - 1 as closing_visit_number
    from qualifying_visits
),

matches as (
    select
        window_starts.rule_key,
        window_starts.contact_id,
        window_ends.occurred_date as matched_date
    from window_starts
    inner join qualifying_visits as window_ends
        on
            window_starts.rule_key = window_ends.rule_key
            and window_starts.contact_id = window_ends.contact_id
            and window_starts.closing_visit_number = window_ends.visit_number
    where {{ dbt.datediff('window_starts.occurred_date', 'window_ends.occurred_date', 'day') }} < window_starts.window_days
),

first_matches as (
    select
        rule_key,
        contact_id,
        min(matched_date) as first_matched_date
    from matches
    group by rule_key, contact_id
),

visit_counts as (
    select
        rule_key,
        contact_id,
        count(*) as qualifying_visits
    from qualifying_visits
    group by rule_key, contact_id
),

final as (
    select
        first_matches.contact_id,
        rules.tag,
        first_matches.rule_key,
        rules.score_points as score,
        first_matches.first_matched_date,
        visit_counts.qualifying_visits,
        {{ as_of_date() }} as as_of_date
    from first_matches
    inner join rules
        on first_matches.rule_key = rules.rule_key
    inner join visit_counts
        on
            first_matches.rule_key = visit_counts.rule_key
            and first_matches.contact_id = visit_counts.contact_id
)

select * from final
