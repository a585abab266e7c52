{#-
    GACC's region table as facts, latest vintage of each month: one row per place x year x
    month x flow, with the printed month and year-to-date values in yuan, US dollars converted
    at the month's (and the year-to-date's mean) monthly rate, customs' reported year-to-date
    growth, the month derived from the difference of this table's and last month's table's
    year-to-date columns, and the same values from the previous year's table (growth computed
    on them; `implied_prior_year_ytd_cny` is the base customs' reported growth implies). A zero
    base gives no growth (null), on DuckDB and Spark alike.
-#}

with

table_rows as (
    select * from {{ ref('stg_gacc_region_table__rows') }}
),

vintages as (
    select * from {{ ref('int_region_table_vintages') }}
    where is_latest
),

places as (
    select * from {{ ref('ref_region_places') }}
),

fx_monthly as (
    select * from {{ ref('ref_fx_monthly') }}
),

latest as (
    select table_rows.*
    from table_rows
    inner join vintages
        on {{ columns_equal('table_rows', 'vintages', ['year', 'month', 'vintage']) }}
),

-- the month's rate, and the mean of the monthly rates from January to it
month_fx as (
    select
        later.year,
        later.month,
        cast(later.cny_per_usd as double) as cny_per_usd_month,
        avg(cast(earlier.cny_per_usd as double)) as cny_per_usd_ytd
    from fx_monthly as later
    inner join fx_monthly as earlier
        on later.year = earlier.year and later.month >= earlier.month
    group by later.year, later.month, later.cny_per_usd
),

placed as (
    select
        places.region_code,
        places.region_level,
        places.parent_region_code,
        latest.place_as_printed,
        latest.year,
        latest.month,
        latest.flow,
        cast(latest.value_month_cny as double) as value_month_cny,
        cast(latest.value_ytd_cny as double) as value_ytd_cny,
        cast(latest.yoy_pct_reported as double) as yoy_pct_reported,
        latest.month_as_printed,
        latest.ytd_as_printed,
        month_fx.cny_per_usd_month,
        month_fx.cny_per_usd_ytd,
        latest.vintage,
        latest.source_file,
        latest.line_number
    from latest
    inner join places
        on latest.place_as_printed = places.name_as_printed
    left join month_fx
        on latest.year = month_fx.year and latest.month = month_fx.month
),

compared as (
    select
        placed.*,
        placed.value_month_cny / placed.cny_per_usd_month as value_month_usd,
        placed.value_ytd_cny / placed.cny_per_usd_ytd as value_ytd_usd,
        case
            when placed.month = 1 then placed.value_ytd_cny
            else placed.value_ytd_cny - previous_month.value_ytd_cny
        end as value_month_from_ytd_cny,
        prior_year.value_ytd_cny as prior_year_ytd_cny,
        prior_year.value_month_cny as prior_year_month_cny,
        100 * (placed.value_ytd_cny / nullif(prior_year.value_ytd_cny, 0) - 1) as yoy_pct_computed,
        100 * (placed.value_month_cny / nullif(prior_year.value_month_cny, 0) - 1) as yoy_pct_month_computed,
        placed.value_ytd_cny / nullif(1 + placed.yoy_pct_reported / 100, 0) as implied_prior_year_ytd_cny
    from placed
    left join placed as previous_month
        on
            placed.region_code = previous_month.region_code
            and placed.flow = previous_month.flow
            and placed.year = previous_month.year
            and placed.month = previous_month.month + 1
    left join placed as prior_year
        on
            placed.region_code = prior_year.region_code
            and placed.flow = prior_year.flow
            and placed.year = prior_year.year + 1
            and placed.month = prior_year.month
)

select * from compared
