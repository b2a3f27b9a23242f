with

source as (
    select * from {{ source('static_lists', 'static_list_rejected_ids') }}
),

final as (
    select
        list_key,
        contact_id,
        rejection_reason
    from source
)

select * from final
