{#- Row validation for staging. A base model parses every raw row, applies an
    ordered list of checks, ranks duplicates and keeps the raw record of each
    rejected row; staging and quarantine models are the two halves of it. -#}

{#- True when the raw text is present but did not parse. -#}
{% macro is_unparseable(raw_column, parsed_column) -%}
    ({{ clean_text(raw_column) }} is not null and {{ parsed_column }} is null)
{%- endmacro %}

{#- The rows of `relation` with the first failed check of an ordered list,
    as failed_check_reason and failed_check_column (null when every check
    passes). checks: a list of [condition, reason, column] where condition is
    SQL over the relation's columns that is true when the row fails. The
    conditions are evaluated once per row, into failed_check_number (the
    check's position), and the two labels are read from that number: writing
    both labels as their own case expressions evaluated every check twice,
    which was a quarter of validating 100M events. -#}
{% macro checked_rows(relation, checks) -%}
    {%- if checks | length == 0 -%}
        {{ exceptions.raise_compiler_error("checked_rows: the list of checks is empty") }}
    {%- endif -%}
    {%- set known = rejection_reason_codes() -%}
    {%- for check in checks -%}
        {%- if check | length != 3 -%}
            {{ exceptions.raise_compiler_error("checked_rows: check " ~ loop.index ~ " must be [condition, reason, column], got " ~ check) }}
        {%- endif -%}
        {%- if check[1] not in known -%}
            {{ exceptions.raise_compiler_error("checked_rows: check " ~ loop.index ~ " has unknown reason '" ~ check[1] ~ "'; known reasons: " ~ known | join(', ')) }}
        {%- endif -%}
    {%- endfor -%}
    select
        numbered.*,
        {{ label_by_number('numbered.failed_check_number', checks | map(attribute=1) | list) }} as failed_check_reason,
        {{ label_by_number('numbered.failed_check_number', checks | map(attribute=2) | list) }} as failed_check_column
    from (
        select
            {{ relation }}.*,
            case
                {%- for check in checks %}
                when {{ check[0] }} then {{ loop.index }}
                {%- endfor %}
            end as failed_check_number
        from {{ relation }}
    ) as numbered
{%- endmacro %}

{#- The label at 1-based position `number` of a list of strings (null for a
    null number). On DuckDB a list lookup, so that an optimizer that inlines
    `number` (a filter on the label pushed below the projection) evaluates it
    once, not once per branch of a case expression. -#}
{% macro label_by_number(number, labels) -%}
    {{ return(adapter.dispatch('label_by_number', 'customer_segments')(number, labels)) }}
{%- endmacro %}

{% macro default__label_by_number(number, labels) -%}
    case {{ number }}
        {%- for label in labels %}
        when {{ loop.index }} then {{ sql_string_literal(label) }}
        {%- endfor %}
    end
{%- endmacro %}

{% macro duckdb__label_by_number(number, labels) -%}
    [{% for label in labels %}{{ sql_string_literal(label) }}{{ ', ' if not loop.last }}{% endfor %}][{{ number }}]
{%- endmacro %}

{#- The rows of `relation` (a CTE of parsed, checked rows) with two ranks that
    find duplicates among the rows that passed every check:
    copy_number > 1 marks a second copy of an identical raw row;
    version_rank > 1 marks an older version of a key (newest_first orders the
    versions, newest first; the raw row hash breaks ties deterministically).
    Only rows whose key repeats are ranked: a narrow aggregate finds those keys,
    so a hundred million events are not sorted whole to find a few thousand
    duplicates. -#}
{% macro rank_duplicates(relation, key_columns, newest_first=[]) -%}
    {%- set keys = key_columns | join(', ') -%}
    with

    repeated_keys as (
        select {{ keys }}
        from {{ relation }}
        where failed_check_reason is null
        group by {{ keys }}
        having count(*) > 1
    ),

    flagged as (
        select
            {{ relation }}.*,
            repeated_keys.{{ key_columns[0] }} is not null as has_repeated_key
        from {{ relation }}
        left join repeated_keys
            on
                {% for column in key_columns -%}
                {{ relation }}.{{ column }} = repeated_keys.{{ column }}
                and {% endfor -%}
                {{ relation }}.failed_check_reason is null
    )

    select
        *,
        1 as copy_number,
        1 as version_rank
    from flagged
    where not has_repeated_key

    union all

    {{ rank_key_versions('flagged', key_columns, newest_first, where='has_repeated_key') }}
{%- endmacro %}

{#- The rows of `relation` with copy_number and version_rank (see
    rank_duplicates), ranked among the rows that passed every check.
    outranked_column: a boolean column, true when a newer version of the key
    exists elsewhere (every version here then ranks 2). where: a filter. -#}
{% macro rank_key_versions(relation, key_columns, newest_first=[], outranked_column=none, where=none) -%}
    {%- set keys = key_columns | join(', ') -%}
    select
        *,
        row_number() over (
            partition by {{ keys }}, raw_row_hash, failed_check_reason is null
            order by raw_row_hash
        ) as copy_number,
        {%- if outranked_column %}
        case when {{ outranked_column }} then 2 else
        {%- endif %}
        dense_rank() over (
            partition by {{ keys }}, failed_check_reason is null
            order by {% for expression in newest_first %}{{ expression }}, {% endfor %}raw_row_hash
        )
        {%- if outranked_column %} end{% endif %} as version_rank
    from {{ relation }}
    {%- if where %}
    where {{ where }}
    {%- endif %}
{%- endmacro %}

{#- Ordering expressions (newest_first of rank_duplicates) that put first
    the version in effect on the as-of date: the newest whose timestamp falls
    on or before it (a reporting_timezone day); after those, the versions
    dated later, earliest first. So a build as of a past date keeps the
    version that existed then, never one written later (docs/scoring.md); as of today every version is on or before it and the newest wins. -#}
{% macro versions_in_effect_first(version_timestamp) -%}
    {%- set on_or_before = local_date(version_timestamp) ~ ' <= ' ~ as_of_date() -%}
    {{ return([
        'case when ' ~ on_or_before ~ ' then 0 else 1 end',
        'case when ' ~ on_or_before ~ ' then ' ~ version_timestamp ~ ' end desc nulls last',
        version_timestamp ~ ' asc nulls last',
    ]) }}
{%- endmacro %}

{#- A query of `column` over the stored rows of {{ this }} whose decision may
    have moved since they were validated, for an incremental build to
    validate again: a future_timestamp rejection (the clock moved on), an
    unknown_contact rejection whose contact is now known, a kept or outranked
    row whose contact no longer is; and versions decided for another as-of
    date (versions_in_effect_first): a kept version dated after this as-of
    date while an older one exists, or an older kept version while a newer
    one is now on or before it. known_contacts: a relation or CTE of the
    clean contact ids; key: the key column versions share; date and
    timestamp: the version's reporting-timezone day and timestamp. -#}
{% macro stored_decisions_to_recheck(known_contacts, column, key, date, timestamp) -%}
select distinct stored.{{ column }}
from {{ this }} as stored
left join {{ known_contacts }} as known_contacts
    on stored.contact_id = known_contacts.contact_id
where
    stored.rejection_reason = 'future_timestamp'
    or (stored.rejection_reason = 'unknown_contact' and known_contacts.contact_id is not null)
    or (
        stored.contact_id is not null
        and known_contacts.contact_id is null
        and (stored.rejection_reason is null or stored.rejection_reason in ('duplicate_key', 'duplicate'))
    )

union

select distinct loser.{{ column }}
from {{ this }} as loser
inner join {{ this }} as kept
    on loser.{{ key }} = kept.{{ key }}
where
    loser.rejection_reason = 'duplicate_key'
    and kept.rejection_reason is null
    and (
        kept.{{ date }} > {{ as_of_date() }}
        or (loser.{{ date }} <= {{ as_of_date() }} and loser.{{ timestamp }} > kept.{{ timestamp }})
    )
{%- endmacro %}

{#- The final rejection reason and column once duplicates are known. -#}
{% macro rejection_with_duplicates(key_label) -%}
    coalesce(
        failed_check_reason,
        case
            when version_rank > 1 then 'duplicate_key'
            when copy_number > 1 then 'duplicate'
        end
    ) as rejection_reason,
    coalesce(
        failed_check_column,
        case when version_rank > 1 or copy_number > 1 then {{ sql_string_literal(key_label) }} end
    ) as rejected_column
{%- endmacro %}

{#- A hash of the raw text of a row. It is only ever compared among rows with
    the same key (to find identical copies and to order versions with equal
    timestamps), so 64 bits are plenty: DuckDB's native hash() of the columns
    costs a third of MD5 at 100M rows. Elsewhere, MD5 of the values written as
    length:value (N for null), so that different rows cannot collide by
    concatenation. Stable for a given engine version, which keeps reruns
    identical. -#}
{% macro raw_row_hash(columns, prefix='') -%}
    {{ return(adapter.dispatch('raw_row_hash', 'customer_segments')(columns, prefix)) }}
{%- endmacro %}

{% macro default__raw_row_hash(columns, prefix) -%}
    {%- set parts = [] -%}
    {%- for column in columns -%}
        {%- do parts.append("coalesce(" ~ dbt.concat(["cast(length(" ~ prefix ~ column ~ ") as " ~ dbt.type_string() ~ ")", "':'", prefix ~ column]) ~ ", 'N')") -%}
    {%- endfor -%}
    {{ dbt.hash(dbt.concat(parts)) }}
{%- endmacro %}

{% macro duckdb__raw_row_hash(columns, prefix) -%}
    hash({% for column in columns %}{{ prefix ~ column }}{{ ', ' if not loop.last }}{% endfor %})
{%- endmacro %}

{#- The raw text of a row as a JSON object, keys in contract order. Quotes,
    backslashes and control characters are escaped with chr() so the SQL
    needs no backslash literal (engines disagree on those). -#}
{% macro raw_record(columns, prefix='') -%}
    {%- set parts = ["'{'"] -%}
    {%- for column in columns -%}
        {%- set value = prefix ~ column -%}
        {%- set escaped = "replace(replace(replace(replace(replace(" ~ value ~ ", chr(92), chr(92) || chr(92)), chr(34), chr(92) || chr(34)), chr(10), chr(92) || 'n'), chr(13), chr(92) || 'r'), chr(9), chr(92) || 't')" -%}
        {%- do parts.append("'" ~ ('' if loop.first else ', ') ~ '"' ~ column ~ "\": '") -%}
        {%- do parts.append("coalesce(" ~ dbt.concat(["'\"'", escaped, "'\"'"]) ~ ", 'null')") -%}
    {%- endfor -%}
    {%- do parts.append("'}'") -%}
    {{ dbt.concat(parts) }}
{%- endmacro %}

{#- Every rejection reason the project can give, in order of precedence: a
    model lists its checks in this order, so a row with several faults gets the
    earliest. The rejection_reasons seed documents each one; a test keeps the
    two equal. -#}
{% macro rejection_reason_codes() -%}
    {{ return([
        'malformed_line',
        'missing_required_value',
        'unparseable_timestamp',
        'unparseable_date',
        'unparseable_number',
        'unparseable_boolean',
        'out_of_range',
        'excess_precision',
        'unknown_enumerated_value',
        'invalid_code',
        'unknown_currency',
        'negative_amount',
        'refund_exceeds_total',
        'invalid_quantity',
        'future_timestamp',
        'unknown_contact',
        'unknown_order',
        'duplicate_key',
        'duplicate',
    ]) }}
{%- endmacro %}

{#- A timestamp implausibly far in the future of the wall clock at build time
    (run_started_at, the same instant for every model of the run). -#}
{% macro is_future_timestamp(utc_timestamp) -%}
    ({{ utc_timestamp }} > {{ dbt.dateadd('day', var('future_timestamp_tolerance_days'), "cast('" ~ run_started_at.strftime('%Y-%m-%d %H:%M:%S') ~ "' as timestamp)") }})
{%- endmacro %}

{#- Stops the query with a message when reached: for checks that only the data
    can answer (a currency the rates seed lacks, say). -#}
{% macro raise_sql_error(message, data_type=none) -%}
    {{ return(raise_sql_error_with(sql_string_literal(message), data_type)) }}
{%- endmacro %}

{#- raise_sql_error with a message computed by the query: a text expression.
    `data_type`: the type of the other branches where the engine needs it to
    type the expression (PostgreSQL; default integer). -#}
{% macro raise_sql_error_with(message_expression, data_type=none) -%}
    {{ return(adapter.dispatch('raise_sql_error_with', 'customer_segments')(message_expression, data_type)) }}
{%- endmacro %}

{% macro default__raise_sql_error_with(message_expression, data_type) -%}
    cast({{ message_expression }} as integer)
{%- endmacro %}

{% macro duckdb__raise_sql_error_with(message_expression, data_type) -%}
    error({{ message_expression }})
{%- endmacro %}

{#- PostgreSQL folds a constant cast while planning, in every branch: a
    function the build creates raises only when it runs. -#}
{% macro postgres__raise_sql_error_with(message_expression, data_type) -%}
    {{ cross_db_function('raise_error') }}({{ message_expression }}, cast(null as {{ data_type or 'integer' }}))
{%- endmacro %}

{% macro spark__raise_sql_error_with(message_expression, data_type) -%}
    raise_error({{ message_expression }})
{%- endmacro %}

{#- True when the text is exactly `length` letters A-Z (portable: no regex). -#}
{% macro is_letter_code(text, length) -%}
    (
        length({{ text }}) = {{ length }}
        {%- for position in range(1, length + 1) %}
        and substring({{ text }}, {{ position }}, 1) between 'A' and 'Z'
        {%- endfor %}
    )
{%- endmacro %}

{#- `column as raw_column` for each raw column: the base models keep the raw
    text under a prefix and give the parsed values the contract names. -#}
{% macro select_raw_columns(columns, prefix='raw_') -%}
    {%- for column in columns -%}
        {{ column }} as {{ prefix ~ column }}{{ ',\n        ' if not loop.last }}
    {%- endfor -%}
{%- endmacro %}
