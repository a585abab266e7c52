{#-
    The 31 provinces month by month from GACC's region table (latest vintage), total trade:
    the month and the year to date in yuan and dollars, share of the national total, the rank
    among the 31 by month and by year to date, customs' year-to-date growth and its rank (the
    fastest-growing provinces of the year so far), and the land-border (frontier) flag.
-#}

with

facts as (
    select * from {{ ref('int_region_table_trade') }}
    where flow = 'total'
),

regions as (
    select * from {{ ref('dim_region') }}
),

national as (
    select * from facts
    where region_level = 'national'
),

provinces as (
    select
        facts.*,
        regions.region_name_en,
        regions.region_name_zh,
        regions.macro_region,
        regions.has_land_border
    from facts
    inner join regions
        on facts.region_code = regions.region_code
    where facts.region_level = 'province'
),

ranked as (
    select
        provinces.region_code,
        provinces.region_name_en,
        provinces.region_name_zh,
        provinces.macro_region,
        provinces.has_land_border,
        provinces.year,
        provinces.month,
        provinces.value_month_cny,
        provinces.value_month_usd,
        provinces.value_ytd_cny,
        provinces.value_ytd_usd,
        100 * provinces.value_month_cny / nullif(national.value_month_cny, 0) as share_of_national_month_pct,
        100 * provinces.value_ytd_cny / nullif(national.value_ytd_cny, 0) as share_of_national_ytd_pct,
        provinces.yoy_pct_reported as yoy_pct_ytd_reported,
        cast(rank() over (
            partition by provinces.year, provinces.month order by provinces.value_month_cny desc
        ) as bigint) as national_rank_month,
        cast(rank() over (
            partition by provinces.year, provinces.month order by provinces.value_ytd_cny desc
        ) as bigint) as national_rank_ytd,
        cast(rank() over (
            partition by provinces.year, provinces.month order by provinces.yoy_pct_reported desc nulls last
        ) as bigint) as growth_rank_ytd
    from provinces
    inner join national
        on provinces.year = national.year and provinces.month = national.month
)

select * from ranked
