{#-
    Trade by partner country: the published GACC rows of the periods to refresh, summed per
    province, month, flow and partner in both currencies, flow 'total' included (gacc_trade_by,
    macros/trade_measures.sql).
-#}

{{ gacc_incremental_config() }}

with

published as (
    {{ gacc_refreshed_rows(ref('int_gacc_trade_rows_published'), 'period', 'period') }}
),

by_partner as (
    {{ gacc_trade_by('published', ['partner_iso3']) }}
)

select * from by_partner
