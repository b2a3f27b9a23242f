{#- Every reason the thresholds seed cannot score the active scheme, one row
    each. Empty unless rfm_scoring_method is thresholds. The post-hook stops
    the build when any row exists. -#}
{%- set subject = "rfm_score_thresholds, scheme '" ~ rfm_persona_scheme() ~ "'" -%}
with

thresholds as (
    select * from {{ ref('int_rfm_score_thresholds') }}
),

-- The dimensions, and whether a larger value is better (a higher score).
dimensions as (
    {%- for dimension in rfm_dimensions() %}
    select
        {{ sql_string_literal(dimension) }} as dimension,
        {{ 'false' if dimension == 'recency' else 'true' }} as is_higher_better
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

scores as (
    {{ integer_series(1, 9, 'score') }}
),

-- Buckets in value order, each beside the one before it.
ordered_buckets as (
    select
        thresholds.dimension,
        thresholds.score,
        thresholds.min_value,
        thresholds.max_value,
        dimensions.is_higher_better,
        row_number() over (
            partition by thresholds.dimension
            order by thresholds.min_value nulls first, thresholds.max_value nulls last, thresholds.score nulls last
        ) as bucket_position,
        count(*) over (partition by thresholds.dimension) as buckets,
        lag(thresholds.score) over (
            partition by thresholds.dimension
            order by thresholds.min_value nulls first, thresholds.max_value nulls last, thresholds.score nulls last
        ) as previous_score,
        lag(thresholds.max_value) over (
            partition by thresholds.dimension
            order by thresholds.min_value nulls first, thresholds.max_value nulls last, thresholds.score nulls last
        ) as previous_max_value
    from thresholds
    inner join dimensions
        on thresholds.dimension = dimensions.dimension
),

bucket_counts as (
    select
        dimension,
        count(*) as buckets
    from thresholds
    group by dimension
),

unknown_dimensions as (
    select
        thresholds.dimension,
        'unknown_dimension' as problem,
        {{ dbt.concat([
            "'dimension '''", "coalesce(thresholds.dimension, '')",
            "''' is not one of recency, frequency, monetary'",
        ]) }} as detail
    from thresholds
    left join dimensions
        on thresholds.dimension = dimensions.dimension
    where dimensions.dimension is null
),

missing_dimensions as (
    select
        dimensions.dimension,
        'no_buckets' as problem,
        'has no buckets' as detail
    from dimensions
    left join bucket_counts
        on dimensions.dimension = bucket_counts.dimension
    where bucket_counts.dimension is null
),

bad_scores as (
    select
        dimension,
        'bad_score' as problem,
        {{ dbt.concat([
            "'score '", "coalesce(cast(score as " ~ dbt.type_string() ~ "), 'empty')",
            "' is not a whole number from 1 to 9'",
        ]) }} as detail
    from ordered_buckets
    where score is null or score < 1 or score > 9
),

repeated_scores as (
    select
        dimension,
        'repeated_score' as problem,
        {{ dbt.concat([
            "'score '", "cast(score as " ~ dbt.type_string() ~ ")",
            "' appears '", "cast(count(*) as " ~ dbt.type_string() ~ ")", "' times'",
        ]) }} as detail
    from ordered_buckets
    where score is not null
    group by dimension, score
    having count(*) > 1
),

missing_scores as (
    select
        bucket_counts.dimension,
        'missing_score' as problem,
        {{ dbt.concat([
            "'score '", "cast(scores.score as " ~ dbt.type_string() ~ ")",
            "' has no bucket (scores must run from 1 to the number of buckets, '",
            "cast(bucket_counts.buckets as " ~ dbt.type_string() ~ ")", "')'",
        ]) }} as detail
    from bucket_counts
    inner join dimensions
        on bucket_counts.dimension = dimensions.dimension
    inner join scores
        on bucket_counts.buckets >= scores.score
    left join thresholds
        on
            bucket_counts.dimension = thresholds.dimension
            and scores.score = thresholds.score
    where thresholds.dimension is null
),

empty_buckets as (
    select
        dimension,
        'empty_bucket' as problem,
        {{ dbt.concat([
            "'score '", "coalesce(cast(score as " ~ dbt.type_string() ~ "), 'empty')",
            "': min_value '", "cast(min_value as " ~ dbt.type_string() ~ ")",
            "' is not below max_value '", "cast(max_value as " ~ dbt.type_string() ~ ")",
        ]) }} as detail
    from ordered_buckets
    where min_value >= max_value
),

-- Values start at 0 (days, orders, money): the first bucket must start there
-- or lower, the last must have no upper bound, and each bucket must start
-- exactly where the one before it ends (min_value <= value < max_value).
gaps_and_overlaps as (
    select
        dimension,
        'gap' as problem,
        {{ dbt.concat([
            "'gap: no bucket holds values from 0 up to '", "cast(min_value as " ~ dbt.type_string() ~ ")",
        ]) }} as detail
    from ordered_buckets
    where bucket_position = 1 and min_value > 0

    union all

    select
        dimension,
        'gap' as problem,
        {{ dbt.concat([
            "'gap: no bucket holds values of '", "cast(max_value as " ~ dbt.type_string() ~ ")",
            "' and above (leave max_value empty on the last bucket)'",
        ]) }} as detail
    from ordered_buckets
    where bucket_position = buckets and max_value is not null

    union all

    select
        dimension,
        'gap' as problem,
        {{ dbt.concat([
            "'gap: no bucket holds values from '", "cast(previous_max_value as " ~ dbt.type_string() ~ ")",
            "' up to '", "cast(min_value as " ~ dbt.type_string() ~ ")",
            "' (score '", "coalesce(cast(previous_score as " ~ dbt.type_string() ~ "), 'empty')",
            "' ends at '", "cast(previous_max_value as " ~ dbt.type_string() ~ ")",
            "', score '", "coalesce(cast(score as " ~ dbt.type_string() ~ "), 'empty')",
            "' starts at '", "cast(min_value as " ~ dbt.type_string() ~ ")", "')'",
        ]) }} as detail
    from ordered_buckets
    where bucket_position > 1 and min_value > previous_max_value

    union all

    select
        dimension,
        'overlap' as problem,
        {{ dbt.concat([
            "'overlap: score '", "coalesce(cast(score as " ~ dbt.type_string() ~ "), 'empty')",
            "' starts at '", "coalesce(cast(min_value as " ~ dbt.type_string() ~ "), 'no lower bound')",
            "', inside score '", "coalesce(cast(previous_score as " ~ dbt.type_string() ~ "), 'empty')",
            "', which ends at '", "coalesce(cast(previous_max_value as " ~ dbt.type_string() ~ "), 'no upper bound')",
        ]) }} as detail
    from ordered_buckets
    where
        bucket_position > 1
        and (min_value is null or previous_max_value is null or min_value < previous_max_value)
),

-- Higher scores are better: for recency they go to fewer days, for frequency
-- and monetary to larger values.
misordered_scores as (
    select
        dimension,
        'score_order' as problem,
        {{ dbt.concat([
            "'score '", "cast(score as " ~ dbt.type_string() ~ ")",
            "' is bucket '", "cast(bucket_position as " ~ dbt.type_string() ~ ")",
            "' in value order; '",
            "case when is_higher_better then 'scores must rise with the value' else 'scores must fall as days since the last order rise' end",
        ]) }} as detail
    from ordered_buckets
    where
        score is not null
        and score != case when is_higher_better then bucket_position else buckets - bucket_position + 1 end
),

all_problems as (
    select * from unknown_dimensions
    union all
    select * from missing_dimensions
    union all
    select * from bad_scores
    union all
    select * from repeated_scores
    union all
    select * from missing_scores
    union all
    select * from empty_buckets
    union all
    select * from gaps_and_overlaps
    union all
    select * from misordered_scores
),

final as (
    select
        dimension,
        problem,
        {{ dbt.concat([
            sql_string_literal(subject ~ ", dimension '"), "coalesce(dimension, '')", "''': '", "detail",
        ]) }} as message,
        case dimension when 'recency' then 1 when 'frequency' then 2 when 'monetary' then 3 else 0 end as sort_key
    from all_problems
    where {{ 'true' if rfm_scoring_method() == 'thresholds' else 'false' }}
)

select * from final
