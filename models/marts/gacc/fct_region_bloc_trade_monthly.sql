{#-
    Trade with partner blocs, membership as of the month: a partner counts for a bloc when it
    is a member on the month's last day (macros/membership.sql), so the UK is in 'eu' up to
    January 2020 and not from February 2020. Only from queries complete in partners
    (is_partner_coverage_complete): a bloc's sum over a filtered partner list is not its trade.
-#}

{{ gacc_incremental_config() }}
{%- set landing = gacc_landing_state() %}

with

partner_rows as (
    {{ gacc_refreshed_rows(ref('fct_region_partner_trade_monthly'), landing) }}
),

by_partner as (
    select * from partner_rows
    where is_partner_coverage_complete
),

membership as (
    select * from {{ ref('int_partner_bloc_membership') }}
),

-- one row per bloc and partner-month, even if membership spells overlapped
members_in_month as (
    select distinct
        membership.bloc_code,
        by_partner.region_code,
        by_partner.year,
        by_partner.month,
        by_partner.period_start,
        by_partner.flow,
        by_partner.partner_iso3,
        by_partner.value_usd,
        by_partner.value_cny,
        by_partner.is_value_usd_converted,
        by_partner.is_value_cny_converted
    from by_partner
    inner join membership
        on
            by_partner.partner_iso3 = membership.partner_iso3
            and {{ is_member_on('membership', month_end_date('by_partner.year', 'by_partner.month')) }}
),

by_bloc as (
    select
        {{ monthly_trade_grain() }},
        bloc_code,
        {{ sum_trade_measures() }},
        count(*) as partner_count
    from members_in_month
    group by {{ monthly_trade_grain() }}, bloc_code
)

select
    *,
    -- the newest landing event this build had seen: the table's high-water mark
    {{ gacc_landed_through_at(landing) }} as landed_through_at
from by_bloc
