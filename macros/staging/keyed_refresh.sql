{#- Incremental validation by key, for raw entities without a day to refresh
    by (order lines) or whose corrections arrive under an old key (orders: a
    refund is a new version of an order placed weeks ago).

    Every validated row carries its cleaned key (`validation_key`, '' when
    missing), a bucket of that key (`validation_bucket`, one of
    key_bucket_count() buckets) and the hash of its raw text (`raw_row_hash`).
    A build compares, bucket by bucket, the number of raw rows and the sum of
    their row hashes with the stored rows': a bucket whose raw rows changed in
    any way (a new row, a removed one, a row rewritten in place) differs. It
    then validates again every raw row of every key in a changed bucket, and
    of every key a stored decision of which may have moved (the model's
    `rechecks`), and replaces those keys whole (delete+insert on
    validation_key). So no lookback is needed: a refund written into the
    order's row a year later is found as surely as a new order.

    The comparison reads the raw rows' keys and hashes and the stored
    table's three bookkeeping columns; only the rows of the keys found are
    parsed and checked. -#}

{#- How many buckets the keys are spread over: a changed key brings the other
    keys of its bucket with it (about rows / 2^20 keys each: ten at 10M
    orders). -#}
{% macro key_bucket_count() -%}
    {{ return(1048576) }}
{%- endmacro %}

{#- The bucket of a key (a text, never null): a number from 0 to
    key_bucket_count() - 1. -#}
{% macro key_bucket(key) -%}
    {{ return(adapter.dispatch('key_bucket', 'customer_segments')(key)) }}
{%- endmacro %}

{% macro default__key_bucket(key) -%}
    mod(abs(cast(hashtext({{ key }}) as {{ dbt.type_bigint() }})), {{ key_bucket_count() }})
{%- endmacro %}

{% macro duckdb__key_bucket(key) -%}
    cast(hash({{ key }}) % {{ key_bucket_count() }} as integer)
{%- endmacro %}

{% macro spark__key_bucket(key) -%}
    pmod(hash({{ key }}), {{ key_bucket_count() }})
{%- endmacro %}

{#- An order-independent checksum of a column of row hashes over a group of
    rows. Equal multisets of hashes give equal sums. -#}
{% macro hash_checksum(column) -%}
    {{ return(adapter.dispatch('hash_checksum', 'customer_segments')(column)) }}
{%- endmacro %}

{% macro default__hash_checksum(column) -%}
    {{ text_checksum(column) }}
{%- endmacro %}

{% macro duckdb__hash_checksum(column) -%}
    sum({{ column }})
{%- endmacro %}

{#- When the rows were validated: the run's start (run_started_at, UTC), the
    same instant for every model of a run. -#}
{% macro validated_at() -%}
    cast({{ sql_string_literal(run_started_at.strftime('%Y-%m-%d %H:%M:%S.%f')) }} as {{ dbt.type_timestamp() }})
{%- endmacro %}

{#- The settings a validated order depends on besides its raw row and the
    currency rates (which base_shop__orders_validated adds). -#}
{% macro order_validation_settings() -%}
    {{ return(event_validation_settings() ~ ';reporting_currency=' ~ var('reporting_currency')) }}
{%- endmacro %}

{#- The settings a validated order line depends on besides its raw row and
    its order. -#}
{% macro order_line_validation_settings() -%}
    {{ return('max_quantity=' ~ max_quantity() ~ ';number_limit=' ~ number_limit()) }}
{%- endmacro %}

{#- The body of a keyed model's `raw_keys` CTE: every raw row of `relation`
    (its raw_columns under the raw_ prefix) with its validation_key (the
    cleaned `key_column`, '' when missing), validation_bucket and
    raw_row_hash. -#}
{% macro keyed_raw_rows(relation, raw_columns, key_column) -%}
    {%- set key = "coalesce(" ~ clean_text(key_column) ~ ", '')" -%}
    select
        {{ select_raw_columns(raw_columns) }},
        {{ key }} as validation_key,
        {{ key_bucket(key) }} as validation_bucket,
        {{ raw_row_hash(raw_columns) }} as raw_row_hash
    from {{ relation }}
{%- endmacro %}

{#- The CTEs of a keyed refresh, ending in `refresh_keys` (validation_key):
    the keys this build validates again. Reads `raw_keys` (validation_key,
    validation_bucket, raw_row_hash of every raw row) and `current_settings`
    (one row, one column `validation_settings`), which the model defines, and {{ this }}.
    rechecks: a query of the stored keys to validate again whatever their
    bucket. entity: how the message names a key ('order id'). Stops the build
    when stored keys are gone from the raw data (a refresh adds and replaces
    keys but does not forget them), or when the stored table lacks the
    bookkeeping columns (built by an earlier version). -#}
{% macro keyed_refresh_ctes(rechecks, entity) -%}
{%- do require_stored_columns(
    ['validation_key', 'validation_bucket', 'raw_row_hash', 'validation_settings', 'validated_at'], this.identifier
) -%}
-- Row count and checksum of the raw rows of each key bucket: now, and as
-- the stored rows were validated.
raw_buckets as (
    select
        validation_bucket,
        count(*) as row_count,
        {{ hash_checksum('raw_row_hash') }} as row_checksum
    from raw_keys
    group by validation_bucket
),

stored_buckets as (
    select
        validation_bucket,
        count(*) as row_count,
        {{ hash_checksum('raw_row_hash') }} as row_checksum,
        -- stored rows validated with other settings make every bucket change
        max(case when validation_settings = (select current_settings.validation_settings from current_settings) then 0 else 1 end) as has_other_settings
    from {{ this }}
    group by validation_bucket
),

settings_changed as (
    select coalesce(max(has_other_settings), 0) = 1 as is_changed
    from stored_buckets
),

changed_buckets as (
    select coalesce(raw_buckets.validation_bucket, stored_buckets.validation_bucket) as validation_bucket
    from raw_buckets
    full outer join stored_buckets
        on raw_buckets.validation_bucket = stored_buckets.validation_bucket
    cross join settings_changed
    where
        settings_changed.is_changed
        or raw_buckets.validation_bucket is null
        or stored_buckets.validation_bucket is null
        or raw_buckets.row_count <> stored_buckets.row_count
        or raw_buckets.row_checksum <> stored_buckets.row_checksum
),

changed_raw_keys as (
    select distinct validation_key
    from raw_keys
    where validation_bucket in (select validation_bucket from changed_buckets)
),

changed_stored_keys as (
    select distinct validation_key
    from {{ this }}
    where validation_bucket in (select validation_bucket from changed_buckets)
),

-- Stored keys without a raw row any more.
vanished_keys as (
    select validation_key from changed_stored_keys
    except
    select validation_key from changed_raw_keys
),

vanished_check as (
    select
        case
            when count(*) = 0 then true
            else {{ raise_sql_error_with(dbt.concat([
                sql_string_literal(this.identifier ~ ': '),
                "cast(count(*) as " ~ dbt.type_string() ~ ")",
                sql_string_literal(' stored ' ~ entity ~ '(s) are no longer in the raw data (first: \''),
                "min(validation_key)",
                sql_string_literal('\'). An incremental build adds and replaces ' ~ entity ~ 's but does not drop them; rebuild with `dbt build --full-refresh --select ' ~ this.identifier ~ '+`.'),
            ]), 'boolean') }}
        end as is_clear
    from vanished_keys
),

refresh_keys as (
    select validation_key
    from (
        select validation_key from changed_raw_keys

        union

        select validation_key from (
            {{ rechecks | indent(12) }}
        ) as rechecked
    ) as found
    cross join vanished_check
    where vanished_check.is_clear
)
{%- endmacro %}

{#- The rows of `relation` whose key this build validates (all of them on a
    full build). -#}
{% macro in_refresh_scope(relation, incremental) -%}
    {%- if incremental -%}
    select {{ relation }}.*
    from {{ relation }}
    inner join refresh_keys
        on {{ relation }}.validation_key = refresh_keys.validation_key
    {%- else -%}
    select * from {{ relation }}
    {%- endif -%}
{%- endmacro %}

{#- A post-hook: logs how many of the stored rows this run validated (all on
    a full build, the refreshed keys' rows on an incremental one). -#}
{% macro log_validated_rows() -%}
    {%- if execute -%}
        {%- set result = run_query(
            "select count(case when validated_at = " ~ validated_at() ~ " then 1 end), count(*) from " ~ this
        ) -%}
        {%- do log(this.identifier ~ ": validated " ~ result.rows[0][0] ~ " of " ~ result.rows[0][1] ~ " stored row(s)", info=True) -%}
    {%- endif -%}
{%- endmacro %}
