{#-
    The rows of the published vintage of every GACC query that gives single months (by-month
    files, and queries of one month), at the landed grain. A month that several published vintages
    of one grain cover (a by-month query of Jan..Mar and a later one of March alone) is taken from
    the one landed last, so no month is counted twice within a grain. Cumulative range queries are
    landed and audited (int_gacc_query_vintages) but do not feed the monthly marts. A view: each
    detail mart reads it filtered to the months it refreshes and keeps one grain per region-month
    (gacc_rows_of_one_grain, macros/trade_measures.sql).
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
    where
        vintages.is_published
        and query_rows.period_kind = 'month'
),

vintage_months as (
    select distinct
        query_hash,
        region_code,
        year,
        month,
        flow,
        currency,
        grain,
        ingested_at
    from published
),

latest_per_month as (
    select
        query_hash,
        region_code,
        year,
        month
    from (
        select
            *,
            row_number() over (
                partition by region_code, year, month, flow, currency, grain
                order by ingested_at desc, query_hash desc
            ) as recency
        from vintage_months
    ) as ranked
    where recency = 1
),

final as (
    select published.*
    from published
    inner join latest_per_month
        on
            published.query_hash = latest_per_month.query_hash
            and published.region_code = latest_per_month.region_code
            and published.year = latest_per_month.year
            and published.month = latest_per_month.month
)

select * from final
