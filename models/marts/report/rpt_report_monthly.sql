{#-
    The report's monthly section: the published monthly totals of each region (imports plus
    exports, all partners, all products), with the months each value covers as dates (a bar
    spans them) and the figures the takeaway quotes: the average per month of each year and the
    busiest single month.
-#}

with

monthly as (
    select * from {{ ref('fct_region_trade_monthly') }}
),

totals as (
    select
        region_code,
        region_name_en,
        year,
        month_start,
        month,
        months_covered,
        value_cny / 1e9 as value_bn_cny,
        value_cny / 1e9 / months_covered as value_bn_cny_per_month,
        make_date(year, month_start, 1) as covers_from,
        make_date(
            case when month = 12 then year + 1 else year end, case when month = 12 then 1 else month + 1 end, 1
        ) as covers_until
    from monthly
    where
        partner_scope = 'world'
        and product = 'all'
        and flow = 'total'
        and is_published
        and value_cny is not null
),

yearly as (
    select
        region_code,
        year,
        sum(value_bn_cny) / sum(months_covered) as year_avg_bn_cny_per_month
    from totals
    group by region_code, year
),

first_years as (
    select
        region_code,
        min(year) as first_year,
        max(year) as last_year
    from yearly
    group by region_code
),

compared as (
    select
        yearly.region_code,
        yearly.year,
        yearly.year_avg_bn_cny_per_month,
        first_years.first_year,
        first_years.last_year,
        100 * (yearly.year_avg_bn_cny_per_month / first_year_avg.year_avg_bn_cny_per_month - 1)
            as change_on_first_year_pct
    from yearly
    inner join first_years
        on yearly.region_code = first_years.region_code
    inner join yearly as first_year_avg
        on first_years.region_code = first_year_avg.region_code and first_years.first_year = first_year_avg.year
),

final as (
    select
        totals.*,
        compared.year_avg_bn_cny_per_month,
        compared.change_on_first_year_pct,
        compared.first_year,
        compared.last_year,
        totals.months_covered = 1
        and row_number() over (
            partition by totals.region_code, totals.months_covered order by totals.value_bn_cny desc
        ) = 1 as is_busiest_single_month
    from totals
    inner join compared
        on totals.region_code = compared.region_code and totals.year = compared.year
)

select * from final
