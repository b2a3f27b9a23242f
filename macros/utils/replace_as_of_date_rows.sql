{#- Pre-hook of an as-of history table (one row per key per as_of_date):
    on an incremental run, delete the build's as-of date rows so the run
    replaces that date and leaves every other date alone. -#}
{% macro replace_as_of_date_rows() -%}
    {%- if is_incremental() -%}
        delete from {{ this }} where as_of_date = {{ as_of_date() }}
    {%- endif -%}
{%- endmacro %}
