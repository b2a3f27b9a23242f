{#- Written once per rule: a build adds the ad hoc rules whose range has
    ended and that no earlier build applied; --full-refresh cannot wipe it. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='append_new_columns',
        full_refresh=false,
    )
}}
with

rules as (
    select * from {{ ref('tag_adhoc_rules') }}
),

matches as (
    select * from {{ ref('int_tag_adhoc_rule_matches') }}
),

rule_checks as (
    select * from {{ ref('int_tag_rule_problems') }}
),

-- Rules an earlier build applied: never applied again.
applied_before as (
    {%- if is_incremental() %}
    select rule_key
    from {{ this }}
    {%- else %}
    select rule_key
    from rules
    where 1 = 0
    {%- endif %}
),

contacts_per_rule as (
    select
        rule_key,
        count(*) as contacts_tagged
    from matches
    group by rule_key
),

final as (
    select
        rules.rule_key,
        rules.tag,
        rules.score_points,
        rules.url_match_type,
        rules.url_pattern,
        rules.min_visits,
        rules.min_duration_seconds,
        rules.start_date,
        rules.end_date,
        rules.description,
        coalesce(contacts_per_rule.contacts_tagged, 0) as contacts_tagged,
        {{ as_of_date() }} as applied_as_of_date,
        cast({{ sql_string_literal(run_started_at.strftime('%Y-%m-%d %H:%M:%S')) }} as {{ dbt.type_timestamp() }}) as applied_at,
        {{ sql_string_literal(invocation_id) }} as invocation_id
    from rules
    left join contacts_per_rule
        on rules.rule_key = contacts_per_rule.rule_key
    where
        rules.end_date <= {{ as_of_date() }}
        and not exists (select 1 from rule_checks)
        and rules.rule_key not in (select applied_before.rule_key from applied_before)
)

select * from final
