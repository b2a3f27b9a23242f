{#- Money in the reporting currency, rounded once (docs/raw-data.md: amount × rate(currency) / rate(reporting), half away from
    zero, to the cent). The rates are the currency_rates seed's values in a
    common base (8 decimals), so the quotient is computed on whole numbers:
    cents × rate × 10^8 over rate × 10^8, rounded by integer division. No
    rate is rounded before the amount is multiplied by it. Amounts are below
    10^15 (number_limit), so the products stay below 10^36. -#}
{% macro convert_amount(amount, currency_value, reporting_value) -%}
    {#- An amount already in the reporting currency's value converts to itself
        (it has two decimals): the exact integer arithmetic below costs a
        quarter of a second per million amounts, and most orders need none. -#}
    case
        when {{ currency_value }} = {{ reporting_value }} then cast({{ amount }} as {{ money_type() }})
        else {{ adapter.dispatch('convert_amount', 'customer_segments')(amount, currency_value, reporting_value) }}
    end
{%- endmacro %}

{% macro default__convert_amount(amount, currency_value, reporting_value) -%}
    {%- set numerator = '(cast(cast(' ~ amount ~ ' as numeric(38, 2)) * 100 as numeric(38, 0)) * cast(cast(' ~ currency_value ~ ' as numeric(38, 8)) * 100000000 as numeric(38, 0)))' -%}
    {%- set denominator = 'cast(cast(' ~ reporting_value ~ ' as numeric(38, 8)) * 100000000 as numeric(38, 0))' -%}
    cast(sign({{ numerator }}) * div(2 * abs({{ numerator }}) + {{ denominator }}, 2 * {{ denominator }}) * cast(0.01 as decimal(2, 2)) as {{ money_type() }})
{%- endmacro %}

{% macro duckdb__convert_amount(amount, currency_value, reporting_value) -%}
    {%- set numerator = '(cast(cast(' ~ amount ~ ' as decimal(38, 2)) * 100 as hugeint) * cast(cast(' ~ currency_value ~ ' as decimal(38, 8)) * 100000000 as hugeint))' -%}
    {%- set denominator = 'cast(cast(' ~ reporting_value ~ ' as decimal(38, 8)) * 100000000 as hugeint)' -%}
    cast(cast(sign({{ numerator }}) * ((2 * abs({{ numerator }}) + {{ denominator }}) // (2 * {{ denominator }})) as decimal(36, 0)) * cast(0.01 as decimal(2, 2)) as {{ money_type() }})
{%- endmacro %}
