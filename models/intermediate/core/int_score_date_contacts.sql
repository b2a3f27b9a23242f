-- A contact exists on a scored date once anything has shown it (its first
-- evidence on or before that date).
with

score_dates as (
    select * from {{ ref('int_score_dates') }}
),

contacts as (
    select * from {{ ref('int_contacts_first_seen') }}
),

final as (
    select
        score_dates.as_of_date,
        contacts.contact_id,
        contacts.first_seen_date
    from score_dates
    inner join contacts
        on score_dates.as_of_date >= contacts.first_seen_date
)

select * from final
