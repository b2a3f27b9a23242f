{#- Every reason the persona rules cannot give each customer exactly one
    persona, one row each: bad rule rows, score combinations no rule covers
    or several rules cover, and rules reaching scores that cannot occur. The
    post-hook stops the build when any row exists. -#}
{%- set subject = "rfm_personas_" ~ rfm_persona_scheme() -%}
with

rules as (
    select * from {{ ref('int_rfm_persona_rules') }}
),

bins as (
    select * from {{ ref('int_rfm_score_bins') }}
),

-- The scores that can occur: recency 1..R and F + M from 2 to F bins + M bins.
score_space as (
    select
        max(case when dimension = 'recency' then bins end) as recency_bins,
        max(case when dimension = 'frequency' then bins end)
        + max(case when dimension = 'monetary' then bins end) as fm_score_max
    from bins
),

integers as (
    {{ integer_series(1, 18, 'number') }}
),

combinations as (
    select
        recency.number as recency_score,
        fm.number as fm_score
    from score_space
    inner join integers as recency
        on score_space.recency_bins >= recency.number
    inner join integers as fm
        on fm.number between 2 and score_space.fm_score_max
),

coverage as (
    select
        combinations.recency_score,
        combinations.fm_score,
        count(rules.persona) as covering_rules,
        {{ dbt.listagg("rules.persona", "', '", "order by rules.persona") }} as covering_personas
    from combinations
    left join rules
        on
            combinations.recency_score between rules.recency_score_min and rules.recency_score_max
            and combinations.fm_score between rules.fm_score_min and rules.fm_score_max
    group by combinations.recency_score, combinations.fm_score
),

uncovered as (
    select
        'uncovered' as problem,
        cast(null as {{ dbt.type_string() }}) as persona,
        recency_score,
        fm_score,
        {{ dbt.concat([
            "'score combination R='", "cast(recency_score as " ~ dbt.type_string() ~ ")",
            "', F+M='", "cast(fm_score as " ~ dbt.type_string() ~ ")", "' is covered by no persona'",
        ]) }} as detail
    from coverage
    where covering_rules = 0
),

covered_twice as (
    select
        'covered_twice' as problem,
        cast(null as {{ dbt.type_string() }}) as persona,
        recency_score,
        fm_score,
        {{ dbt.concat([
            "'score combination R='", "cast(recency_score as " ~ dbt.type_string() ~ ")",
            "', F+M='", "cast(fm_score as " ~ dbt.type_string() ~ ")",
            "' is covered by '", "cast(covering_rules as " ~ dbt.type_string() ~ ")",
            "' personas: '", "covering_personas",
        ]) }} as detail
    from coverage
    where covering_rules > 1
),

out_of_range as (
    select
        'out_of_range' as problem,
        rules.persona,
        cast(null as {{ dbt.type_int() }}) as recency_score,
        cast(null as {{ dbt.type_int() }}) as fm_score,
        {{ dbt.concat([
            "'persona '''", "coalesce(rules.persona, '')", "''' covers R '",
            "cast(rules.recency_score_min as " ~ dbt.type_string() ~ ")", "'-'",
            "cast(rules.recency_score_max as " ~ dbt.type_string() ~ ")",
            "' and F+M '", "cast(rules.fm_score_min as " ~ dbt.type_string() ~ ")", "'-'",
            "cast(rules.fm_score_max as " ~ dbt.type_string() ~ ")",
            "', but scores can only be R 1-'", "cast(score_space.recency_bins as " ~ dbt.type_string() ~ ")",
            "' and F+M 2-'", "cast(score_space.fm_score_max as " ~ dbt.type_string() ~ ")",
            "' (check the bins vars or thresholds)'",
        ]) }} as detail
    from rules
    cross join score_space
    where
        rules.recency_score_min < 1
        or rules.recency_score_max > score_space.recency_bins
        or rules.fm_score_min < 2
        or rules.fm_score_max > score_space.fm_score_max
),

bad_rules as (
    select
        'bad_rule' as problem,
        persona,
        cast(null as {{ dbt.type_int() }}) as recency_score,
        cast(null as {{ dbt.type_int() }}) as fm_score,
        {{ dbt.concat([
            "'persona '''", "coalesce(persona, '')", "''': '",
            "case
                when persona is null or trim(persona) = '' then 'the persona name is empty'
                when persona in ('Non-customers', 'No longer a customer')
                    then 'the name is reserved for contacts without a valid order'
                when persona_rank is null or persona_rank < 1 then 'persona_rank must be a whole number >= 1'
                when lifecycle_stage is null or lifecycle_stage not in ('Active', 'Lapsing', 'Inactive')
                    then 'lifecycle_stage must be Active, Lapsing or Inactive'
                when recency_score_min is null or recency_score_max is null
                    or fm_score_min is null or fm_score_max is null
                    then 'every score bound must be given'
                when recency_score_min > recency_score_max then 'recency_score_min is above recency_score_max'
                else 'fm_score_min is above fm_score_max'
            end",
        ]) }} as detail
    from rules
    where
        persona is null
        or trim(persona) = ''
        or persona in ('Non-customers', 'No longer a customer')
        or persona_rank is null
        or persona_rank < 1
        or lifecycle_stage is null
        or lifecycle_stage not in ('Active', 'Lapsing', 'Inactive')
        or recency_score_min is null
        or recency_score_max is null
        or fm_score_min is null
        or fm_score_max is null
        or recency_score_min > recency_score_max
        or fm_score_min > fm_score_max
),

repeated_names as (
    select
        'repeated_persona' as problem,
        persona,
        cast(null as {{ dbt.type_int() }}) as recency_score,
        cast(null as {{ dbt.type_int() }}) as fm_score,
        {{ dbt.concat([
            "'persona '''", "persona", "''' has '", "cast(count(*) as " ~ dbt.type_string() ~ ")",
            "' rows; give each persona one row'",
        ]) }} as detail
    from rules
    where persona is not null
    group by persona
    having count(*) > 1
),

repeated_ranks as (
    select
        'repeated_rank' as problem,
        cast(null as {{ dbt.type_string() }}) as persona,
        cast(null as {{ dbt.type_int() }}) as recency_score,
        cast(null as {{ dbt.type_int() }}) as fm_score,
        {{ dbt.concat([
            "'persona_rank '", "cast(persona_rank as " ~ dbt.type_string() ~ ")",
            "' is given to '", "cast(count(*) as " ~ dbt.type_string() ~ ")",
            "' personas: '", dbt.listagg("persona", "', '", "order by persona"),
        ]) }} as detail
    from rules
    where persona_rank is not null
    group by persona_rank
    having count(*) > 1
),

all_problems as (
    select * from bad_rules
    union all
    select * from repeated_names
    union all
    select * from repeated_ranks
    union all
    select * from out_of_range
    union all
    select * from uncovered
    union all
    select * from covered_twice
),

final as (
    select
        problem,
        persona,
        recency_score,
        fm_score,
        {{ dbt.concat([sql_string_literal(subject ~ ": "), "detail"]) }} as message,
        -- Rule errors first, then combinations in score order.
        case problem
            when 'bad_rule' then 1
            when 'repeated_persona' then 2
            when 'repeated_rank' then 3
            when 'out_of_range' then 4
            when 'uncovered' then 5
            else 6
        end * 10000 + coalesce(recency_score, 0) * 100 + coalesce(fm_score, 0) as sort_key
    from all_problems
)

select * from final
