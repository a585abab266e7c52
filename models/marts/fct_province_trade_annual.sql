with

provinces as (
    select * from {{ ref('int_province_trade_annual') }}
),

regions as (
    select * from {{ ref('dim_region') }}
),

final as (
    select
        provinces.region_code,
        regions.region_name_en,
        regions.region_name_zh,
        provinces.macro_region,
        provinces.has_land_border,
        provinces.year,
        provinces.value_usd,
        provinces.value_cny,
        provinces.cny_per_usd,
        provinces.fx_rate_kind,
        provinces.yoy_pct,
        provinces.share_of_national_pct,
        provinces.national_rank,
        provinces.value_usd_destination_source,
        provinces.customs_table_value_cny,
        provinces.customs_table_value_usd,
        provinces.gap_vs_customs_table_pct
    from provinces
    inner join regions
        on provinces.region_code = regions.region_code
)

select * from final
