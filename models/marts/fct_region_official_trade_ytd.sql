{#-
    GACC's region table, year to date: one row per place x year x month_end x flow, the latest
    vintage of each month. Yuan as printed (万元 x 10,000), dollars converted at the mean monthly
    rate of January to month_end (flagged), customs' reported growth and growth computed from
    the previous year's table. Where a press figure covers the same fact, the table is the
    published value and the press figure is beside it as a comparison.
-#}

with

facts as (
    select * from {{ ref('int_region_table_trade') }}
),

press as (
    select * from {{ ref('int_region_table_press_figures') }}
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
        facts.month as month_end,
        facts.flow,
        facts.value_ytd_cny as value_cny,
        facts.value_ytd_usd as value_usd,
        true as is_value_usd_converted,
        facts.cny_per_usd_ytd as cny_per_usd,
        facts.yoy_pct_reported,
        facts.yoy_pct_computed,
        facts.prior_year_ytd_cny as prior_year_value_cny,
        facts.implied_prior_year_ytd_cny as implied_prior_year_value_cny,
        press.press_figure_id,
        press.press_value_cny,
        facts.vintage,
        facts.source_file
    from facts
    inner join regions
        on facts.region_code = regions.region_code
    left join press
        on {{ columns_equal('facts', 'press', ['region_code', 'year', 'month', 'flow']) }}
)

select * from final
