{%- set dates = movement_dates() -%}
with

period_personas as (
    select * from {{ ref('persona_movement_contacts') }}
),

rules as (
    select * from {{ ref('int_rfm_persona_rules') }}
),

-- The scheme's personas, plus any persona the start scores hold that the
-- current rule seed no longer has.
personas as (
    select
        persona,
        persona_rank
    from rules
    union all
    select
        persona,
        min(persona_rank) as persona_rank
    from period_personas
    where persona not in (select rules.persona from rules)
    group by persona
),

counts as (
    select
        persona,
        sum(case when period_end = 'start' then 1 else 0 end) as start_customers,
        sum(case when period_end = 'end' then 1 else 0 end) as end_customers
    from period_personas
    group by persona
),

totals as (
    select
        sum(case when period_end = 'start' then 1 else 0 end) as start_customers,
        sum(case when period_end = 'end' then 1 else 0 end) as end_customers
    from period_personas
),

final as (
    select
        {{ date_literal(dates[0]) }} as start_date,
        {{ date_literal(dates[1]) }} as end_date,
        personas.persona,
        cast(personas.persona_rank as {{ dbt.type_int() }}) as persona_rank,
        cast(coalesce(counts.start_customers, 0) as {{ dbt.type_bigint() }}) as start_customers,
        cast(coalesce(counts.end_customers, 0) as {{ dbt.type_bigint() }}) as end_customers,
        cast(coalesce(counts.end_customers, 0) - coalesce(counts.start_customers, 0) as {{ dbt.type_bigint() }})
            as change_in_customers,
        cast(
            {{ divide('100.0 * (coalesce(counts.end_customers, 0) - coalesce(counts.start_customers, 0))', 'nullif(counts.start_customers, 0)') }} as {{ ratio_type() }}
        ) as pct_change,
        cast({{ divide('100.0 * coalesce(counts.start_customers, 0)', 'nullif(totals.start_customers, 0)') }} as {{ ratio_type() }})
            as pct_of_start_customers,
        cast({{ divide('100.0 * coalesce(counts.end_customers, 0)', 'nullif(totals.end_customers, 0)') }} as {{ ratio_type() }})
            as pct_of_end_customers
    from personas
    cross join totals
    left join counts
        on personas.persona = counts.persona
)

select * from final
