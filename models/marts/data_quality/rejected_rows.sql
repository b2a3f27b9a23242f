{%- set quarantines = [
    'stg_crm__contacts_quarantine',
    'stg_crm__contact_tags_quarantine',
    'stg_shop__orders_quarantine',
    'stg_shop__order_lines_quarantine',
    'stg_shop__products_quarantine',
    'stg_tracking__events_quarantine',
] -%}

with

{% for quarantine in quarantines -%}
{{ quarantine }} as (
    select * from {{ ref(quarantine) }}
),

{% endfor -%}

unioned as (
    {%- for quarantine in quarantines %}
    select
        entity,
        record_key,
        rejection_reason,
        rejected_column,
        raw_record
    from {{ quarantine }}
    {%- if not loop.last %}

    union all
    {% endif -%}
    {%- endfor %}
),

final as (
    select
        entity,
        record_key,
        rejection_reason,
        rejected_column,
        raw_record
    from unioned
)

select * from final
