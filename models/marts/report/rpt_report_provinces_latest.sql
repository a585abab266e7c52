{#-
    The report's province sections (totals, growth, the headline figures): the 31 provinces in
    the latest NBS year, with the national figures the takeaways quote. The focus regions
    (var report_focus_regions: Xinjiang and Xizang) are drawn in bold.
-#}

with

provinces as (
    select * from {{ ref('fct_province_trade_annual') }}
),

national as (
    select
        year,
        sum(value_usd) as value_usd
    from provinces
    group by year
),

latest_year as (
    select max(year) as year
    from provinces
    where value_usd is not null
),

latest as (
    select
        provinces.region_code,
        provinces.region_name_en,
        provinces.macro_region,
        provinces.year,
        provinces.value_usd / 1e9 as value_bn_usd,
        provinces.share_of_national_pct,
        provinces.yoy_pct,
        provinces.national_rank,
        provinces.region_code in ({{ report_focus_regions() }}) as is_focus_region,
        national.value_usd / 1e12 as national_value_tn_usd,
        100 * (national.value_usd / prior_year.value_usd - 1) as national_yoy_pct
    from provinces
    inner join latest_year
        on provinces.year = latest_year.year
    inner join national
        on provinces.year = national.year
    left join national as prior_year
        on provinces.year - 1 = prior_year.year
),

summarised as (
    select
        *,
        sum(case when national_rank <= 5 then share_of_national_pct else 0 end) over () as top5_share_pct,
        count(case when yoy_pct > 0 then 1 end) over () as provinces_grown,
        count(yoy_pct) over () as provinces_with_growth
    from latest
)

select * from summarised
