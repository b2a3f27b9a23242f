{#- dbt's get_where_subquery (the relation a data test reads, filtered by its
    `where` config), plus a refresh scope for tests on the big incremental
    event tables. A test whose config has
    `meta: {refresh_scope: {column: <column>, written_by: <model>}}` (the
    column holding the dbt invocation that wrote each row, and the model
    that writes it) reads only the rows this invocation wrote when that model
    runs in this invocation: a full build writes (so tests) every row, a
    daily refresh tests the days it validated, and a command that does not
    run the model (`dbt test`, a build of other models) tests every row.
    docs/development.md "Scale". -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- set scope = (config.get('meta') or {}).get('refresh_scope') -%}
    {%- if scope and execute and ('model.' ~ project_name ~ '.' ~ scope.written_by) in selected_resources -%}
        {%- set written_now = scope.column ~ ' = ' ~ sql_string_literal(invocation_id) -%}
        {%- set where = written_now if not where else '(' ~ where ~ ') and ' ~ written_now -%}
    {%- endif -%}
    {%- if where -%}
        {{ return('(select * from ' ~ relation ~ ' where ' ~ where ~ ') dbt_subquery') }}
    {%- endif -%}
    {{ return(relation) }}
{%- endmacro %}
