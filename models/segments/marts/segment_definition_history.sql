{#- Filled one as-of date at a time, like segment_sizes_history: a build for
    date D deletes D's rows and inserts them again; --full-refresh cannot
    wipe it. segments reads it for each definition's last change. -#}
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

catalog as (
    select * from {{ ref('int_segment_catalog') }}
),

final as (
    select
        {{ as_of_date() }} as as_of_date,
        segment_key,
        segment_type,
        -- the definition as written (the condition as JSON with sorted keys),
        -- so the hash is the same on every engine and changes only with it
        {{ dbt.hash('definition') }} as definition_hash
    from catalog
)

select * from final
