{#-
    The exchange rate customs used, from the same query landed in both currencies (the platform
    converts each declaration at its own rate): per flow, grain, region and month, the yuan sum
    over the US-dollar sum of the keys present in both currencies, beside the month's average rate
    of ref_fx_monthly (ECB-derived) and the gap between the two in percent. Months with one
    currency only have no row.
-#}

{#- a query series of one year (both currencies together); the rate is computed per month, from its keys -#}
{%- set series_year = ['flow', 'grain', 'region_code', 'year'] -%}
{%- set series_month = series_year + ['month'] -%}
{%- set row_key = ['hs_code', 'gacc_partner_code', 'trade_mode_code'] -%}

with

vintages as (
    select * from {{ ref('int_gacc_query_vintages') }}
),

-- flow, grain and region with published vintages in both currencies (small: the audit table)
both_currencies as (
    select {{ series_year | join(', ') }}
    from vintages
    where is_published
    group by {{ series_year | join(', ') }}
    having count(distinct currency) = 2
),

published as (
    select
        month_rows.flow,
        month_rows.grain,
        month_rows.region_code,
        month_rows.year,
        month_rows.month,
        coalesce(month_rows.hs_code, '') as hs_code,
        coalesce(month_rows.gacc_partner_code, '') as gacc_partner_code,
        coalesce(month_rows.trade_mode_code, '') as trade_mode_code,
        month_rows.currency,
        month_rows.value_usd,
        month_rows.value_cny
    from {{ ref('int_gacc_trade_rows_published') }} as month_rows
    inner join both_currencies
        on {{ columns_equal('month_rows', 'both_currencies', series_year) }}
),

fx_monthly as (
    select * from {{ ref('ref_fx_monthly') }}
),

-- one row per key landed in both currencies
by_key as (
    select
        {{ (series_month + row_key) | join(', ') }},
        sum(value_usd) as value_usd,
        sum(value_cny) as value_cny
    from published
    group by {{ (series_month + row_key) | join(', ') }}
    having count(distinct currency) = 2
),

rates as (
    select
        {{ series_month | join(', ') }},
        count(*) as key_count,
        cast(sum(value_usd) as decimal(38, 2)) as value_usd,
        cast(sum(value_cny) as decimal(38, 2)) as value_cny,
        cast(sum(value_cny) / sum(value_usd) as double) as customs_cny_per_usd
    from by_key
    group by {{ series_month | join(', ') }}
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
