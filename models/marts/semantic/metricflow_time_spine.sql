-- MetricFlow's calendar: every day from 2000-01-01 to the as-of date, so a
-- metric grouped by day, week, month or year has a row for each period.
with

days as (
    {{ dbt.date_spine('day', "cast('2000-01-01' as date)", dbt.dateadd('day', 1, as_of_date())) }}
),

final as (
    select cast(date_day as date) as date_day
    from days
)

select * from final
