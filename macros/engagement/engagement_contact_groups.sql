{#- The groups the engagement marts report on: every subscription status of the
    seed (even one without contacts), in its order, after all contacts (0). -#}
{% macro engagement_contact_groups() -%}
    select
        subscription_status as contact_group,
        group_order
    from {{ ref('subscription_statuses') }}
    union all
    select
        'All contacts' as contact_group,
        0 as group_order
{%- endmacro %}
