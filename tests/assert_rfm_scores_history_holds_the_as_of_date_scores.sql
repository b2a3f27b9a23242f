-- After a build, the history's rows for the as-of date are exactly
-- rfm_scores: no row missing, none extra, none different. Returns the rows
-- found on one side only.
with

scores as (
    select * from {{ ref('rfm_scores') }}
),

history as (
    select * from {{ ref('rfm_scores_history') }}
    where as_of_date = {{ as_of_date() }}
),

{%- set compared = 'as_of_date, contact_id, recency_days, frequency, monetary, average_order_value, recency_score, frequency_score, monetary_score, rfm_code, fm_score, persona, persona_rank, lifecycle_stage, scoring_method, persona_scheme' %}

only_in_scores as (
    select {{ compared }} from scores
    except
    select {{ compared }} from history
),

only_in_history as (
    select {{ compared }} from history
    except
    select {{ compared }} from scores
),

final as (
    select
        'only in rfm_scores' as side,
        only_in_scores.*
    from only_in_scores
    union all
    select
        'only in rfm_scores_history' as side,
        only_in_history.*
    from only_in_history
)

select * from final
