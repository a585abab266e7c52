{#-
    The report's frontier-by-month section: each land-border province's total trade month by
    month (GACC's region table, billion yuan as printed), with what its small-multiple panel
    says (the latest month and customs' year-to-date growth to it) and the panel order (the
    largest in the latest month first), and the figures the takeaway quotes: the largest and
    smallest in the latest month, the fastest and slowest year-to-date growth.
-#}

with

monthly as (
    select * from {{ ref('rpt_province_trade_monthly') }}
),

border as (
    select
        region_code,
        region_name_en,
        year,
        month,
        yoy_pct_ytd_reported,
        make_date(year, month, 1) as month_date,
        value_month_cny / 1e9 as value_month_bn_cny,
        region_code in ({{ report_focus_regions() }}) as is_focus_region,
        year * 12 + month = max(year * 12 + month) over () as is_last_month
    from monthly
    where has_land_border
),

last_month as (
    select
        region_code,
        month_date as last_month_date,
        value_month_bn_cny as last_value_bn_cny,
        yoy_pct_ytd_reported as last_yoy_pct_ytd
    from border
    where is_last_month
),

ordered as (
    select
        region_code,
        last_month_date,
        last_value_bn_cny,
        last_yoy_pct_ytd,
        row_number() over (order by last_value_bn_cny desc, region_code asc) = 1 as is_largest,
        row_number() over (order by last_value_bn_cny asc, region_code asc) = 1 as is_smallest,
        row_number() over (order by last_yoy_pct_ytd desc, region_code asc) = 1 as is_fastest,
        row_number() over (order by last_yoy_pct_ytd asc, region_code asc) = 1 as is_slowest,
        cast(row_number() over (order by last_value_bn_cny desc, region_code asc) as bigint) as panel_order
    from last_month
),

final as (
    select
        border.region_code,
        border.region_name_en,
        border.year,
        border.month,
        border.month_date,
        border.value_month_bn_cny,
        border.yoy_pct_ytd_reported,
        border.is_focus_region,
        border.is_last_month,
        min(border.month_date) over () as first_month_date,
        ordered.last_month_date,
        ordered.last_value_bn_cny,
        ordered.last_yoy_pct_ytd,
        ordered.is_largest,
        ordered.is_smallest,
        ordered.is_fastest,
        ordered.is_slowest,
        ordered.panel_order
    from border
    inner join ordered
        on border.region_code = ordered.region_code
)

select * from final
