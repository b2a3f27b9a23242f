with

grouped as (
    select * from {{ ref('int_contacts_opportunity_grouped') }}
),

final as (
    select
        contact_id,
        contact_type,
        purchase_phase,
        persona,
        persona_rank,
        engagement_points,
        engagement_score,
        engagement_level,
        opportunity_intent,
        opportunity_group,
        is_opportunity,
        x_position,
        y_position,
        engagement_status,
        last_interaction_date,
        {{ decision_window_days() }} as decision_window_days,
        as_of_date
    from grouped
    where as_of_date = {{ as_of_date() }}
)

select * from final
