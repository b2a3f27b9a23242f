{#- Text tests used by segment conditions and tag rules. Both arguments are
    SQL expressions; callers pass user values through sql_string_literal. -#}

{#- True when `haystack` contains `needle` (case-sensitive). -#}
{% macro text_contains(haystack, needle) -%}
    ({{ dbt.position(needle, haystack) }} > 0)
{%- endmacro %}

{#- True when `haystack` matches the regular expression `pattern` anywhere
    (a search, not a whole-string match). -#}
{% macro regex_matches(haystack, pattern) -%}
    {{ return(adapter.dispatch('regex_matches', 'customer_segments')(haystack, pattern)) }}
{%- endmacro %}

{% macro default__regex_matches(haystack, pattern) -%}
    ({{ haystack }} ~ {{ pattern }})
{%- endmacro %}

{% macro duckdb__regex_matches(haystack, pattern) -%}
    regexp_matches({{ haystack }}, {{ pattern }})
{%- endmacro %}

{% macro spark__regex_matches(haystack, pattern) -%}
    ({{ haystack }} rlike {{ pattern }})
{%- endmacro %}

{#- A tag rule's URL test: `contains` or `regex` from the rule's own column. -#}
{% macro url_rule_matches(url, match_type, pattern) -%}
    (
        ({{ match_type }} = 'contains' and {{ text_contains(url, pattern) }})
        or ({{ match_type }} = 'regex' and {{ regex_matches(url, pattern) }})
    )
{%- endmacro %}
