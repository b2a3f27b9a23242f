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
        rule_key,
        contact_id,
        occurred_date,
        row_number() over (
            partition by rule_key, contact_id
            order by occurred_date, event_id
        ) as visit_number
    from rule_visits
    where rule_type = 'visit'
),

-- For each visit, the visit min_visits - 1 places later, when it is close
-- enough: its day is a day the rule held.
matches as (
    select
        window_start.rule_key,
        window_start.contact_id,
        window_end.occurred_date as matched_date
    from qualifying_visits as window_start
    inner join rules
        on window_start.rule_key = rules.rule_key
    inner join qualifying_visits as window_end
        on
            window_start.rule_key = window_end.rule_key
            and window_start.contact_id = window_end.contact_id
            and window_end.visit_number = window_start.visit_number + rules.min_visits - 1
    where {{ dbt.datediff('window_start.occurred_date', 'window_end.occurred_date', 'day') }} < rules.window_days
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
