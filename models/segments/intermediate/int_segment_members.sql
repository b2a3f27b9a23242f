{#- One row per segment (and static list) and member contact as of the
    as-of date: the members of every segment model (each segment is evaluated
    there, and only there) and of every static list effective then. When you
    add a segment, add its model to this list (docs/segments.md "Add a
    segment"); the build stops naming a segment missing here. -#}
{%- set segment_models = [
    ref('seg_cart_abandoners'),
    ref('seg_engaged_non_customer_product_viewers'),
    ref('seg_most_engaged_champions_openers'),
    ref('seg_seasonal_allergy_buyers'),
    ref('seg_sofa_without_coffee_table'),
    ref('seg_sunset_subscribed_non_engaged'),
    ref('seg_win_back_big_spenders'),
] %}
with

static_members as (
    select * from {{ ref('int_static_list_members') }}
),

final as (
    {%- for segment_model in segment_models %}
    select
        segment_key,
        contact_id
    from {{ segment_model }}
    union all
    {%- endfor %}
    select
        list_key as segment_key,
        contact_id
    from static_members
)

select * from final
