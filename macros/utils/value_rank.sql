{#- CTEs ending in `<name>` (as_of_date, contact_id, value_rank): each row of
    `source` ranked by `value` within its as-of date, as rank() does (equal
    values share a rank; rank 1 is the lowest value, or the highest with
    `descending`). `value` must not be null.

    DuckDB and PostgreSQL rank with one window over each date. Spark would
    move every row of a date into one task for that window; there the
    values are cut into 100 ranges at approximate percentiles (any cuts give
    the same answer; they only balance the work), each range is ranked in a
    task of its own, and a range's offset is the number of rows in the
    ranges below it. Equal values fall in one range, so the ranks are
    exactly rank()'s. -#}
{% macro value_rank_ctes(name, source, value, descending=false) -%}
    {{ return(adapter.dispatch('value_rank_ctes', 'customer_segments')(name, source, value, descending)) }}
{%- endmacro %}

{% macro default__value_rank_ctes(name, source, value, descending) -%}
{{ name }} as (
    select
        as_of_date,
        contact_id,
        rank() over (partition by as_of_date order by {{ value }} {{ 'desc' if descending else 'asc' }}) as value_rank
    from {{ source }}
)
{%- endmacro %}

{% macro spark__value_rank_ctes(name, source, value, descending) -%}
{{ name }}_values as (
    select
        as_of_date,
        contact_id,
        {{ '-' if descending }}({{ value }}) as ranked_value
    from {{ source }}
),

{{ name }}_cuts as (
    select
        as_of_date,
        percentile_approx(
            ranked_value, array({% for step in range(1, 100) %}{{ '%.2f' % (step / 100) }}{{ ', ' if not loop.last }}{% endfor %})
        ) as cuts
    from {{ name }}_values
    group by as_of_date
),

{{ name }}_ranges as (
    select
        values_.as_of_date,
        values_.contact_id,
        values_.ranked_value,
        size(filter(cuts.cuts, cut -> cut < values_.ranked_value)) as value_range
    from {{ name }}_values as values_
    inner join {{ name }}_cuts as cuts
        on values_.as_of_date = cuts.as_of_date
),

{{ name }}_offsets as (
    select
        as_of_date,
        value_range,
        sum(range_rows) over (partition by as_of_date order by value_range) - range_rows as rows_below
    from (
        select
            as_of_date,
            value_range,
            count(*) as range_rows
        from {{ name }}_ranges
        group by as_of_date, value_range
    ) as range_counts
),

{{ name }} as (
    select
        ranges.as_of_date,
        ranges.contact_id,
        offsets.rows_below
        + rank() over (partition by ranges.as_of_date, ranges.value_range order by ranges.ranked_value asc) as value_rank
    from {{ name }}_ranges as ranges
    inner join {{ name }}_offsets as offsets
        on
            ranges.as_of_date = offsets.as_of_date
            and ranges.value_range = offsets.value_range
)
{%- endmacro %}
