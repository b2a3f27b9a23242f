{#- Filled one as-of date at a time: a build for date D deletes D's rows and
    compares D's members with the membership the rows before D leave (a
    contact is a member when its latest change before D is `entered`).
    --full-refresh cannot wipe it. -#}
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

current_members as (
    select * from {{ ref('int_segment_members') }}
),

catalog as (
    select * from {{ ref('int_segment_catalog') }}
),

{% if is_incremental() -%}
-- The latest change of each contact and segment before the as-of date.
latest_changes as (
    select
        segment_key,
        contact_id,
        change_type,
        row_number() over (
            partition by segment_key, contact_id
            order by as_of_date desc
        ) as recency_rank
    from {{ this }}
    where as_of_date < {{ as_of_date() }}
),

previous_members as (
    select
        segment_key,
        contact_id
    from latest_changes
    where recency_rank = 1 and change_type = 'entered'
),
{%- else -%}
-- The first build: nobody was a member before.
previous_members as (
    select
        segment_key,
        contact_id
    from current_members
    where 1 = 0
),
{%- endif %}

-- Only segments that exist now: a deleted segment's members do not "exit".
previous_of_defined_segments as (
    select
        previous_members.segment_key,
        previous_members.contact_id
    from previous_members
    inner join catalog
        on previous_members.segment_key = catalog.segment_key
),

entered as (
    select
        current_members.segment_key,
        current_members.contact_id,
        'entered' as change_type
    from current_members
    left join previous_of_defined_segments
        on
            current_members.segment_key = previous_of_defined_segments.segment_key
            and current_members.contact_id = previous_of_defined_segments.contact_id
    where previous_of_defined_segments.contact_id is null
),

exited as (
    select
        previous_of_defined_segments.segment_key,
        previous_of_defined_segments.contact_id,
        'exited' as change_type
    from previous_of_defined_segments
    left join current_members
        on
            previous_of_defined_segments.segment_key = current_members.segment_key
            and previous_of_defined_segments.contact_id = current_members.contact_id
    where current_members.contact_id is null
),

final as (
    select
        {{ as_of_date() }} as as_of_date,
        segment_key,
        contact_id,
        change_type
    from entered
    union all
    select
        {{ as_of_date() }} as as_of_date,
        segment_key,
        contact_id,
        change_type
    from exited
)

select * from final
