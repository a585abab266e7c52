{#-
    Trade by partner country: the published GACC rows of the months to refresh from queries with
    a partner column (one grain per region-month), summed per province, month, flow and partner
    in both currencies, flow 'total' included (gacc_trade_by, macros/trade_measures.sql).
    is_partner_coverage_complete: the query was declared complete in partners (--complete
    partner); otherwise the partners are a filtered list and their sum is not a total.
-#}

{{ gacc_incremental_config() }}
{%- set landing = gacc_landing_state() %}

with

-- the months to refresh, from queries with a partner column, one grain per region-month
published as (
    {{ gacc_published_rows_of_one_grain('partner', landing) }}
),

-- partners without an ISO3 (701 unknown, 702 international organisations, 999) are left out
with_iso3 as (
    select
        *,
        case when is_partner_complete then 1 else 0 end as partner_complete_flag
    from published
    where partner_iso3 is not null
),

by_partner as (
    {{ gacc_trade_by('with_iso3', ['partner_iso3'], carried=['partner_complete_flag']) }}
),

final as (
    select
        region_code,
        year,
        month,
        period_start,
        flow,
        partner_iso3,
        partner_complete_flag = 1 as is_partner_coverage_complete,
        value_usd,
        value_cny,
        is_value_usd_converted,
        is_value_cny_converted
    from by_partner
)

select
    *,
    -- the newest landing event this build had seen: the table's high-water mark
    {{ gacc_landed_through_at(landing) }} as landed_through_at
from final
