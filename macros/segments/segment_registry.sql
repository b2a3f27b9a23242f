{#- The segments: every model whose YAML has meta.segment (models/segments/
    seg_<key>.sql), its definition checked. docs/segments.md. -#}

{#- The relations conditions read. Called while parsing too, so every
    segment model depends on all of them. -#}
{% macro segment_relations() -%}
    {#- schema.table, without the database: the SQL shown in the segments
        mart reads the same on every engine and warehouse file. -#}
    {{ return({
        'contacts': ref('int_segment_contacts').include(database=false),
        'orders': ref('int_segment_orders').include(database=false),
        'lines': ref('int_segment_order_lines').include(database=false),
        'events': ref('int_segment_events').include(database=false),
        'tags': ref('int_contact_tag_scores').include(database=false),
        'static_members': ref('int_static_list_members').include(database=false),
    }) }}
{%- endmacro %}

{#- Every segment: the models whose meta has `segment`, keyed by the model
    name without its `seg_` prefix. -#}
{% macro segment_registry() -%}
    {%- set registry = {} -%}
    {%- if execute -%}
        {%- for node in graph.nodes.values() | sort(attribute='name') if node.resource_type == 'model' and node.config.meta.segment is defined -%}
            {%- if not node.name.startswith('seg_') -%}
                {{ exceptions.raise_compiler_error("model '" ~ node.name ~ "' has meta.segment, so its name must start with seg_ (seg_<segment key>)") }}
            {%- endif -%}
            {%- do registry.update({node.name[4:]: {
                'definition': node.config.meta.segment,
                'model': node.name,
                'path': node.original_file_path,
                'yaml_path': (node.patch_path or '').split('://')[-1],
            }}) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(registry) }}
{%- endmacro %}

{#- Checks what a segment's definition holds besides its condition. -#}
{% macro validate_segment_attributes(key, definition) -%}
    {%- set context = {'key': key} -%}
    {%- if not modules.re.match('^[a-z][a-z0-9_]*$', key) -%}
        {{ segment_error(context, 'key', "the key must be snake_case (lower-case letters, digits and _, starting with a letter)") }}
    {%- endif -%}
    {%- if not segment_is_mapping(definition) -%}
        {{ segment_error(context, 'meta.segment', "must be a mapping with name, description, status, owner and condition") }}
    {%- endif -%}
    {%- set allowed = ['name', 'description', 'status', 'owner', 'recommended', 'condition'] -%}
    {%- for attribute in definition if attribute not in allowed -%}
        {{ segment_error(context, attribute, "unknown attribute; a segment has " ~ (allowed | join(', '))) }}
    {%- endfor -%}
    {%- for attribute in ['name', 'description', 'owner'] -%}
        {%- if definition[attribute] is not string or definition[attribute] | trim == '' -%}
            {{ segment_error(context, attribute, "is missing or empty") }}
        {%- endif -%}
    {%- endfor -%}
    {%- if definition.status not in ['active', 'draft'] -%}
        {{ segment_error(context, 'status', "'" ~ definition.status ~ "' must be active or draft") }}
    {%- endif -%}
    {%- if key == baseline_segment_key() -%}
        {{ segment_error(context, 'key', "'" ~ key ~ "' is reserved for the all-contacts baseline of the segment insights") }}
    {%- endif -%}
    {%- set recommended = definition.recommended if definition.recommended is defined else false -%}
    {%- if recommended is not sameas true and recommended is not sameas false
        and not (segment_is_whole(recommended) and recommended >= 1 and recommended <= 5) -%}
        {{ segment_error(context, 'recommended', "'" ~ recommended ~ "' must be true, false or a position from 1 to 5") }}
    {%- endif -%}
    {%- if definition.condition is not defined or definition.condition is none -%}
        {{ segment_error(context, 'condition', "is missing") }}
    {%- endif -%}
{%- endmacro %}

{#- Checks the whole registry (attributes, at most five recommended, every
    condition, no cycle) and returns it. `relations` replaces the relations
    conditions read (the on-run-start check passes names: a hook cannot ref). -#}
{% macro validated_segment_registry(registry=none, relations=none) -%}
    {%- set registry = segment_registry() if registry is none else registry -%}
    {%- for key, entry in registry.items() -%}
        {%- do validate_segment_attributes(key, entry.definition) -%}
    {%- endfor -%}
    {%- do recommended_segment_keys(registry) -%}
    {%- for key in registry -%}
        {%- do compile_segment_parts(key, registry, relations=relations) -%}
    {%- endfor -%}
    {{ return(registry) }}
{%- endmacro %}

{#- The recommended segments in their order: those with a position
    (`recommended: 1` to 5) by position, then those with `recommended: true`
    by key. At most five; two segments cannot share a position. -#}
{% macro recommended_segment_keys(registry) -%}
    {%- set numbered = [] -%}
    {%- set unnumbered = [] -%}
    {%- for key, entry in registry.items() -%}
        {%- set value = entry.definition.recommended if entry.definition.recommended is defined else false -%}
        {%- if value is sameas true -%}
            {%- do unnumbered.append(key) -%}
        {%- elif segment_is_number(value) -%}
            {%- for other in numbered if other.position == value -%}
                {{ exceptions.raise_compiler_error("segments '" ~ other.key ~ "' and '" ~ key ~ "' are both recommended at position " ~ value ~ "; each position 1 to 5 holds one segment") }}
            {%- endfor -%}
            {%- do numbered.append({'key': key, 'position': value}) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set ordered = (numbered | sort(attribute='position') | map(attribute='key') | list) + (unnumbered | sort) -%}
    {%- if ordered | length > 5 -%}
        {{ exceptions.raise_compiler_error(ordered | length ~ " segments are recommended: " ~ (ordered | join(', ')) ~ "; at most five may be recommended") }}
    {%- endif -%}
    {{ return(ordered) }}
{%- endmacro %}
