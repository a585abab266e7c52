{{ gacc_detail_config() }}

with

trade as (
    {{ gacc_refreshed_rows(ref('int_gacc_trade_monthly_converted')) }}
),

by_partner as (
    select
        {{ monthly_trade_grain() }},
        partner_iso3,
        {{ sum_trade_measures() }}
    from trade
    group by {{ monthly_trade_grain() }}, partner_iso3
)

select * from by_partner
