{#-
    The exchange rate customs used, from the same query landed in both currencies (the platform
    converts each declaration at its own rate): per flow, grain, region and month, the yuan sum
    over the US-dollar sum of the keys present in both currencies, beside the month's average rate
    of ref_fx_monthly (ECB-derived) and the gap between the two in percent. Months with one
    currency only have no row.
-#}

with

vintages as (
    select * from {{ ref('int_gacc_query_vintages') }}
),

-- flow, grain and region with published vintages in both currencies (small: the audit table)
both_currencies as (
    select
        flow,
        grain,
        region_code,
        year
    from vintages
    where is_published
    group by flow, grain, region_code, year
    having count(distinct currency) = 2
),

published as (
    select month_rows.*
    from {{ ref('int_gacc_trade_rows_published') }} as month_rows
    inner join both_currencies
        on
            month_rows.flow = both_currencies.flow
            and month_rows.grain = both_currencies.grain
            and month_rows.region_code = both_currencies.region_code
            and month_rows.year = both_currencies.year
),

fx_monthly as (
    select * from {{ ref('ref_fx_monthly') }}
),

-- one row per key landed in both currencies
by_key as (
    select
        flow,
        grain,
        region_code,
        year,
        month,
        coalesce(hs_code, '') as hs_code,
        coalesce(gacc_partner_code, '') as gacc_partner_code,
        coalesce(trade_mode_code, '') as trade_mode_code,
        sum(value_usd) as value_usd,
        sum(value_cny) as value_cny
    from published
    group by
        flow,
        grain,
        region_code,
        year,
        month,
        coalesce(hs_code, ''),
        coalesce(gacc_partner_code, ''),
        coalesce(trade_mode_code, '')
    having count(distinct currency) = 2
),

rates as (
    select
        flow,
        grain,
        region_code,
        year,
        month,
        count(*) as key_count,
        cast(sum(value_usd) as decimal(38, 2)) as value_usd,
        cast(sum(value_cny) as decimal(38, 2)) as value_cny,
        cast(sum(value_cny) / sum(value_usd) as double) as customs_cny_per_usd
    from by_key
    group by flow, grain, region_code, year, month
    having sum(value_usd) > 0
),

final as (
    select
        rates.flow,
        rates.grain,
        rates.region_code,
        rates.year,
        rates.month,
        rates.key_count,
        rates.value_usd,
        rates.value_cny,
        rates.customs_cny_per_usd,
        cast(fx_monthly.cny_per_usd as double) as reference_cny_per_usd,
        round((rates.customs_cny_per_usd / cast(fx_monthly.cny_per_usd as double) - 1) * 100, 3) as gap_percent
    from rates
    left join fx_monthly
        on
            rates.year = fx_monthly.year
            and rates.month = fx_monthly.month
)

select * from final
