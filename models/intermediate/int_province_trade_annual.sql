{#-
    NBS annual trade by location of importers/exporters for the 31 provinces, with yuan values,
    growth, share of the national total (the sum of the 31) and rank. Yuan values use the PBOC
    annual average central parity where the project has it (ref_fx_annual), otherwise the mean
    of the ECB-derived monthly rates of the year; `fx_rate_kind` says which. Beside them, NBS's
    second concept (A060201, by domestic destination and source of goods) as its own measure,
    never added to the first, and the same province in GACC's region table (December year to
    date, yuan as printed and dollars at the mean monthly rate) with the gap in dollars.
-#}

with

provinces as (
    select * from {{ ref('stg_nbs__trade_by_importer_location_annual') }}
),

regions as (
    select * from {{ ref('ref_regions') }}
),

second_concept as (
    select * from {{ ref('stg_nbs__trade_by_province_two_concepts_annual') }}
    where indicator_code = 'A060201'
),

customs_table as (
    select * from {{ ref('int_region_table_trade') }}
    where region_level = 'province' and flow = 'total' and month = 12
),

fx_annual as (
    select * from {{ ref('ref_fx_annual') }}
),

fx_monthly_mean as (
    select
        year,
        avg(cny_per_usd) as cny_per_usd,
        count(*) as months
    from {{ ref('ref_fx_monthly') }}
    group by year
),

with_fx as (
    select
        provinces.region_code,
        regions.macro_region,
        regions.has_land_border,
        provinces.year,
        cast(provinces.value_usd as double) as value_usd,
        cast(provinces.value_usd as double)
        * cast(coalesce(fx_annual.cny_per_usd, fx_monthly_mean.cny_per_usd) as double)
            as value_cny,
        cast(coalesce(fx_annual.cny_per_usd, fx_monthly_mean.cny_per_usd) as double) as cny_per_usd,
        coalesce(fx_annual.rate_kind, 'ecb_monthly_mean') as fx_rate_kind,
        cast(second_concept.value_usd as double) as value_usd_destination_source,
        customs_table.value_ytd_cny as customs_table_value_cny,
        customs_table.value_ytd_usd as customs_table_value_usd,
        round(100 * (cast(provinces.value_usd as double) / nullif(customs_table.value_ytd_usd, 0) - 1), 6)
            as gap_vs_customs_table_pct
    from provinces
    inner join regions
        on provinces.region_code = regions.region_code
    left join fx_annual
        on provinces.year = fx_annual.year
    left join fx_monthly_mean
        on provinces.year = fx_monthly_mean.year and fx_monthly_mean.months = 12
    left join second_concept
        on provinces.region_code = second_concept.region_code and provinces.year = second_concept.year
    left join customs_table
        on provinces.region_code = customs_table.region_code and provinces.year = customs_table.year
),

measured as (
    select
        with_fx.*,
        case
            when lag(with_fx.year) over by_region = with_fx.year - 1
                then 100 * (with_fx.value_usd / lag(with_fx.value_usd) over by_region - 1)
        end as yoy_pct,
        100 * with_fx.value_usd / sum(with_fx.value_usd) over by_year as share_of_national_pct,
        cast(rank() over (partition by with_fx.year order by with_fx.value_usd desc) as bigint) as national_rank
    from with_fx
    window
        by_region as (partition by region_code order by year),
        by_year as (partition by year)
)

select * from measured
