{{ gacc_detail_config() }}

with

published as (
    {{ gacc_refreshed_rows(ref('int_gacc_trade_rows_published'), 'period', 'period') }}
),

by_partner as (
    {{ gacc_trade_by('published', ['partner_iso3']) }}
)

select * from by_partner
