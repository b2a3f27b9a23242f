-- One row per segment and static list of the catalog, and one for the
-- all-contacts baseline: the rows every insight mart reports on.
with

catalog as (
    select * from {{ ref('segments') }}
),

final as (
    select
        segment_key,
        name as segment_name,
        segment_type,
        status,
        false as is_baseline
    from catalog
    union all
    select
        {{ sql_string_literal(baseline_segment_key()) }} as segment_key,
        'All contacts' as segment_name,
        'baseline' as segment_type,
        'active' as status,
        true as is_baseline
)

select * from final
