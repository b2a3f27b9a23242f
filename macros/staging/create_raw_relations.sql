{#- Makes the dbt sources exist before any model reads them.

    On Spark with raw_source_mode 'files' (the default), each contract entity
    becomes an external table over the Parquet file `make load` writes for it
    in spark_raw_dir() (DuckDB reads the user's files there, with the same
    checks as on DuckDB). On DuckDB in files mode, each contract entity
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
        {%- elif target.type == 'spark' and var('raw_source_mode') == 'files' -%}
            {%- do create_spark_tables_over_loaded_files() -%}
            {%- do check_raw_tables() -%}
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

{#- The CSV dialect and encoding the contract reads (docs/raw-data.md): RFC 4180 quoting with `"`, var raw_csv_delimiter (default ','),
    and var raw_csv_encoding (default utf-8) or, per entity, var
    raw_csv_encodings ({contacts: windows-1252, ...}). Returns the encoding's
    name as the user knows it. -#}
{% macro raw_csv_encoding(entity_name) -%}
    {%- set aliases = {
        'utf-8': 'utf-8', 'utf8': 'utf-8',
        'latin-1': 'latin-1', 'latin1': 'latin-1', 'iso-8859-1': 'latin-1',
        'windows-1252': 'windows-1252', 'cp1252': 'windows-1252', 'cp-1252': 'windows-1252',
        'utf-16': 'utf-16', 'utf16': 'utf-16'} -%}
    {%- set per_file = var('raw_csv_encodings', {}) or {} -%}
    {%- if per_file is not mapping -%}
        {{ exceptions.raise_compiler_error("var raw_csv_encodings must be a mapping of entity to encoding, e.g. {contacts: windows-1252}; got " ~ per_file) }}
    {%- endif -%}
    {%- set chosen = per_file.get(entity_name, var('raw_csv_encoding', 'utf-8')) -%}
    {%- set name = (chosen | string | lower | trim) -%}
    {%- if name not in aliases -%}
        {%- set where = ("var raw_csv_encodings." ~ entity_name) if entity_name in per_file else "var raw_csv_encoding" -%}
        {{ exceptions.raise_compiler_error(where ~ ": unsupported CSV encoding '" ~ chosen ~ "'; supported: utf-8 (the default; a BOM is fine), windows-1252 (cp1252), latin-1 (iso-8859-1), utf-16. Any other encoding: convert the file to UTF-8 first (iconv -f <encoding> -t utf-8)") }}
    {%- endif -%}
    {{ return(aliases[name]) }}
{%- endmacro %}

{#- The encoding DuckDB's reader is given. DuckDB 2.0 decodes utf-8 and
    utf-16 itself; a latin-1 or windows-1252 file is read from its UTF-8 copy
    (raw_csv_read_path). -#}
{% macro duckdb_csv_encoding(entity_name) -%}
    {%- set name = raw_csv_encoding(entity_name) -%}
    {{ return('utf-8' if name in ['latin-1', 'windows-1252'] else name) }}
{%- endmacro %}

{#- The path DuckDB reads a CSV file from: the file itself, or for latin-1
    and windows-1252 its UTF-8 copy beside the warehouse, made by the
    function the profile's plugin registers (orchestration/duckdb_plugin.py;
    the user's file is only read). Lines keep their numbers. -#}
{% macro raw_csv_read_path(path, entity_name) -%}
    {%- set encoding = raw_csv_encoding(entity_name) -%}
    {%- if encoding not in ['latin-1', 'windows-1252'] -%}
        {{ return(path) }}
    {%- endif -%}
    {%- set registered = run_query("select count(*) from duckdb_functions() where function_name = 'customer_segments_utf8_copy'").columns[0].values()[0] -%}
    {%- if registered == 0 -%}
        {{ exceptions.raise_compiler_error("raw data: reading " ~ path ~ " as " ~ encoding ~ " needs the DuckDB function customer_segments_utf8_copy, which the project's profile registers (profiles.yml: plugins: orchestration.duckdb_plugin, module_paths: the project directory). Use that profile, or save the file as UTF-8.") }}
    {%- endif -%}
    {{ return(run_query('select customer_segments_utf8_copy(' ~ sql_string_literal(path) ~ ', ' ~ sql_string_literal(encoding) ~ ')').columns[0].values()[0]) }}
{%- endmacro %}

{% macro raw_csv_options(entity_name) -%}
    {%- set delimiter = var('raw_csv_delimiter', ',') -%}
    {%- if delimiter is not string or delimiter | length != 1 or delimiter in ['"', '\n', '\r'] -%}
        {{ exceptions.raise_compiler_error("var raw_csv_delimiter must be one character other than a quote or a line break (',' by default, ';' or a tab for some exports); got '" ~ delimiter ~ "'") }}
    {%- endif -%}
    {{ return("header = true, all_varchar = true, delim = " ~ sql_string_literal(delimiter) ~ ", quote = '\"', escape = '\"', encoding = " ~ sql_string_literal(duckdb_csv_encoding(entity_name))) }}
{%- endmacro %}

{#- The table that holds the CSV lines that could not be read as rows (one
    row per line: entity, file, line number, text, DuckDB's error), which
    staging quarantines as malformed_line. Made here in files mode, by the
    loader in tables mode, and empty when no line is malformed. -#}
{% macro malformed_lines_relation() -%}
    {{ return(adapter.quote(var('raw_schema', 'raw')) ~ '.' ~ adapter.quote('raw_file_malformed_lines')) }}
{%- endmacro %}

{% macro malformed_lines_columns() -%}
    {%- set text = dbt.type_string() -%}
    entity {{ text }}, file_name {{ text }}, line_number bigint, line_text {{ text }}, error_type {{ text }}, error_message {{ text }}
{%- endmacro %}

{#- Where `make load` writes the raw entities for Spark (one directory of
    Parquet per entity under <dir>/<raw schema>/): $SPARK_RAW_DIR, by default
    raw_files/ in the local warehouse directory (orchestration/lib/spark.py). -#}
{% macro spark_raw_dir() -%}
    {%- set warehouse = env_var('SPARK_WAREHOUSE_DIR', env_var('DBT_PROJECT_DIR', '.') ~ '/warehouse/spark') -%}
    {{ return(env_var('SPARK_RAW_DIR', warehouse.rstrip('/') ~ '/raw_files').rstrip('/')) }}
{%- endmacro %}

{#- On Spark, files mode: the raw schema's tables are external Parquet tables
    over the loader's directories, made again at every run (a drop of an
    external table leaves its files) and re-listed, so a build reads what the
    last `make load` wrote. A table of that name that is not over the loader's
    directory is the user's: the build stops rather than drop it. -#}
{% macro create_spark_tables_over_loaded_files() %}
    {%- set schema = var('raw_schema', 'raw') -%}
    {%- set root = spark_raw_dir() ~ '/' ~ schema -%}
    {%- do run_query('create schema if not exists ' ~ adapter.quote(schema)) -%}
    {%- set names = [] -%}
    {%- for entity in raw_contract() -%}
        {%- do names.append(entity.identifier) -%}
    {%- endfor -%}
    {%- do names.append('raw_file_malformed_lines') -%}
    {%- set existing = run_query('show tables in ' ~ adapter.quote(schema)).columns['tableName'].values() | map('lower') | list -%}
    {%- for name in names -%}
        {%- set relation = adapter.quote(schema) ~ '.' ~ adapter.quote(name) -%}
        {%- set location = root ~ '/' ~ name -%}
        {%- if name in existing -%}
            {%- set described = run_query('describe table extended ' ~ relation) -%}
            {%- set found = {} -%}
            {%- for row in described.rows -%}
                {%- if row[0] in ['Type', 'Location'] -%}
                    {%- do found.update({row[0]: row[1]}) -%}
                {%- endif -%}
            {%- endfor -%}
            {#- a relative directory (DBT_PROJECT_DIR unset) is stored resolved: compare its tail -#}
            {%- set location_tail = location[1:] if location.startswith('./') else location -%}
            {%- if found.get('Type') != 'EXTERNAL' or not (found.get('Location') or '').rstrip('/').endswith(location_tail) -%}
                {{ exceptions.raise_compiler_error("raw data: " ~ schema ~ "." ~ name ~ " on Spark is not the loader's table over " ~ location ~ " (it is " ~ found.get('Type', '?') ~ " at " ~ found.get('Location', '?') ~ "); the build will not drop it. Build with --vars '{raw_source_mode: tables}' to read your own raw tables, or rename yours.") }}
            {%- endif -%}
            {%- do run_query('drop table ' ~ relation) -%}
        {%- endif -%}
        {%- do run_query('create table ' ~ relation ~ ' using parquet location ' ~ sql_string_literal(location)) -%}
    {%- endfor -%}
{% endmacro %}

{#- Scans a CSV file once with DuckDB's reject store, reading every column
    (a count alone would not decode the values), and keeps its malformed
    lines in the malformed lines table. A line that is not valid in the
    file's encoding stops the build: the file as a whole is in another
    encoding, and the message says which setting to change. -#}
{% macro collect_malformed_lines(entity, path, options, read_path=none) -%}
    {%- set rejects = 'cs_rejects_' ~ entity.identifier -%}
    {%- set scans = 'cs_scans_' ~ entity.identifier -%}
    {%- do run_query(
        'drop table if exists ' ~ rejects ~ '; drop table if exists ' ~ scans ~ ';'
        ~ ' select max(hash(*columns(*))) from read_csv(' ~ sql_string_literal(read_path or path) ~ ', ' ~ options
        ~ ', store_rejects = true, rejects_table = ' ~ sql_string_literal(rejects) ~ ', rejects_scan = ' ~ sql_string_literal(scans) ~ ');'
        ~ ' insert into ' ~ malformed_lines_relation()
        ~ ' select ' ~ sql_string_literal(entity.identifier) ~ ', ' ~ sql_string_literal(path.split('/')[-1])
        ~ ', min(line), min(csv_line), min(error_type), string_agg(error_message, \'; \' order by error_message)'
        ~ ' from ' ~ rejects ~ ' group by line;'
        ~ ' drop table if exists ' ~ rejects ~ '; drop table if exists ' ~ scans ~ ';'
    ) -%}
    {%- set bad_encoding = run_query(
        'select min(line_number), count(*) from ' ~ malformed_lines_relation() ~ ' where entity = ' ~ sql_string_literal(entity.identifier)
        ~ ' and error_type = ' ~ sql_string_literal('INVALID ENCODING')
    ) -%}
    {%- if bad_encoding.columns[1].values()[0] > 0 -%}
        {{ exceptions.raise_compiler_error("raw data: file " ~ path ~ " is not valid " ~ raw_csv_encoding(entity.identifier) ~ " (" ~ bad_encoding.columns[1].values()[0] ~ " line(s), the first at line " ~ bad_encoding.columns[0].values()[0] ~ "). Say which encoding it has with var raw_csv_encodings: {" ~ entity.identifier ~ ": windows-1252} (Excel on Windows; or latin-1, utf-16; raw_csv_encoding for every file), or save it as UTF-8.") }}
    {%- endif -%}
{%- endmacro %}

{#- The header of a CSV file as written, read as one line of text (DuckDB
    renames a repeated name to name_1, and its sniffer fails outright on a
    file with another delimiter): a name given twice (case-insensitive), or a
    header without the delimiter but with another common one, stops the build
    with a message naming the file and the fix. -#}
{% macro check_csv_header(path, entity_name, read_path=none) -%}
    {%- set delimiter = var('raw_csv_delimiter', ',') -%}
    {%- set first = run_query(
        'select line from read_csv(' ~ sql_string_literal(read_path or path) ~ ", auto_detect = false, header = false, delim = chr(1), quote = '', escape = '', columns = {'line': 'VARCHAR'}, ignore_errors = true, strict_mode = false, parallel = false, encoding = " ~ sql_string_literal(duckdb_csv_encoding(entity_name)) ~ ') limit 1'
    ) -%}
    {%- set header = (first.rows[0][0] if first.rows | length > 0 else '') or '' -%}
    {%- set header = header.lstrip('\ufeff').rstrip('\r') -%}
    {%- if delimiter not in header -%}
        {%- for other in [';', '\t', '|', ','] if other != delimiter and other in header -%}
            {{ exceptions.raise_compiler_error("raw data: file " ~ path ~ " has no '" ~ delimiter ~ "' in its header but has '" ~ (other if other != '\t' else 'tab') ~ "': its columns are separated by '" ~ (other if other != '\t' else 'tab') ~ "'. Set var raw_csv_delimiter to that character (decimal commas are not read: numbers use a point). Header: " ~ header[:120]) }}
        {%- endfor -%}
    {%- endif -%}
    {%- set seen = {} -%}
    {%- for value in header.split(delimiter) -%}
        {%- set key = value | trim | replace('"', '') | trim | lower -%}
        {%- if key in seen -%}
            {{ exceptions.raise_compiler_error("raw data: file " ~ path ~ " has column '" ~ key ~ "' more than once in its header (columns " ~ seen[key] ~ " and " ~ loop.index ~ "); remove or rename one") }}
        {%- endif -%}
        {%- do seen.update({key: loop.index}) -%}
    {%- endfor -%}
{%- endmacro %}

{% macro create_raw_views_over_files() %}
    {%- set directory = raw_data_dir() -%}
    {%- set contract = raw_contract() -%}
    {%- if contract | length == 0 -%}
        {{ exceptions.raise_compiler_error("raw contract: no source table declares meta.required_file; check models/staging/*/_*__sources.yml") }}
    {%- endif -%}
    {%- do run_query('create schema if not exists ' ~ adapter.quote(contract[0].schema)) -%}
    {%- do run_query('create or replace table ' ~ malformed_lines_relation() ~ ' (' ~ malformed_lines_columns() ~ ')') -%}
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
        {%- endif -%}
        {#- A 0-byte file has no header: an optional one means no rows, a required one is a mistake. -#}
        {%- if found | length == 1 and run_query('select size from read_blob(' ~ sql_string_literal(found[0].path) ~ ')').columns[0].values()[0] == 0 -%}
            {%- if entity.required_file -%}
                {{ exceptions.raise_compiler_error("raw data: required file " ~ found[0].path ~ " is empty (0 bytes); export it again with its header and rows") }}
            {%- endif -%}
            {%- do log('raw data: optional file ' ~ found[0].path ~ ' is empty (0 bytes); using no rows', info=True) -%}
            {%- set found = [] -%}
        {%- endif -%}
        {%- if found | length == 0 -%}
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
                {%- set options = raw_csv_options(entity.identifier) -%}
                {%- set read_path = raw_csv_read_path(file.path, entity.identifier) -%}
                {%- do check_csv_header(file.path, entity.identifier, read_path) -%}
                {%- do collect_malformed_lines(entity, file.path, options, read_path) -%}
                {#- Malformed lines are skipped here and quarantined from the malformed lines table. -#}
                {%- set reader = 'read_csv(' ~ sql_string_literal(read_path) ~ ', ' ~ options ~ ', ignore_errors = true)' -%}
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
    {#- Loading tools other than `make load` write no malformed lines table: an empty one then. -#}
    {%- do run_query('create schema if not exists ' ~ adapter.quote(var('raw_schema', 'raw'))) -%}
    {%- do run_query('create table if not exists ' ~ malformed_lines_relation() ~ ' (' ~ malformed_lines_columns() ~ ')') -%}
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
