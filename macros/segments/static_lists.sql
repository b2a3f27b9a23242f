{#- Static lists: frozen segment members or uploaded contact ids, kept in
    tables no model rebuilds (schema var static_lists_schema). Created by
    the on-run-start hook; filled only by the operations below. -#}

{% macro static_lists_schema() -%}
    {{ return(var('static_lists_schema') | string) }}
{%- endmacro %}

{% macro static_list_relation(table_name) -%}
    {{ return(adapter.quote(static_lists_schema()) ~ '.' ~ adapter.quote(table_name)) }}
{%- endmacro %}

{#- on-run-start hook (and the operations): the three tables, if missing. -#}
{% macro create_static_list_tables() %}
    {%- if execute -%}
        {%- set text = dbt.type_string() -%}
        {%- do run_query('create schema if not exists ' ~ adapter.quote(static_lists_schema())) -%}
        {%- do run_query('create table if not exists ' ~ static_list_relation('static_lists') ~ ' (list_key ' ~ text ~ ', name ' ~ text ~ ', description ' ~ text ~ ', source_type ' ~ text ~ ', source_segment_key ' ~ text ~ ', source_file ' ~ text ~ ', effective_date date, created_at ' ~ dbt.type_timestamp() ~ ', members ' ~ dbt.type_bigint() ~ ', rejected_ids ' ~ dbt.type_bigint() ~ ')') -%}
        {%- do run_query('create table if not exists ' ~ static_list_relation('static_list_members') ~ ' (list_key ' ~ text ~ ', contact_id ' ~ text ~ ')') -%}
        {%- do run_query('create table if not exists ' ~ static_list_relation('static_list_rejected_ids') ~ ' (list_key ' ~ text ~ ', contact_id ' ~ text ~ ', rejection_reason ' ~ text ~ ')') -%}
    {%- endif -%}
    select 1
{% endmacro %}

{#- Checks a new list key: snake_case, not a segment key, not used yet. -#}
{% macro check_new_static_list_key(list_key) %}
    {%- if list_key is not string or not modules.re.match('^[a-z][a-z0-9_]*$', list_key) -%}
        {{ exceptions.raise_compiler_error("static list '" ~ list_key ~ "': the key must be snake_case (lower-case letters, digits and _, starting with a letter)") }}
    {%- endif -%}
    {%- if list_key == baseline_segment_key() -%}
        {{ exceptions.raise_compiler_error("static list '" ~ list_key ~ "': the key is reserved for the all-contacts baseline of the segment insights") }}
    {%- endif -%}
    {%- if list_key in segment_registry() -%}
        {{ exceptions.raise_compiler_error("static list '" ~ list_key ~ "': a segment has this key; static lists and segments share one namespace") }}
    {%- endif -%}
    {%- do create_static_list_tables() -%}
    {%- set existing = run_query('select count(*) from ' ~ static_list_relation('static_lists') ~ ' where list_key = ' ~ sql_string_literal(list_key)).columns[0].values()[0] -%}
    {%- if existing > 0 -%}
        {{ exceptions.raise_compiler_error("static list '" ~ list_key ~ "' already exists; a static list never changes: choose a new key") }}
    {%- endif -%}
{% endmacro %}

{#- dbt run-operation freeze_static_list --args '{list_key: ..., segment_key: ...,
    name: ..., description: ...}': copies the members segment_members holds
    for the segment (as of the last build's as-of date) into a new list. -#}
{% macro freeze_static_list(list_key, segment_key, name=none, description=none) %}
    {%- do check_new_static_list_key(list_key) -%}
    {%- set registry = segment_registry() -%}
    {%- if segment_key not in registry -%}
        {{ exceptions.raise_compiler_error("static list '" ~ list_key ~ "': unknown segment '" ~ segment_key ~ "'; segments: " ~ (registry.keys() | list | join(', '))) }}
    {%- endif -%}
    {%- set members_relation = ref('segment_members') -%}
    {%- set members = run_query('select count(*) from ' ~ members_relation ~ ' where segment_key = ' ~ sql_string_literal(segment_key)).columns[0].values()[0] -%}
    {%- set effective = run_query('select max(as_of_date) from ' ~ ref('segments')).columns[0].values()[0] -%}
    {%- if effective is none -%}
        {{ exceptions.raise_compiler_error("static list '" ~ list_key ~ "': the segments have not been built yet; run dbt build first") }}
    {%- endif -%}
    {%- set insert_members -%}
        insert into {{ static_list_relation('static_list_members') }} (list_key, contact_id)
        select {{ sql_string_literal(list_key) }}, contact_id
        from {{ members_relation }}
        where segment_key = {{ sql_string_literal(segment_key) }}
    {%- endset -%}
    {%- set insert_list -%}
        insert into {{ static_list_relation('static_lists') }}
            (list_key, name, description, source_type, source_segment_key, source_file, effective_date, created_at, members, rejected_ids)
        select
            {{ sql_string_literal(list_key) }},
            {{ sql_string_literal(name or ("Frozen " ~ registry[segment_key].definition.name)) }},
            {{ sql_string_literal(description or ("Members of segment " ~ segment_key ~ " as of " ~ effective)) }},
            'segment',
            {{ sql_string_literal(segment_key) }},
            null,
            {{ date_literal(effective | string) }},
            current_timestamp,
            {{ members }},
            0
    {%- endset -%}
    {%- do run_query(insert_members) -%}
    {%- do run_query(insert_list) -%}
    {{ log("static list " ~ list_key ~ ": froze " ~ members ~ " member(s) of segment " ~ segment_key ~ " as of " ~ effective, info=True) }}
{% endmacro %}

{#- dbt run-operation create_static_list_from_upload --args '{list_key: ...,
    upload_relation: ..., source_file: ..., name: ..., description: ...}':
    a new list from a table of uploaded contact ids (column contact_id, as
    text). Ids not in dim_contacts, empty and repeated ids are kept in
    static_list_rejected_ids with their reason and reported, never dropped. -#}
{% macro create_static_list_from_upload(list_key, upload_relation, source_file=none, name=none, description=none) %}
    {%- do check_new_static_list_key(list_key) -%}
    {%- set contacts = ref('dim_contacts') -%}
    {%- set classified -%}
        with uploaded as (
            select trim(cast(contact_id as {{ dbt.type_string() }})) as contact_id from {{ upload_relation }}
        ),
        numbered as (
            select
                contact_id,
                row_number() over (partition by contact_id order by contact_id) as occurrence
            from uploaded
        )
        select
            numbered.contact_id,
            case
                when numbered.contact_id is null or numbered.contact_id = '' then 'missing_contact_id'
                when contacts.contact_id is null then 'unknown_contact_id'
                when numbered.occurrence > 1 then 'duplicate_contact_id'
            end as rejection_reason
        from numbered
        left join {{ contacts }} as contacts
            on numbered.contact_id = contacts.contact_id
    {%- endset -%}
    {%- do run_query(create_temporary_table_as('static_list_upload_classified', classified)) -%}
    {%- set counts = run_query('select count(*), sum(case when rejection_reason is null then 1 else 0 end) from static_list_upload_classified') -%}
    {%- set total = counts.columns[0].values()[0] -%}
    {%- set kept = counts.columns[1].values()[0] or 0 -%}
    {%- set effective = run_query('select max(as_of_date) from ' ~ contacts).columns[0].values()[0] -%}
    {%- do run_query('insert into ' ~ static_list_relation('static_list_members') ~ ' (list_key, contact_id) select ' ~ sql_string_literal(list_key) ~ ', contact_id from static_list_upload_classified where rejection_reason is null') -%}
    {%- do run_query('insert into ' ~ static_list_relation('static_list_rejected_ids') ~ ' (list_key, contact_id, rejection_reason) select ' ~ sql_string_literal(list_key) ~ ', contact_id, rejection_reason from static_list_upload_classified where rejection_reason is not null') -%}
    {%- set insert_list -%}
        insert into {{ static_list_relation('static_lists') }}
            (list_key, name, description, source_type, source_segment_key, source_file, effective_date, created_at, members, rejected_ids)
        select
            {{ sql_string_literal(list_key) }},
            {{ sql_string_literal(name or list_key) }},
            {{ sql_string_literal(description or ("Uploaded from " ~ (source_file or upload_relation))) }},
            'csv',
            null,
            {{ sql_string_literal(source_file) }},
            {{ date_literal(effective | string) }},
            current_timestamp,
            {{ kept }},
            {{ total - kept }}
    {%- endset -%}
    {%- do run_query(insert_list) -%}
    {%- set rejected = run_query('select rejection_reason, count(*), min(coalesce(contact_id, \'\')) from static_list_upload_classified where rejection_reason is not null group by rejection_reason order by rejection_reason') -%}
    {%- do run_query('drop table static_list_upload_classified') -%}
    {%- do run_query('drop table ' ~ upload_relation) -%}
    {{ log("static list " ~ list_key ~ ": " ~ total ~ " id(s) uploaded, " ~ kept ~ " member(s), " ~ (total - kept) ~ " rejected", info=True) }}
    {%- for row in rejected.rows -%}
        {{ log("static list " ~ list_key ~ ": rejected " ~ row[1] ~ " id(s) as " ~ row[0] ~ " (e.g. '" ~ row[2] ~ "'); see " ~ static_list_relation('static_list_rejected_ids'), info=True) }}
    {%- endfor -%}
{% endmacro %}

{#- A session's scratch table from a query: a temporary table, or on Spark
    (which has none) a temporary view, read again by each statement that
    uses it (the query is deterministic). -#}
{% macro create_temporary_table_as(name, sql) -%}
    {{ return(adapter.dispatch('create_temporary_table_as', 'customer_segments')(name, sql)) }}
{%- endmacro %}

{% macro default__create_temporary_table_as(name, sql) -%}
    create temporary table {{ name }} as {{ sql }}
{%- endmacro %}

{% macro spark__create_temporary_table_as(name, sql) -%}
    create or replace temporary view {{ name }} as {{ sql }}
{%- endmacro %}
