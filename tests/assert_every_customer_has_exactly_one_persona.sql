-- Every customer (a contact with a valid order, in dim_contacts) has exactly
-- one rfm_scores row with a persona, and no one else has a row. Returns the
-- contacts where that fails.
with

contacts as (
    select * from {{ ref('dim_contacts') }}
),

scores as (
    select * from {{ ref('rfm_scores') }}
),

rows_per_contact as (
    select
        contact_id,
        count(*) as score_rows,
        sum(case when persona is not null then 1 else 0 end) as rows_with_persona
    from scores
    group by contact_id
),

final as (
    select
        contacts.is_customer,
        rows_per_contact.score_rows,
        rows_per_contact.rows_with_persona,
        coalesce(contacts.contact_id, rows_per_contact.contact_id) as contact_id
    from contacts
    full outer join rows_per_contact
        on contacts.contact_id = rows_per_contact.contact_id
    where
        (contacts.is_customer and (rows_per_contact.score_rows is null or rows_per_contact.score_rows != 1))
        or (contacts.is_customer and rows_per_contact.rows_with_persona != 1)
        or (not contacts.is_customer and rows_per_contact.score_rows is not null)
        or contacts.contact_id is null
)

select * from final
