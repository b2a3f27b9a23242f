{%- set dates = movement_dates() -%}
with

period_personas as (
    select * from {{ ref('persona_movement_contacts') }}
),

rules as (
    select * from {{ ref('int_rfm_persona_rules') }}
),

-- Customers at the end with no valid order at the start come from a
-- pseudo-persona named "New customers", or "New customers (no order at
-- start)" when the scheme has a real persona called "New customers".
labels as (
    select
        case
            when sum(case when persona = 'New customers' then 1 else 0 end) > 0
                then 'New customers (no order at start)'
            else 'New customers'
        end as new_customers_label,
        max(persona_rank) + 1 as no_longer_customer_rank
    from rules
),

start_personas as (
    select * from period_personas
    where period_end = 'start'
),

end_personas as (
    select * from period_personas
    where period_end = 'end'
),

moves as (
    select
        coalesce(start_personas.persona, labels.new_customers_label) as from_persona,
        coalesce(start_personas.persona_rank, 0) as from_persona_rank,
        coalesce(end_personas.persona, 'No longer a customer') as to_persona,
        coalesce(end_personas.persona_rank, labels.no_longer_customer_rank) as to_persona_rank
    from start_personas
    full outer join end_personas
        on start_personas.contact_id = end_personas.contact_id
    cross join labels
),

move_counts as (
    select
        from_persona,
        from_persona_rank,
        to_persona,
        to_persona_rank,
        count(*) as customers
    from moves
    group by from_persona, from_persona_rank, to_persona, to_persona_rank
),

-- Rows for every pair of the scheme's personas, even at zero, plus any pair
-- that occurred (a start persona from an older rule seed, or customers who
-- are no longer customers at the end).
from_personas as (
    select
        labels.new_customers_label as from_persona,
        0 as from_persona_rank
    from labels
    union
    select
        persona as from_persona,
        persona_rank as from_persona_rank
    from rules
    union
    select
        from_persona,
        from_persona_rank
    from move_counts
),

to_personas as (
    select
        persona as to_persona,
        persona_rank as to_persona_rank
    from rules
    union
    select
        to_persona,
        to_persona_rank
    from move_counts
),

from_totals as (
    select
        from_persona,
        sum(customers) as customers
    from move_counts
    group by from_persona
),

sources as (
    select
        coalesce(max(case when period_end = 'start' then scores_source end), 'computed') as start_scores_source,
        coalesce(max(case when period_end = 'end' then scores_source end), 'computed') as end_scores_source
    from period_personas
),

final as (
    select
        {{ date_literal(dates[0]) }} as start_date,
        {{ date_literal(dates[1]) }} as end_date,
        from_personas.from_persona,
        cast(from_personas.from_persona_rank as {{ dbt.type_int() }}) as from_persona_rank,
        to_personas.to_persona,
        cast(to_personas.to_persona_rank as {{ dbt.type_int() }}) as to_persona_rank,
        cast(coalesce(move_counts.customers, 0) as {{ dbt.type_bigint() }}) as customers,
        cast(
            {{ divide('100.0 * coalesce(move_counts.customers, 0)', 'nullif(from_totals.customers, 0)') }} as {{ ratio_type() }}
        ) as pct_of_from_persona,
        sources.start_scores_source,
        sources.end_scores_source
    from from_personas
    cross join to_personas
    cross join sources
    left join move_counts
        on
            from_personas.from_persona = move_counts.from_persona
            and to_personas.to_persona = move_counts.to_persona
    left join from_totals
        on from_personas.from_persona = from_totals.from_persona
)

select * from final
