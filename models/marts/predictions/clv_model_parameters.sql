-- One row per parameter of the BG/NBD and Gamma-Gamma fits of this build:
-- the predictions' (on the data through the as-of date) and the backtest's
-- (through its cutoff date), with the customers fitted, the log-likelihood and the fit's
-- status (docs/predictions.md).
with

-- The Python model's dates arrive as timestamps.
fits as (
    select
        *,
        cast(as_of_date as date) as fit_date
    from {{ ref('int_clv_model_fits') }}
),

score_dates as (
    select * from {{ ref('int_score_dates') }}
),

final as (
    select
        case when score_dates.is_build_as_of_date then 'predictions' else 'backtest' end as fit_purpose,
        fits.model,
        fits.parameter,
        cast(fits.value as {{ ratio_type() }}) as value,  -- noqa: RF04
        cast(fits.parameter_unit as {{ dbt.type_string() }}) as parameter_unit,
        cast(fits.time_unit as {{ dbt.type_string() }}) as time_unit,
        cast(fits.customers_fitted as {{ dbt.type_bigint() }}) as customers_fitted,
        cast(fits.log_likelihood as {{ ratio_type() }}) as log_likelihood,
        fits.fit_status,
        fits.fit_date as data_through_date,
        {{ as_of_date() }} as as_of_date
    from fits
    inner join score_dates
        on fits.fit_date = score_dates.as_of_date
)

select * from final
