{%- set entities = [
    ['contacts', source('crm', 'contacts'), 'stg_crm__contacts', 'stg_crm__contacts_quarantine'],
    ['contact_tags', source('crm', 'contact_tags'), 'stg_crm__contact_tags', 'stg_crm__contact_tags_quarantine'],
    ['orders', source('shop', 'orders'), 'stg_shop__orders', 'stg_shop__orders_quarantine'],
    ['order_lines', source('shop', 'order_lines'), 'stg_shop__order_lines', 'stg_shop__order_lines_quarantine'],
    ['products', source('shop', 'products'), 'stg_shop__products', 'stg_shop__products_quarantine'],
    ['events', source('tracking', 'events'), 'stg_tracking__events', 'stg_tracking__events_quarantine'],
] -%}

-- Row counts of each raw entity and where its rows went, so a person can see
-- at a glance that nothing was lost (raw = staged + rejected). Raw rows count
-- the malformed lines of a CSV file too: they are rejected as malformed_line.
with

malformed_lines as (
    select
        entity,
        count(*) as malformed_lines
    from {{ source('raw_files', 'malformed_lines') }}
    group by entity
),

counted as (
    {%- for entity in entities %}
    select
        '{{ entity[0] }}' as entity,
        (select count(*) from {{ entity[1] }}) as file_rows,
        (select count(*) from {{ ref(entity[2]) }}) as staged_rows,
        (select count(*) from {{ ref(entity[3]) }}) as rejected_rows
    {%- if not loop.last %}

    union all
    {% endif -%}
    {%- endfor %}
),

-- Raw rows count the lines of a CSV file that could not be read as rows too.
with_malformed as (
    select
        counted.entity,
        counted.staged_rows,
        counted.rejected_rows,
        counted.file_rows + coalesce(malformed_lines.malformed_lines, 0) as raw_rows
    from counted
    left join malformed_lines
        on counted.entity = malformed_lines.entity
),

final as (
    select
        entity,
        cast(raw_rows as {{ dbt.type_bigint() }}) as raw_rows,
        cast(staged_rows as {{ dbt.type_bigint() }}) as staged_rows,
        cast(rejected_rows as {{ dbt.type_bigint() }}) as rejected_rows,
        raw_rows = staged_rows + rejected_rows as is_reconciled
    from with_malformed
)

select * from final
