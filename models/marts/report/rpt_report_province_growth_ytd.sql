{#-
    The report's fastest-growing section: each province's year-to-date growth as customs
    reports it (GACC's region table, yuan) for the latest month in the data, with its rank and
    the figures the takeaway quotes: how many provinces grew, and the 31 provinces' combined
    growth computed from the table's year-to-date values of this year and the year before (null
    when the table has no year before).
-#}

with

monthly as (
    select * from {{ ref('rpt_province_trade_monthly') }}
),

latest_month as (
    select
        year,
        month
    from monthly
    order by year desc, month desc
    limit 1
),

latest as (
    select monthly.*
    from monthly
    inner join latest_month
        on monthly.year = latest_month.year and monthly.month = latest_month.month
),

year_before as (
    select monthly.*
    from monthly
    inner join latest_month
        on monthly.year = latest_month.year - 1 and monthly.month = latest_month.month
),

combined as (
    select 100 * (sum(latest.value_ytd_cny) / nullif(sum(year_before.value_ytd_cny), 0) - 1) as combined_yoy_pct_ytd
    from latest
    inner join year_before
        on latest.region_code = year_before.region_code
),

counted as (
    select
        count(case when yoy_pct_ytd_reported > 0 then 1 end) as provinces_grown,
        count(yoy_pct_ytd_reported) as provinces_with_growth
    from latest
),

final as (
    select
        latest.region_code,
        latest.region_name_en,
        latest.has_land_border,
        latest.year,
        latest.month,
        latest.value_ytd_cny / 1e9 as value_ytd_bn_cny,
        latest.yoy_pct_ytd_reported,
        latest.growth_rank_ytd,
        latest.region_code in ({{ report_focus_regions() }}) as is_focus_region,
        counted.provinces_grown,
        counted.provinces_with_growth,
        combined.combined_yoy_pct_ytd
    from latest
    cross join counted
    cross join combined
)

select * from final
