{#- Every reason a tag rule cannot be applied, one row each; the post-hook
    stops the build when any row exists. -#}
with

visit_rules as (
    select * from {{ ref('tag_visit_rules') }}
),

adhoc_rules as (
    select * from {{ ref('tag_adhoc_rules') }}
),

-- Both seeds in one shape; the window check differs, so each side says
-- whether its window is valid.
rules as (
    select
        'tag_visit_rules' as seed_name,
        rule_key,
        url_match_type,
        url_pattern,
        min_visits,
        min_duration_seconds,
        tag,
        score_points,
        (window_days is not null and window_days >= 1) as has_valid_window,
        'window_days must be a whole number of days >= 1' as window_message
    from visit_rules
    union all
    select
        'tag_adhoc_rules' as seed_name,
        rule_key,
        url_match_type,
        url_pattern,
        min_visits,
        min_duration_seconds,
        tag,
        score_points,
        (start_date is not null and end_date is not null and start_date <= end_date) as has_valid_window,
        'start_date and end_date must be dates with start_date <= end_date' as window_message
    from adhoc_rules
),

key_counts as (
    select
        rule_key,
        count(*) as rules_with_key
    from rules
    group by rule_key
),

problems as (
    select
        rules.seed_name,
        rules.rule_key,
        'bad_key' as problem,
        'rule_key must be snake_case (lower-case letters, digits and _, starting with a letter)' as detail
    from rules
    where rules.rule_key is null or not {{ regex_matches('rules.rule_key', "'^[a-z][a-z0-9_]*$'") }}
    union all
    select
        rules.seed_name,
        rules.rule_key,
        'repeated_key' as problem,
        'rule_key is used by more than one visit or ad hoc rule' as detail
    from rules
    inner join key_counts
        on rules.rule_key = key_counts.rule_key
    where key_counts.rules_with_key > 1
    union all
    select
        rules.seed_name,
        rules.rule_key,
        'bad_match_type' as problem,
        'url_match_type must be contains or regex' as detail
    from rules
    where rules.url_match_type is null or rules.url_match_type not in ('contains', 'regex')
    union all
    select
        rules.seed_name,
        rules.rule_key,
        'missing_pattern' as problem,
        'url_pattern is empty' as detail
    from rules
    where rules.url_pattern is null or rules.url_pattern = ''
    union all
    select
        rules.seed_name,
        rules.rule_key,
        'bad_min_visits' as problem,
        'min_visits must be a whole number >= 1' as detail
    from rules
    where rules.min_visits is null or rules.min_visits < 1
    union all
    select
        rules.seed_name,
        rules.rule_key,
        'bad_min_duration' as problem,
        'min_duration_seconds must be a number >= 0' as detail
    from rules
    where rules.min_duration_seconds is null or rules.min_duration_seconds < 0
    union all
    select
        rules.seed_name,
        rules.rule_key,
        'bad_window' as problem,
        rules.window_message as detail
    from rules
    where not rules.has_valid_window
    union all
    select
        rules.seed_name,
        rules.rule_key,
        'missing_tag' as problem,
        'tag is empty' as detail
    from rules
    where rules.tag is null or rules.tag = ''
    union all
    select
        rules.seed_name,
        rules.rule_key,
        'missing_score' as problem,
        'score_points is empty' as detail
    from rules
    where rules.score_points is null
),

final as (
    select
        seed_name,
        rule_key,
        problem,
        {{ dbt.concat([
            'seed_name', "', rule '", "coalesce(rule_key, '(empty)')", "': '", 'detail',
        ]) }} as message,
        {{ dbt.concat(['seed_name', "'/'", "coalesce(rule_key, '')", "'/'", 'problem']) }} as sort_key
    from problems
)

select * from final
