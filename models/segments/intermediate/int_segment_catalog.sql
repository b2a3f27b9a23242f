-- One row per segment (from the segment models' YAML meta) and per static
-- list effective as of the as-of date: what the segments mart describes and
-- what membership history compares.
{%- set relations = segment_relations() -%}
{%- set registry = validated_segment_registry() if execute else {} %}
{%- set recommended = recommended_segment_keys(registry) %}
{%- set used_in = segment_used_in(registry) if execute else {} %}
with

static_lists as (
    select * from {{ ref('stg_static_lists__lists') }}
),

dynamic_segments as (
    {%- for key, entry in registry.items() %}
    select
        {{ sql_string_literal(key) }} as segment_key,
        {{ sql_string_literal(entry.definition.name) }} as name,  -- noqa: RF04
        {{ sql_string_literal(entry.definition.description) }} as description,
        'dynamic' as segment_type,
        {{ sql_string_literal(entry.definition.status) }} as status,
        {{ sql_string_literal(entry.definition.owner) }} as owner,  -- noqa: RF04
        {{ 'true' if key in recommended else 'false' }} as is_recommended,
        {{ (recommended.index(key) + 1) if key in recommended else 'cast(null as ' ~ dbt.type_int() ~ ')' }} as recommended_rank,
        {{ sql_string_literal(used_in[key] | join(', ')) if key in used_in else 'cast(null as ' ~ dbt.type_string() ~ ')' }} as used_in,
        {{ sql_string_literal(tojson(entry.definition.condition, sort_keys=true)) }} as definition,
        {{ sql_string_literal(compile_segment(key, registry)) }} as compiled_sql,
        {{ sql_string_literal(entry.model) }} as model_name
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
    {%- if not registry %}
    select
        cast(null as {{ dbt.type_string() }}) as segment_key,
        cast(null as {{ dbt.type_string() }}) as name,
        cast(null as {{ dbt.type_string() }}) as description,
        cast(null as {{ dbt.type_string() }}) as segment_type,
        cast(null as {{ dbt.type_string() }}) as status,
        cast(null as {{ dbt.type_string() }}) as owner,  -- noqa: RF04
        false as is_recommended,
        cast(null as {{ dbt.type_int() }}) as recommended_rank,
        cast(null as {{ dbt.type_string() }}) as used_in,
        cast(null as {{ dbt.type_string() }}) as definition,
        cast(null as {{ dbt.type_string() }}) as compiled_sql,
        cast(null as {{ dbt.type_string() }}) as model_name
    where 1 = 0
    {%- endif %}
),

frozen_lists as (
    select
        list_key as segment_key,
        name,
        description,
        'static' as segment_type,
        'active' as status,
        cast(null as {{ dbt.type_string() }}) as owner,  -- noqa: RF04
        false as is_recommended,
        cast(null as {{ dbt.type_int() }}) as recommended_rank,
        {%- if used_in %}
        case list_key
            {%- for key, names in used_in.items() %}
            when {{ sql_string_literal(key) }} then {{ sql_string_literal(names | join(', ')) }}
            {%- endfor %}
        end as used_in,
        {%- else %}
        cast(null as {{ dbt.type_string() }}) as used_in,
        {%- endif %}
        {{ dbt.concat([
            sql_string_literal('{"effective_date": "'), 'cast(effective_date as ' ~ dbt.type_string() ~ ')',
            sql_string_literal('", "source_type": "'), 'source_type',
            sql_string_literal('", "source": "'), "coalesce(source_segment_key, source_file, '')", sql_string_literal('"}'),
        ]) }} as definition,
        {{ dbt.concat([
            sql_string_literal('select contact_id from ' ~ ref('int_static_list_members') ~ " where list_key = '"),
            'list_key', sql_string_literal("'"),
        ]) }} as compiled_sql,
        cast(null as {{ dbt.type_string() }}) as model_name
    from static_lists
    where effective_date <= {{ as_of_date() }}
),

final as (
    select * from dynamic_segments
    union all
    select * from frozen_lists
)

select * from final
