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

with

query_rows as (
    select * from {{ ref('stg_gacc__query_rows') }}
),

vintages as (
    select * from {{ ref('int_gacc_query_vintages') }}
),

published as (
    select query_rows.*
    from query_rows
    inner join vintages
        on
            query_rows.query_hash = vintages.query_hash
            and query_rows.region_code = vintages.region_code
    where vintages.is_published
),

direct_months as (
    select
        query_hash,
        ingested_at,
        region_code,
        year,
        month,
        period_start,
        flow,
        currency,
        grain,
        dimensions,
        complete_dimensions,
        hs_code,
        gacc_partner_code,
        partner_iso3,
        trade_mode_code,
        trade_mode_name_as_printed,
        value_usd,
        value_cny,
        false as is_from_cumulative
    from published
    where period_kind = 'month'
),

-- year-to-date values: cumulative queries from January, and January itself
year_to_date as (
    select *
    from published
    where month_from = 1 and (period_kind = 'range' or month = 1)
),

ytd_sets as (
    select distinct
        flow,
        currency,
        grain,
        region_code,
        year,
        month
    from year_to_date
),

-- months m with year-to-date values for both m and m - 1 (of one grain)
consecutive as (
    select this_month.*
    from ytd_sets as this_month
    inner join ytd_sets as month_before
        on
            this_month.flow = month_before.flow
            and this_month.currency = month_before.currency
            and this_month.grain = month_before.grain
            and this_month.region_code = month_before.region_code
            and this_month.year = month_before.year
            and this_month.month = month_before.month + 1
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
            year_to_date.flow = consecutive.flow
            and year_to_date.currency = consecutive.currency
            and year_to_date.grain = consecutive.grain
            and year_to_date.region_code = consecutive.region_code
            and year_to_date.year = consecutive.year
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

all_months as (
    select * from direct_months
    union all
    select * from differenced
),

-- one source per region, month, flow, currency and grain: the latest direct vintage, else the differenced months
sources as (
    select distinct
        query_hash,
        is_from_cumulative,
        ingested_at,
        region_code,
        year,
        month,
        flow,
        currency,
        grain
    from all_months
),

chosen as (
    select *
    from (
        select
            *,
            row_number() over (
                partition by region_code, year, month, flow, currency, grain
                order by is_from_cumulative asc, ingested_at desc, query_hash desc
            ) as recency
        from sources
    ) as ranked
    where recency = 1
),

final as (
    select all_months.*
    from all_months
    inner join chosen
        on
            all_months.region_code = chosen.region_code
            and all_months.year = chosen.year
            and all_months.month = chosen.month
            and all_months.flow = chosen.flow
            and all_months.currency = chosen.currency
            and all_months.grain = chosen.grain
            and all_months.is_from_cumulative = chosen.is_from_cumulative
            and coalesce(all_months.query_hash, '') = coalesce(chosen.query_hash, '')
)

select * from final
