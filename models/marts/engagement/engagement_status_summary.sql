with

engaged_status as (
    select * from {{ ref('engagement_status') }}
),

-- Every subscription status, even with no contact, and all contacts.
contact_groups as (
    {{ engagement_contact_groups() }}
),

grouped as (
    select
        subscription_status as contact_group,
        engagement_status
    from engaged_status
    union all
    select
        'All contacts' as contact_group,
        engagement_status
    from engaged_status
),

counts as (
    select
        contact_group,
        count(*) as contacts,
        sum(case when engagement_status = 'Engaged' then 1 else 0 end) as engaged,
        sum(case when engagement_status = 'Non-engaged' then 1 else 0 end) as non_engaged
    from grouped
    group by contact_group
),

final as (
    select
        contact_groups.contact_group,
        cast(contact_groups.group_order as {{ dbt.type_int() }}) as group_order,
        cast(coalesce(counts.contacts, 0) as {{ dbt.type_bigint() }}) as contacts,
        cast(coalesce(counts.engaged, 0) as {{ dbt.type_bigint() }}) as engaged,
        cast(coalesce(counts.non_engaged, 0) as {{ dbt.type_bigint() }}) as non_engaged,
        cast({{ divide('100.0 * counts.engaged', 'nullif(counts.contacts, 0)') }} as {{ ratio_type() }}) as pct_engaged,
        cast({{ divide('100.0 * counts.non_engaged', 'nullif(counts.contacts, 0)') }} as {{ ratio_type() }}) as pct_non_engaged,
        {{ as_of_date() }} as as_of_date
    from contact_groups
    left join counts
        on contact_groups.contact_group = counts.contact_group
)

select * from final
