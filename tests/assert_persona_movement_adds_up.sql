-- The movement matrix and the population change tell one story: customers
-- leaving each start persona add up to its start count, customers reaching
-- each end persona add up to its end count. Returns the personas that differ.
with

movement as (
    select * from {{ ref('persona_movement') }}
),

population as (
    select * from {{ ref('persona_population_change') }}
),

leaving as (
    select
        from_persona as persona,
        sum(customers) as customers
    from movement
    group by from_persona
),

arriving as (
    select
        to_persona as persona,
        sum(customers) as customers
    from movement
    group by to_persona
),

final as (
    select
        population.persona,
        population.start_customers,
        leaving.customers as leaving_in_movement,
        population.end_customers,
        arriving.customers as arriving_in_movement
    from population
    left join leaving
        on population.persona = leaving.persona
    left join arriving
        on population.persona = arriving.persona
    where
        population.start_customers != coalesce(leaving.customers, 0)
        or population.end_customers != coalesce(arriving.customers, 0)
)

select * from final
