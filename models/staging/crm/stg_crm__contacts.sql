with

validated as (
    select * from {{ ref('base_crm__contacts_validated') }}
),

final as (
    select
        contact_id,
        email,
        first_name,
        last_name,
        country_code,
        city,
        gender,
        birth_date,
        created_at,
        created_date,
        updated_at,
        subscription_status,
        acquisition_channel
    from validated
    where rejection_reason is null
)

select * from final
