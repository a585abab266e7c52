{#-
    The report's frontier section: each land-border province's trade per year, with what its
    panel says (growth since the first year, latest value) and the panel order: the focus
    regions first, then the fastest growing.
-#}

with

provinces as (
    select * from {{ ref('fct_province_trade_annual') }}
),

border as (
    select
        region_code,
        region_name_en,
        year,
        value_usd / 1e9 as value_bn_usd,
        yoy_pct,
        region_code in ({{ report_focus_regions() }}) as is_focus_region,
        min(year) over by_region as first_year,
        max(year) over by_region as last_year
    from provinces
    where has_land_border and value_usd is not null
    window by_region as (partition by region_code)
),

ends as (
    select
        region_code,
        max(case when year = first_year then value_bn_usd end) as first_value_bn_usd,
        max(case when year = last_year then value_bn_usd end) as last_value_bn_usd,
        max(case when year = last_year then yoy_pct end) as last_yoy_pct
    from border
    group by region_code
),

multiples as (
    select
        region_code,
        last_value_bn_usd,
        last_yoy_pct,
        last_value_bn_usd / nullif(first_value_bn_usd, 0) as growth_multiple
    from ends
),

ordered as (
    select
        region_code,
        last_value_bn_usd,
        last_yoy_pct,
        growth_multiple,
        row_number() over (order by growth_multiple desc, region_code asc) = 1 as is_fastest,
        row_number() over (order by last_value_bn_usd, region_code) = 1 as is_smallest,
        cast(row_number() over (
            order by
                case when region_code in ({{ report_focus_regions() }}) then 0 else 1 end asc,
                case when region_code = {{ report_focus_regions(first_only=true) }} then 0 else 1 end asc,
                growth_multiple desc,
                region_code asc
        ) as bigint) as panel_order
    from multiples
),

final as (
    select
        border.region_code,
        border.region_name_en,
        border.year,
        border.value_bn_usd,
        border.yoy_pct,
        border.is_focus_region,
        border.first_year,
        border.last_year,
        ordered.last_value_bn_usd,
        ordered.last_yoy_pct,
        ordered.growth_multiple,
        ordered.is_fastest,
        ordered.is_smallest,
        ordered.panel_order
    from border
    inner join ordered
        on border.region_code = ordered.region_code
)

select * from final
