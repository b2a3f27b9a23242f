{#- A table: its tests and the opportunity groups read it, and as a view each
    of them would score every event day again (about 10 s each at 100M). -#}
{{ config(materialized='table') }}
{%- set window_days = decision_window_days() -%}
{#- checks the seed's ranks (none in unit tests) -#}
{%- set levels = engagement_level_count() -%}
with

-- The backtest's cutoff date needs no engagement: only the others are scored.
score_dates as (
    select * from {{ ref('int_score_dates') }}
    where is_engagement_date
),

contacts_as_of as (
    select * from {{ ref('int_score_date_contacts') }}
    where as_of_date in (select score_dates.as_of_date from score_dates)
),

event_days as (
    select * from {{ ref('int_contact_event_days') }}
),

weights as (
    select * from {{ ref('event_types') }}
    where weight is not null
),

engagement_levels as (
    select * from {{ ref('engagement_levels') }}
),

-- The number of levels above 0.
band_count as (
    select max(engagement_level_rank) as bands
    from engagement_levels
),

-- Days inside each date's decision window: age 0 (the date itself) to
-- window − 1.
window_days as (
    select
        score_dates.as_of_date,
        event_days.contact_id,
        event_days.event_type,
        event_days.scoring_events,
        {{ dbt.datediff('event_days.event_date', 'score_dates.as_of_date', 'day') }} as age_days
    from score_dates
    inner join event_days
        on
            score_dates.as_of_date >= event_days.event_date
            and {{ dbt.dateadd('day', -window_days, 'score_dates.as_of_date') }} < event_days.event_date
    where event_days.scoring_events > 0
),

-- An event contributes weight × (window − age_days) / window. Summing the
-- whole-number numerators keeps the score exact; ranks use them.
points as (
    select
        window_days.as_of_date,
        window_days.contact_id,
        sum(window_days.scoring_events * weights.weight * ({{ window_days }} - window_days.age_days)) as engagement_points,
        sum(window_days.scoring_events) as scoring_events
    from window_days
    inner join weights
        on window_days.event_type = weights.event_type
    group by window_days.as_of_date, window_days.contact_id
),

scored as (
    select
        contacts_as_of.as_of_date,
        contacts_as_of.contact_id,
        cast(coalesce(points.engagement_points, 0) as {{ dbt.type_bigint() }}) as engagement_points,
        cast(coalesce(points.scoring_events, 0) as {{ dbt.type_bigint() }}) as scoring_events_in_window
    from contacts_as_of
    left join points
        on
            contacts_as_of.as_of_date = points.as_of_date
            and contacts_as_of.contact_id = points.contact_id
),

{% if engagement_level_method() == 'quantile' -%}
-- Equal bands among each date's engaged contacts, as RFM scores, one per
-- level above 0 of the engagement_levels seed (B, three shipped): level
-- 1 + floor(B × (rank − 1) / N) with rank() from the lowest score; ties
-- share a level.
engaged as (
    select
        as_of_date,
        contact_id,
        engagement_points
    from scored
    where engagement_points > 0
),

{{ value_rank_ctes('engaged_ranks', 'engaged', 'engagement_points') }},

engaged_counts as (
    select
        as_of_date,
        count(*) as engaged_contacts
    from engaged
    group by as_of_date
),

ranked as (
    select
        engaged_ranks.as_of_date,
        engaged_ranks.contact_id,
        1 + {{ integer_divide(
            'band_count.bands * (engaged_ranks.value_rank - 1)',
            'engaged_counts.engaged_contacts'
        ) }} as engaged_band
    from engaged_ranks
    inner join engaged_counts
        on engaged_ranks.as_of_date = engaged_counts.as_of_date
    cross join band_count
),

leveled as (
    select
        scored.as_of_date,
        scored.contact_id,
        scored.engagement_points,
        scored.scoring_events_in_window,
        coalesce(ranked.engaged_band, 0) as engagement_level_rank
    from scored
    left join ranked
        on
            scored.as_of_date = ranked.as_of_date
            and scored.contact_id = ranked.contact_id
),
{%- else -%}
{%- set thresholds = engagement_level_thresholds() %}
{%- if levels is not none and levels != 3 -%}
    {{ exceptions.raise_compiler_error("engagement_level_method thresholds cuts the engaged contacts into three levels (engagement_moderately_min_score, engagement_most_min_score), but seeds/engagement_levels.csv has " ~ levels ~ " levels above 0; use engagement_level_method quantile, or three levels") }}
{%- endif %}
-- Fixed thresholds on the score (points / window).
leveled as (
    select
        as_of_date,
        contact_id,
        engagement_points,
        scoring_events_in_window,
        case
            when engagement_points = 0 then 0
            when engagement_points >= {{ thresholds[1] }} * {{ window_days }} then 3
            when engagement_points >= {{ thresholds[0] }} * {{ window_days }} then 2
            else 1
        end as engagement_level_rank
    from scored
),
{%- endif %}

final as (
    select
        leveled.as_of_date,
        leveled.contact_id,
        leveled.engagement_points,
        cast({{ divide('1.0 * leveled.engagement_points', window_days) }} as {{ ratio_type() }}) as engagement_score,
        leveled.scoring_events_in_window,
        cast(leveled.engagement_level_rank as {{ dbt.type_int() }}) as engagement_level_rank,
        engagement_levels.engagement_level,
        {{ window_days }} as decision_window_days
    from leveled
    inner join engagement_levels
        on leveled.engagement_level_rank = engagement_levels.engagement_level_rank
)

select * from final
