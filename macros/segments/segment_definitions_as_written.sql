{#- Definitions are dbt YAML, which dbt renders as Jinja before any macro
    sees them: `{{ env_var('X') }}` in a value would put an environment value
    into marts.segments. A definition must read the same rendered and as
    written; the first place where it does not is named. -#}
{% macro segment_rendered_difference(rendered, written, path) -%}
    {%- if rendered == written -%}
        {{ return(none) }}
    {%- elif rendered is mapping and written is mapping -%}
        {%- for name in written -%}
            {%- set found = segment_rendered_difference(rendered.get(name), written[name], path ~ '.' ~ name) -%}
            {%- if found is not none -%}
                {{ return(found) }}
            {%- endif -%}
        {%- endfor -%}
    {%- elif segment_is_list(rendered) and segment_is_list(written) and rendered | length == written | length -%}
        {%- for index in range(written | length) -%}
            {%- set found = segment_rendered_difference(rendered[index], written[index], path ~ '[' ~ index ~ ']') -%}
            {%- if found is not none -%}
                {{ return(found) }}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return({'path': path, 'written': written}) }}
{%- endmacro %}

{#- Stops the build when a definition as dbt rendered it differs from the
    definition as written in its YAML file. -#}
{% macro check_segment_written_as_rendered(key, definition, written) -%}
    {%- set difference = segment_rendered_difference(definition, written, 'meta.segment') -%}
    {%- if difference is not none -%}
        {{ segment_error({'key': key}, difference.path, "'" ~ (difference.written | string)[:200] ~ "' is Jinja, which dbt renders before the segment language reads it; definitions take plain values") }}
    {%- endif -%}
{%- endmacro %}

{#- The definitions as written in the YAML files (on DuckDB, which reads
    the files with read_text; elsewhere none: dbt's rendered values only). -#}
{% macro segment_written_definitions(registry) -%}
    {{ return(adapter.dispatch('segment_written_definitions', 'customer_segments')(registry)) }}
{%- endmacro %}

{% macro default__segment_written_definitions(registry) -%}
    {{ return({}) }}
{%- endmacro %}

{% macro duckdb__segment_written_definitions(registry) -%}
    {%- set written = {} -%}
    {%- set files = {} -%}
    {%- for key, entry in registry.items() if entry.yaml_path -%}
        {%- if entry.yaml_path not in files -%}
            {%- set text = run_query('select content from read_text(' ~ sql_string_literal(project_dir() ~ '/' ~ entry.yaml_path) ~ ')').columns[0].values()[0] -%}
            {%- do files.update({entry.yaml_path: fromyaml(text)}) -%}
        {%- endif -%}
        {%- for model in files[entry.yaml_path].get('models', []) if model.name == entry.model -%}
            {%- set meta = (model.get('config') or {}).get('meta') or model.get('meta') or {} -%}
            {%- if meta.segment is defined -%}
                {%- do written.update({key: meta.segment}) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(written) }}
{%- endmacro %}
