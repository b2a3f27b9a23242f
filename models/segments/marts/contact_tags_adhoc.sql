{#- Written once per rule, by the build that applied it (the run rows of
    this invocation); --full-refresh cannot wipe it. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='append_new_columns',
        full_refresh=false,
    )
}}
with

matches as (
    select * from {{ ref('int_tag_adhoc_rule_matches') }}
),

runs as (
    select * from {{ ref('tag_adhoc_rule_runs') }}
),

final as (
    select
        matches.contact_id,
        matches.tag,
        matches.rule_key,
        matches.score,
        matches.qualifying_visits,
        matches.first_visit_date,
        matches.last_visit_date,
        runs.applied_as_of_date,
        runs.applied_at
    from matches
    inner join runs
        on matches.rule_key = runs.rule_key
    where runs.invocation_id = {{ sql_string_literal(invocation_id) }}
)

select * from final
