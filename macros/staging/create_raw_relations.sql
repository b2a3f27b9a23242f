{#- Makes the dbt sources exist before any model reads them.

    On DuckDB with raw_source_mode 'files' (the default), each contract entity
    becomes a view in raw_schema over `<entity>.parquet` or `<entity>.csv` in
    RAW_DATA_DIR, every column cast to text; a missing optional column is a
    null column, a missing optional file an empty view. Elsewhere (or with
    raw_source_mode 'tables'), the raw tables come from the loader (`make load`)
    or any loading tool, and this checks that they hold the required columns.

    The contract itself is the sources YAML: `meta.required_file` on a table,
    `meta.required` on a column. A missing required file or column stops the
    build with a message that names it. -#}
{% macro create_raw_relations() %}
    {%- if execute -%}
        {%- if target.type == 'duckdb' and var('raw_source_mode') == 'files' -%}
            {%- do create_raw_views_over_files() -%}
        {%- else -%}
            {%- do check_raw_tables() -%}
        {%- endif -%}
    {%- endif -%}
    select 1
{% endmacro %}

{#- The contract: one entry per raw entity, from the sources YAML. -#}
{% macro raw_contract() %}
    {%- set entities = [] -%}
    {%- for node in graph.sources.values() | sort(attribute='unique_id') -%}
        {%- if node.package_name == project_name and node.meta.get('required_file') is not none -%}
            {%- set columns = [] -%}
            {%- for column in node.columns.values() -%}
                {%- do columns.append({'name': column.name, 'required': column.meta.get('required', false)}) -%}
            {%- endfor -%}
            {%- do entities.append({
                'name': node.name,
                'schema': node.schema,
                'database': node.database,
                'identifier': node.identifier,
                'required_file': node.meta.get('required_file'),
                'columns': columns,
            }) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(entities) }}
{% endmacro %}

{% macro raw_data_dir() %}
    {{ return(env_var('RAW_DATA_DIR', 'data/raw').rstrip('/')) }}
{% endmacro %}

{% macro create_raw_views_over_files() %}
    {%- set directory = raw_data_dir() -%}
    {%- set contract = raw_contract() -%}
    {%- if contract | length == 0 -%}
        {{ exceptions.raise_compiler_error("raw contract: no source table declares meta.required_file; check models/staging/*/_*__sources.yml") }}
    {%- endif -%}
    {%- do run_query('create schema if not exists ' ~ adapter.quote(contract[0].schema)) -%}
    {%- for entity in contract -%}
        {%- set found = [] -%}
        {%- for extension in ['parquet', 'csv'] -%}
            {%- set path = directory ~ '/' ~ entity.identifier ~ '.' ~ extension -%}
            {%- set hits = run_query('select count(*) from glob(' ~ sql_string_literal(path) ~ ')').columns[0].values()[0] -%}
            {%- if hits > 0 -%}
                {%- do found.append({'path': path, 'format': extension}) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- set view = adapter.quote(entity.schema) ~ '.' ~ adapter.quote(entity.identifier) -%}
        {#- A table the loader (or Dagster's raw load) made earlier gives way to the view. -#}
        {#- (information_schema, not adapter.get_relation: that opens a transaction the hook then rolls back) -#}
        {%- set existing = run_query(
            'select count(*) from information_schema.tables where table_type = ' ~ sql_string_literal('BASE TABLE')
            ~ ' and table_schema = ' ~ sql_string_literal(entity.schema) ~ ' and table_name = ' ~ sql_string_literal(entity.identifier)
        ).columns[0].values()[0] -%}
        {%- if existing > 0 -%}
            {%- do log('raw data: replacing the loaded table ' ~ view ~ ' with a view over the file (raw_source_mode: files)', info=True) -%}
            {%- do run_query('drop table ' ~ view) -%}
        {%- endif -%}
        {%- if found | length > 1 -%}
            {{ exceptions.raise_compiler_error("raw data: both " ~ entity.identifier ~ ".parquet and " ~ entity.identifier ~ ".csv are in RAW_DATA_DIR=" ~ directory ~ "; keep one") }}
        {%- elif found | length == 0 -%}
            {%- if entity.required_file -%}
                {{ exceptions.raise_compiler_error("raw data: required file " ~ entity.identifier ~ ".csv (or " ~ entity.identifier ~ ".parquet) not found in RAW_DATA_DIR=" ~ directory) }}
            {%- endif -%}
            {%- set selects = [] -%}
            {%- for column in entity.columns -%}
                {%- do selects.append('cast(null as varchar) as ' ~ adapter.quote(column.name)) -%}
            {%- endfor -%}
            {%- do log('raw data: optional file ' ~ entity.identifier ~ ' not found in ' ~ directory ~ '; using no rows', info=True) -%}
            {%- do run_query('create or replace view ' ~ view ~ ' as select ' ~ selects | join(', ') ~ ' where 1 = 0') -%}
        {%- else -%}
            {%- set file = found[0] -%}
            {%- if file.format == 'csv' -%}
                {%- set reader = 'read_csv(' ~ sql_string_literal(file.path) ~ ', header = true, all_varchar = true)' -%}
            {%- else -%}
                {%- set reader = 'read_parquet(' ~ sql_string_literal(file.path) ~ ')' -%}
            {%- endif -%}
            {%- set described = run_query('describe select * from ' ~ reader) -%}
            {%- set present = {} -%}
            {%- for name in described.columns['column_name'].values() -%}
                {%- set key = name | trim | lower -%}
                {%- if key in present -%}
                    {{ exceptions.raise_compiler_error("raw data: file " ~ file.path ~ " has column '" ~ key ~ "' more than once") }}
                {%- endif -%}
                {%- do present.update({key: name}) -%}
            {%- endfor -%}
            {%- set selects = [] -%}
            {%- for column in entity.columns -%}
                {%- if column.name in present -%}
                    {%- do selects.append('cast(' ~ adapter.quote(present[column.name]) ~ ' as varchar) as ' ~ adapter.quote(column.name)) -%}
                {%- elif column.required -%}
                    {{ exceptions.raise_compiler_error("raw data: file " ~ file.path ~ " is missing required column '" ~ column.name ~ "'") }}
                {%- else -%}
                    {%- do selects.append('cast(null as varchar) as ' ~ adapter.quote(column.name)) -%}
                {%- endif -%}
            {%- endfor -%}
            {%- do run_query('create or replace view ' ~ view ~ ' as select ' ~ selects | join(', ') ~ ' from ' ~ reader) -%}
        {%- endif -%}
    {%- endfor -%}
{% endmacro %}

{% macro check_raw_tables() %}
    {%- for entity in raw_contract() -%}
        {%- set relation = adapter.get_relation(database=entity.database, schema=entity.schema, identifier=entity.identifier) -%}
        {%- if relation is none -%}
            {{ exceptions.raise_compiler_error("raw data: table " ~ entity.schema ~ "." ~ entity.identifier ~ " not found on target '" ~ target.name ~ "'; load the raw files first with `make load` (the loader creates every contract table, empty when an optional file is absent)") }}
        {%- endif -%}
        {%- set present = [] -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {%- do present.append(column.name | lower) -%}
        {%- endfor -%}
        {%- for column in entity.columns -%}
            {%- if column.name not in present -%}
                {{ exceptions.raise_compiler_error("raw data: table " ~ entity.schema ~ "." ~ entity.identifier ~ " is missing " ~ ('required' if column.required else 'contract') ~ " column '" ~ column.name ~ "'; the loader adds every contract column") }}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
{% endmacro %}
