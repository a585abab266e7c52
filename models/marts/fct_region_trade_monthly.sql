with

monthly as (
    select * from {{ ref('int_region_trade_monthly') }}
),

regions as (
    select * from {{ ref('dim_region') }}
),

final as (
    select
        monthly.region_code,
        regions.region_name_en,
        monthly.year,
        monthly.month_start,
        monthly.month,
        monthly.months_covered,
        monthly.is_jan_feb_combined,
        monthly.flow,
        monthly.partner_scope,
        monthly.product,
        monthly.value_cny,
        monthly.value_usd,
        monthly.value_basis,
        monthly.is_published,
        monthly.figure_id,
        monthly.subtracted_figure_id
    from monthly
    inner join regions
        on monthly.region_code = regions.region_code
)

select * from final
