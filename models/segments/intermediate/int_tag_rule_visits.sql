-- The visits each tag rule counts: a URL that matches the rule and a visit
-- long enough. Ad hoc rules count only visits in their range, and only once
-- the range has ended by the as-of date.
with

visit_rules as (
    select * from {{ ref('tag_visit_rules') }}
),

adhoc_rules as (
    select * from {{ ref('tag_adhoc_rules') }}
),

visits as (
    select * from {{ ref('int_contact_page_visits') }}
),

rule_checks as (
    select * from {{ ref('int_tag_rule_problems') }}
),

rules as (
    select
        'visit' as rule_type,
        rule_key,
        url_match_type,
        url_pattern,
        min_duration_seconds,
        cast(null as date) as start_date,
        cast(null as date) as end_date
    from visit_rules
    union all
    select
        'adhoc' as rule_type,
        rule_key,
        url_match_type,
        url_pattern,
        min_duration_seconds,
        start_date,
        end_date
    from adhoc_rules
    where end_date <= {{ as_of_date() }}
),

-- Each distinct URL is matched against each rule once: the patterns come
-- from seeds, so a regex is compiled per pair it tests, and testing every
-- visit (millions, a few thousand distinct URLs) cost most of the build of
-- the tags. Materialized, so that the optimizer does not move the rules'
-- join back onto every visit.
urls as (
    select distinct url
    from visits
),

matching_urls as {{ materialized_cte() }}(
    select
        rules.rule_type,
        rules.rule_key,
        rules.min_duration_seconds,
        rules.start_date,
        rules.end_date,
        urls.url
    from urls
    inner join rules
        on {{ url_rule_matches('urls.url', 'rules.url_match_type', 'rules.url_pattern') }}
),

final as (
    select
        matching_urls.rule_type,
        matching_urls.rule_key,
        visits.contact_id,
        visits.event_id,
        visits.occurred_date
    from visits
    inner join matching_urls
        on visits.url = matching_urls.url
    where
        (matching_urls.min_duration_seconds = 0 or visits.duration_seconds >= matching_urls.min_duration_seconds)
        and (
            matching_urls.start_date is null
            or visits.occurred_date between matching_urls.start_date and matching_urls.end_date
        )
        -- Never read rules the checks refused (the checks stop the build anyway).
        and not exists (select 1 from rule_checks)
)

select * from final
