with

ytd as (
    select * from {{ ref('int_region_trade_ytd') }}
),

regions as (
    select * from {{ ref('dim_region') }}
),

final as (
    select
        ytd.region_code,
        regions.region_name_en,
        ytd.year,
        ytd.month_end,
        ytd.period_start,
        ytd.period_end,
        ytd.flow,
        ytd.partner_scope,
        ytd.product,
        ytd.value_cny,
        ytd.value_usd,
        ytd.is_value_cny_converted,
        ytd.is_value_usd_converted,
        ytd.cny_per_usd,
        ytd.qualifier,
        ytd.yoy_pct_reported,
        ytd.yoy_pct_computed,
        ytd.growth_multiple_reported,
        ytd.prior_year_value_cny,
        ytd.prior_year_figure_id,
        ytd.figure_id_cny,
        ytd.figure_id_usd,
        ytd.figure_id_growth,
        ytd.source_kind,
        ytd.source_reference,
        ytd.published_on
    from ytd
    inner join regions
        on ytd.region_code = regions.region_code
)

select * from final
