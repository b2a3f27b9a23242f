{#- A raw file whose rows are mostly rejected is a file the contract does not
    fit (ids written 00000002 where the contacts say 2, a ';'-separated
    export with decimal commas), not a few bad rows: the build stops, and
    says which reasons, rather than publish marts built on what is left.
    The share is var max_rejected_share (default 0.5) of the entity's raw
    rows (malformed lines included); an entity with no raw rows passes. -#}
{% test rejected_share_within_limit(model, source_name, source_table, quarantine_model) %}
    {%- set limit = var('max_rejected_share', 0.5) -%}
    {%- if limit is not number or limit < 0 or limit > 1 -%}
        {{ exceptions.raise_compiler_error("var max_rejected_share: '" ~ limit ~ "' must be a number from 0 to 1 (the share of an entity's raw rows that may be rejected)") }}
    {%- endif -%}
    {%- set raw_relation = source(source_name, source_table) -%}
    {%- set malformed_relation = source('raw_files', 'malformed_lines') -%}
    {%- set quarantine = ref(quarantine_model) -%}
    {%- if execute -%}
        {%- set counted = run_query(
            'select (select count(*) from ' ~ raw_relation ~ ')'
            ~ ' + (select count(*) from ' ~ malformed_relation ~ ' where entity = ' ~ sql_string_literal(source_table) ~ '),'
            ~ ' (select count(*) from ' ~ quarantine ~ ')'
        ) -%}
        {%- set raw_rows = counted.rows[0][0] -%}
        {%- set rejected = counted.rows[0][1] -%}
        {%- if raw_rows > 0 and rejected / raw_rows > limit -%}
            {%- set reasons = run_query(
                'select rejection_reason, coalesce(rejected_column, \'\'), count(*) from ' ~ quarantine
                ~ ' group by 1, 2 order by 3 desc, 1, 2 limit 3'
            ) -%}
            {%- set listed = [] -%}
            {%- for row in reasons.rows -%}
                {%- do listed.append(row[0] ~ (' (' ~ row[1] ~ ')' if row[1] else '') ~ ': ' ~ row[2]) -%}
            {%- endfor -%}
            {{ exceptions.raise_compiler_error(
                source_table ~ ": " ~ rejected ~ " of " ~ raw_rows ~ " raw rows (" ~ ((100.0 * rejected / raw_rows) | round(1)) ~ " %) were rejected, above var max_rejected_share ("
                ~ ((100.0 * limit) | round(1)) ~ " %). Top reasons: " ~ (listed | join('; '))
                ~ ". The file likely does not fit the raw-data contract (ids written differently from the contacts file, another delimiter or decimal separator); see marts.rejected_rows or " ~ quarantine_model ~ "."
            ) }}
        {%- endif -%}
    {%- endif -%}
    select 1 as rejected_share_above_limit where 1 = 0
{% endtest %}
