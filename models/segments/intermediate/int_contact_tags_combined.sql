-- Every tag a contact holds as of the as-of date, from the three sources:
-- imported (raw contact_tags), visit rules and ad hoc rules.
with

imported_tags as (
    select * from {{ ref('stg_crm__contact_tags') }}
),

derived_tags as (
    select * from {{ ref('contact_tags_derived') }}
),

adhoc_tags as (
    select * from {{ ref('contact_tags_adhoc') }}
),

final as (
    select
        contact_id,
        tag,
        'imported' as tag_source,
        cast(null as {{ dbt.type_string() }}) as rule_key,
        cast(coalesce(score, 0) as decimal(38, 2)) as score,
        {{ local_date('tagged_at') }} as tagged_date
    from imported_tags
    -- A tag without a date counts as held; it is never "recent".
    where tagged_at is null or {{ local_date('tagged_at') }} <= {{ as_of_date() }}
    union all
    select
        contact_id,
        tag,
        'visit_rule' as tag_source,
        rule_key,
        cast(score as decimal(38, 2)) as score,
        first_matched_date as tagged_date
    from derived_tags
    union all
    select
        contact_id,
        tag,
        'adhoc_rule' as tag_source,
        rule_key,
        cast(score as decimal(38, 2)) as score,
        applied_as_of_date as tagged_date
    from adhoc_tags
    where applied_as_of_date <= {{ as_of_date() }}
)

select * from final
