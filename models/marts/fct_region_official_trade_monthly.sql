{#-
    GACC's region table, single months: one row per place x year x month x flow, the latest
    vintage. January and February are separate months here (the press combine them). The month
    as printed is the published value; the difference of this table's and the previous month's
    table's year-to-date columns is beside it (`value_cny_from_ytd`), and `revision_cny` is the
    gap (a later table revised an earlier month).
-#}

with

facts as (
    select * from {{ ref('int_region_table_trade') }}
),

regions as (
    select * from {{ ref('dim_region') }}
),

final as (
    select
        facts.region_code,
        regions.region_name_zh,
        regions.region_name_en,
        facts.region_level,
        facts.parent_region_code,
        facts.year,
        facts.month,
        facts.flow,
        facts.value_month_cny as value_cny,
        facts.value_month_usd as value_usd,
        true as is_value_usd_converted,
        facts.cny_per_usd_month as cny_per_usd,
        facts.value_month_from_ytd_cny as value_cny_from_ytd,
        facts.value_month_cny - facts.value_month_from_ytd_cny as revision_cny,
        facts.prior_year_month_cny as prior_year_value_cny,
        facts.yoy_pct_month_computed as yoy_pct_computed,
        facts.vintage,
        facts.source_file
    from facts
    inner join regions
        on facts.region_code = regions.region_code
)

select * from final
