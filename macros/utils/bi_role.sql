{#- The read-only role BI tools log in as (env BI_ROLE, default bi_reader;
    empty: no grants). On PostgreSQL the marts grant it SELECT (dbt's grants
    config, dbt_project.yml) and the run ends by granting it USAGE on the
    marts schema; it gets nothing on raw, staging, intermediate, segments,
    seeds or static lists. Elsewhere these do nothing. -#}
{% macro bi_role() %}
    {{ return(env_var('BI_ROLE', 'bi_reader')) }}
{% endmacro %}

{#- on-run-start: the role exists, or the build stops saying how to make it
    (a grant to a missing role fails deep inside the first mart). -#}
{% macro check_bi_role() %}
    {{ return(adapter.dispatch('check_bi_role', 'customer_segments')()) }}
{% endmacro %}

{% macro default__check_bi_role() %}
    select 1
{% endmacro %}

{% macro postgres__check_bi_role() %}
    {%- if execute and bi_role() -%}
        {%- set found = run_query('select count(*) from pg_roles where rolname = ' ~ sql_string_literal(bi_role())).columns[0].values()[0] -%}
        {%- if found == 0 -%}
            {{ exceptions.raise_compiler_error("BI role '" ~ bi_role() ~ "' does not exist on " ~ target.host ~ ":" ~ target.port ~ ": make postgres-up creates it on the local server; elsewhere run `create role " ~ bi_role() ~ " login password '...'` as an administrator, or set BI_ROLE to an existing role (empty: grant nothing)") }}
        {%- endif -%}
    {%- endif -%}
    select 1
{% endmacro %}

{#- on-run-end: USAGE on the marts schema, so the role can reach the tables it
    may select. -#}
{% macro grant_bi_role_usage() %}
    {{ return(adapter.dispatch('grant_bi_role_usage', 'customer_segments')()) }}
{% endmacro %}

{% macro default__grant_bi_role_usage() %}
    select 1
{% endmacro %}

{% macro postgres__grant_bi_role_usage() %}
    {%- if bi_role() -%}
    grant usage on schema {{ adapter.quote('marts') }} to {{ adapter.quote(bi_role()) }}
    {%- else -%}
    select 1
    {%- endif -%}
{% endmacro %}

{#- The marts' grants config names no grantee outside PostgreSQL, but dbt
    would still read a replaced table's grants (`show grants on`, which a
    Spark session without an authorizer rejects): nothing to apply, nothing
    to read. -#}
{% macro spark__apply_grants(relation, grant_config, should_revoke=True) %}
    {%- set grantees = [] -%}
    {%- for privilege, names in (grant_config or {}).items() -%}
        {%- do grantees.extend(names) -%}
    {%- endfor -%}
    {%- if grantees | length > 0 -%}
        {{ default__apply_grants(relation, grant_config, should_revoke) }}
    {%- endif -%}
{% endmacro %}
