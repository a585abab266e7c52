with

trade as (
    select * from {{ ref('int_gacc_trade_monthly_converted') }}
),

by_partner as (
    select
        region_code,
        year,
        month,
        period_start,
        flow,
        partner_iso3,
        cast(sum(value_usd) as decimal(38, 2)) as value_usd,
        cast(sum(value_cny) as decimal(38, 2)) as value_cny,
        bool_or(is_value_usd_converted) as is_value_usd_converted,
        bool_or(is_value_cny_converted) as is_value_cny_converted
    from trade
    group by
        region_code,
        year,
        month,
        period_start,
        flow,
        partner_iso3
)

select * from by_partner
