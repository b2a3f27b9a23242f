{#- How the incremental models write on each engine (configs of the models
    named below; docs/settings.md "Portability rules").

    As-of history tables (rfm_scores_history, erfm_scores_history,
    segment_sizes_history, segment_membership_changes): one as-of date per
    build. DuckDB and PostgreSQL delete that date's rows and append them
    again. Spark's Parquet tables have no DELETE: they are partitioned by
    as_of_date and the build overwrites its date's partition
    (insert_overwrite), after dropping it so that a date whose new rows are
    none keeps none.

    Validated raw rows (base_*_validated) and the event-day counts: DuckDB and
    PostgreSQL replace the changed keys or days (delete+insert); on Spark they
    are rebuilt whole on every build, the answer a refresh must equal. -#}
{% macro as_of_history_strategy() -%}
    {{ return(adapter.dispatch('as_of_history_strategy', 'customer_segments')()) }}
{%- endmacro %}

{% macro default__as_of_history_strategy() -%}
    {{ return('append') }}
{%- endmacro %}

{% macro spark__as_of_history_strategy() -%}
    {{ return('insert_overwrite') }}
{%- endmacro %}

{% macro as_of_history_partitions() -%}
    {{ return(adapter.dispatch('as_of_history_partitions', 'customer_segments')()) }}
{%- endmacro %}

{% macro default__as_of_history_partitions() -%}
    {{ return(none) }}
{%- endmacro %}

{% macro spark__as_of_history_partitions() -%}
    {{ return(['as_of_date']) }}
{%- endmacro %}

{% macro refreshed_materialization() -%}
    {{ return(adapter.dispatch('refreshed_materialization', 'customer_segments')()) }}
{%- endmacro %}

{% macro default__refreshed_materialization() -%}
    {{ return('incremental') }}
{%- endmacro %}

{% macro spark__refreshed_materialization() -%}
    {{ return('table') }}
{%- endmacro %}
