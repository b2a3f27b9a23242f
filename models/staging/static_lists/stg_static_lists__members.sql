with

source as (
    select * from {{ source('static_lists', 'static_list_members') }}
),

final as (
    select
        list_key,
        contact_id
    from source
)

select * from final
