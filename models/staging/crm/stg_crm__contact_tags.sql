with

validated as (
    select * from {{ ref('base_crm__contact_tags_validated') }}
),

final as (
    select
        contact_id,
        tag,
        tagged_at,
        score
    from validated
    where rejection_reason is null
)

select * from final
