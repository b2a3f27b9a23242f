with

source as (
    select * from {{ source('static_lists', 'static_lists') }}
),

final as (
    select
        list_key,
        name,
        description,
        source_type,
        source_segment_key,
        source_file,
        effective_date,
        created_at,
        members,
        rejected_ids
    from source
)

select * from final
