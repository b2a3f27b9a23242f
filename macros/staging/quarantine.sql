{#- The quarantine shape, the same for every entity: the rows of a validated
    base model that were rejected, with the reason and the raw text, and the
    entity's malformed CSV lines (reason malformed_line: record_key is
    file:line, raw_record holds the file, line, text and reader error). -#}
{% macro select_rejected_rows(validated_relation, entity) -%}
with

validated as (
    select * from {{ validated_relation }}
),

malformed_lines as (
    select
        file_name,
        cast(line_number as {{ dbt.type_string() }}) as line_number,
        line_text,
        error_message
    from {{ source('raw_files', 'malformed_lines') }}
    where entity = {{ sql_string_literal(entity) }}
),

rejected as (
    select
        entity,
        record_key,
        rejection_reason,
        rejected_column,
        raw_record
    from validated
    where rejection_reason is not null
),

malformed as (
    select
        {{ sql_string_literal(entity) }} as entity,
        {{ dbt.concat(['file_name', "':'", 'line_number']) }} as record_key,
        'malformed_line' as rejection_reason,
        cast(null as {{ dbt.type_string() }}) as rejected_column,
        {{ raw_record(['file_name', 'line_number', 'line_text', 'error_message']) }} as raw_record
    from malformed_lines
),

final as (
    select * from rejected
    union all
    select * from malformed
)

select * from final
{%- endmacro %}
