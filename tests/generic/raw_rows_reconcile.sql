{#- Every raw row is accounted for: rows in the source (and malformed lines
    of its file) = rows in the staging model + rows in its quarantine
    companion. Fails with the three counts. -#}
{% test raw_rows_reconcile(model, source_name, source_table, quarantine_model) %}
    with

    raw_rows as (
        select
            (select count(*) from {{ source(source_name, source_table) }})
            + (select count(*) from {{ source('raw_files', 'malformed_lines') }} where entity = {{ sql_string_literal(source_table) }})
            as row_count
    ),

    staged_rows as (
        select count(*) as row_count from {{ model }}
    ),

    rejected_rows as (
        select count(*) as row_count from {{ ref(quarantine_model) }}
    )

    select
        raw_rows.row_count as raw_row_count,
        staged_rows.row_count as staged_row_count,
        rejected_rows.row_count as rejected_row_count
    from raw_rows
    cross join staged_rows
    cross join rejected_rows
    where raw_rows.row_count <> staged_rows.row_count + rejected_rows.row_count
{% endtest %}
