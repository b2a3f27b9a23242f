{#- Values of one column of a seed (the project's enumerations live in
    seeds: event_types, subscription_statuses, engagement_levels), as text,
    in the seed's order, for the checks that run before or while models
    compile. Empty while parsing; none when they cannot be read here (in a
    unit test, or off DuckDB before the seed is loaded), and the caller then
    skips its check. -#}
{% macro seed_values(seed_name, column, where=none) -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- if graph.nodes is not defined -%}
        {#- a unit test: no graph -#}
        {{ return(none) }}
    {%- endif -%}
    {%- set seeds = graph.nodes.values() | selectattr('resource_type', 'equalto', 'seed') | selectattr('name', 'equalto', seed_name) | list -%}
    {%- if not seeds -%}
        {{ exceptions.raise_compiler_error("seed '" ~ seed_name ~ "' is missing from seeds/; the project's enumerations are read from it") }}
    {%- endif -%}
    {%- set source = adapter.dispatch('seed_values_source', 'customer_segments')(seeds[0]) -%}
    {%- if source is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set query -%}
        select {{ adapter.quote(column) }}
        from {{ source }}
        {%- if where %}
        where {{ where }}
        {%- endif %}
    {%- endset -%}
    {{ return(run_query(query).columns[0].values() | map('string') | list) }}
{%- endmacro %}

{#- Where seed_values reads a seed. DuckDB reads the seed file itself, so
    the on-run-start checks work before the seeds are loaded. -#}
{% macro duckdb__seed_values_source(seed) -%}
    {{ return('read_csv(' ~ sql_string_literal(project_dir() ~ '/' ~ seed.original_file_path) ~ ', header = true, auto_detect = true)') }}
{%- endmacro %}

{#- Elsewhere the loaded seed table, once `dbt seed` (or the build) has
    loaded it; none before. -#}
{% macro default__seed_values_source(seed) -%}
    {{ return(adapter.get_relation(database=seed.database, schema=seed.schema, identifier=seed.alias)) }}
{%- endmacro %}

{#- The project's root directory (dbt's --project-dir, or where dbt runs),
    for the checks that read the project's own files. -#}
{% macro project_dir() -%}
    {{ return(invocation_args_dict.get('project_dir') or '.') }}
{%- endmacro %}
