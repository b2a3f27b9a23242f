{#- Filled one as-of date at a time, like rfm_scores_history: a build for
    date D deletes D's rows and inserts them again; --full-refresh cannot
    wipe it. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy=as_of_history_strategy(),
        partition_by=as_of_history_partitions(),
        on_schema_change='append_new_columns',
        full_refresh=false,
        pre_hook="{{ replace_as_of_date_rows() }}",
    )
}}
with

segments as (
    select * from {{ ref('segments') }}
),

changes as (
    select * from {{ ref('segment_membership_changes') }}
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
        segments.segment_key,
        segments.segment_type,
        segments.status,
        segments.members,
        cast(coalesce(change_counts.entered, 0) as {{ dbt.type_bigint() }}) as entered,
        cast(coalesce(change_counts.exited, 0) as {{ dbt.type_bigint() }}) as exited
    from segments
    left join change_counts
        on segments.segment_key = change_counts.segment_key
)

select * from final
