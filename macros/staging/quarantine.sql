{#- The quarantine shape, the same for every entity: the rows of a validated
    base model that were rejected, with the reason and the raw text. -#}
{% macro select_rejected_rows(validated_relation) -%}
with

validated as (
    select * from {{ validated_relation }}
),

final as (
    select
        entity,
        record_key,
        rejection_reason,
        rejected_column,
        raw_record
    from validated
    where rejection_reason is not null
)

select * from final
{%- endmacro %}
