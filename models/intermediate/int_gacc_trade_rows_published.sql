{#-
    The rows of the published GACC vintages as single months, at the landed grain, in the query's
    currency (value_usd or value_cny). Months come from queries that give single months (by-month
    files, one-month queries) and, for the other months, from differencing consecutive cumulative
    queries of one grain (January..March minus January..February gives March; January alone is
    a month): `is_from_cumulative`. A month that several published vintages of one grain cover
    comes from the one landed last, a direct month before a differenced one, so no month is
    counted twice within a grain. A view: each detail mart reads it filtered to the months it
    refreshes and keeps one grain per region-month (gacc_rows_of_one_grain).
-#}

{#- one query series: a region's flow in one currency at one grain; a vintage covers its months of a year -#}
{%- set series = ['region_code', 'flow', 'currency', 'grain'] -%}
{%- set series_month = series + ['year', 'month'] -%}

with

query_rows as (
    select * from {{ ref('stg_gacc__query_rows') }}
),

vintages as (
    select * from {{ ref('int_gacc_query_vintages') }}
),

month_numbers as (
    select numbers.month_number
    from (values (1), (2), (3), (4), (5), (6), (7), (8), (9), (10), (11), (12)) as numbers (month_number)
),

-- each published vintage's months (a by-month vintage spans several): small, from the audit table
vintage_months as (
    select
        vintages.query_hash,
        vintages.region_code,
        vintages.flow,
        vintages.currency,
        vintages.grain,
        vintages.year,
        month_numbers.month_number as month,
        vintages.period_kind,
        vintages.ingested_at
    from vintages
    inner join month_numbers
        on month_numbers.month_number between vintages.month_from and vintages.month
    where vintages.is_published
),

-- per region, month, flow, currency and grain: the single-month vintage landed last
direct_choice as (
    select
        query_hash,
        {{ series_month | join(', ') }}
    from (
        select
            *,
            row_number() over (
                partition by {{ series_month | join(', ') }}
                order by ingested_at desc, query_hash desc
            ) as recency
        from vintage_months
        where period_kind = 'month'
    ) as ranked
    where recency = 1
),

direct_months as (
    select
        query_rows.query_hash,
        query_rows.ingested_at,
        query_rows.region_code,
        query_rows.year,
        query_rows.month,
        query_rows.period_start,
        query_rows.flow,
        query_rows.currency,
        query_rows.grain,
        query_rows.dimensions,
        query_rows.complete_dimensions,
        query_rows.hs_code,
        query_rows.gacc_partner_code,
        query_rows.partner_iso3,
        query_rows.trade_mode_code,
        query_rows.trade_mode_name_as_printed,
        query_rows.value_usd,
        query_rows.value_cny,
        false as is_from_cumulative
    from query_rows
    inner join direct_choice
        on {{ columns_equal('query_rows', 'direct_choice', ['query_hash', 'region_code', 'year', 'month']) }}
    where query_rows.period_kind = 'month'
),

-- year-to-date vintages: cumulative queries from January, and January itself
ytd_vintages as (
    select
        query_hash,
        {{ series_month | join(', ') }}
    from vintages
    where is_published and month_from = 1 and (period_kind = 'range' or month = 1)
),

year_to_date as (
    select query_rows.*
    from query_rows
    inner join ytd_vintages
        on {{ columns_equal('query_rows', 'ytd_vintages', ['query_hash', 'region_code']) }}
    where query_rows.month_from = 1
),

ytd_sets as (
    select distinct {{ series_month | join(', ') }}
    from ytd_vintages
),

-- months m with year-to-date values for both m and m - 1 (of one grain)
consecutive as (
    select this_month.*
    from ytd_sets as this_month
    inner join ytd_sets as month_before
        on
            {{ columns_equal('this_month', 'month_before', series + ['year']) }}
            and this_month.month = month_before.month + 1
    -- a direct single-month query of the grain takes precedence
    left join direct_choice
        on {{ columns_equal('this_month', 'direct_choice', series_month) }}
    where direct_choice.query_hash is null
),

-- year to date m, minus year to date m - 1 (a key missing from one of them counts as zero)
signed as (
    select
        consecutive.month,
        year_to_date.flow,
        year_to_date.currency,
        year_to_date.grain,
        year_to_date.dimensions,
        year_to_date.complete_dimensions,
        year_to_date.region_code,
        year_to_date.year,
        year_to_date.hs_code,
        year_to_date.gacc_partner_code,
        year_to_date.partner_iso3,
        year_to_date.trade_mode_code,
        year_to_date.trade_mode_name_as_printed,
        case when year_to_date.month = consecutive.month then 1 else -1 end as sign,
        year_to_date.value_usd,
        year_to_date.value_cny
    from year_to_date
    inner join consecutive
        on
            {{ columns_equal('year_to_date', 'consecutive', series + ['year']) }}
            and year_to_date.month in (consecutive.month, consecutive.month - 1)
),

differenced as (
    select
        cast(null as {{ dbt.type_string() }}) as query_hash,
        cast(null as timestamp) as ingested_at,
        region_code,
        year,
        month,
        {{ make_date_from_parts('year', 'month', 1) }} as period_start,
        flow,
        currency,
        grain,
        min(dimensions) as dimensions,
        min(complete_dimensions) as complete_dimensions,
        hs_code,
        gacc_partner_code,
        partner_iso3,
        trade_mode_code,
        min(trade_mode_name_as_printed) as trade_mode_name_as_printed,
        cast(sum(sign * value_usd) as decimal(18, 2)) as value_usd,
        cast(sum(sign * value_cny) as decimal(18, 2)) as value_cny,
        true as is_from_cumulative
    from signed
    group by
        region_code,
        year,
        month,
        flow,
        currency,
        grain,
        hs_code,
        gacc_partner_code,
        partner_iso3,
        trade_mode_code
),

final as (
    select * from direct_months
    union all
    select * from differenced
)

select * from final
