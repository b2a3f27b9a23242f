{#- Whole years completed between a birth date and a later date (a birthday on
    29 February is reached on 1 March in common years); null when the birth
    date is unknown or after the date. Portable: extract() only. -#}
{% macro age_in_years(birth_date, on_date) -%}
    case
        when {{ birth_date }} <= {{ on_date }}
            then cast(
                extract(year from {{ on_date }}) - extract(year from {{ birth_date }})
                - case
                    when extract(month from {{ on_date }}) * 100 + extract(day from {{ on_date }})
                    < extract(month from {{ birth_date }}) * 100 + extract(day from {{ birth_date }})
                        then 1
                    else 0
                end
                as integer
            )
    end
{%- endmacro %}
