{#- Filled one as-of date at a time, like rfm_scores_history: a build for
    date D deletes D's rows and inserts them again; --full-refresh cannot
    wipe it. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='append_new_columns',
        full_refresh=false,
        pre_hook="{{ replace_as_of_date_rows() }}",
    )
}}
with

catalog as (
    select * from {{ ref('int_segment_catalog') }}
),

members as (
    select * from {{ ref('int_segment_members_evaluated') }}
),

changes as (
    select * from {{ ref('segment_membership_changes') }}
),

member_counts as (
    select
        segment_key,
        count(*) as members
    from members
    group by segment_key
),

change_counts as (
    select
        segment_key,
        sum(case when change_type = 'entered' then 1 else 0 end) as entered,
        sum(case when change_type = 'exited' then 1 else 0 end) as exited
    from changes
    where as_of_date = {{ as_of_date() }}
    group by segment_key
),

final as (
    select
        {{ as_of_date() }} as as_of_date,
        catalog.segment_key,
        catalog.segment_type,
        catalog.status,
        coalesce(member_counts.members, 0) as members,
        cast(coalesce(change_counts.entered, 0) as {{ dbt.type_bigint() }}) as entered,
        cast(coalesce(change_counts.exited, 0) as {{ dbt.type_bigint() }}) as exited
    from catalog
    left join member_counts
        on catalog.segment_key = member_counts.segment_key
    left join change_counts
        on catalog.segment_key = change_counts.segment_key
)

select * from final
