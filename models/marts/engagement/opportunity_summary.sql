with

grouped as (
    select * from {{ ref('int_contacts_opportunity_grouped') }}
),

final as (
    select
        cast(count(*) as {{ dbt.type_bigint() }}) as contacts,
        cast(sum(case when is_opportunity then 1 else 0 end) as {{ dbt.type_bigint() }}) as opportunities,
        cast(sum(case when is_opportunity then 0 else 1 end) as {{ dbt.type_bigint() }}) as non_engaged,
        cast(
            {{ divide('100.0 * sum(case when is_opportunity then 1 else 0 end)', 'nullif(count(*), 0)') }} as {{ ratio_type() }}
        ) as pct_opportunities,
        cast(
            {{ divide('100.0 * sum(case when is_opportunity then 0 else 1 end)', 'nullif(count(*), 0)') }} as {{ ratio_type() }}
        ) as pct_non_engaged,
        {{ as_of_date() }} as as_of_date
    from grouped
    where as_of_date = {{ as_of_date() }}
)

select * from final
