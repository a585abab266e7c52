{#-
    Trade with partner blocs, membership as of the month: a partner counts for a bloc when it
    is a member on the month's last day (macros/membership.sql), so the UK is in 'eu' up to
    January 2020 and not from February 2020.
-#}

with

trade as (
    select * from {{ ref('int_gacc_trade_monthly_converted') }}
),

membership as (
    select * from {{ ref('int_partner_bloc_membership') }}
),

by_partner as (
    select
        region_code,
        year,
        month,
        period_start,
        flow,
        partner_iso3,
        sum(value_usd) as value_usd,
        sum(value_cny) as value_cny,
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
        region_code,
        year,
        month,
        period_start,
        flow,
        bloc_code,
        cast(sum(value_usd) as decimal(38, 2)) as value_usd,
        cast(sum(value_cny) as decimal(38, 2)) as value_cny,
        count(*) as partner_count,
        bool_or(is_value_usd_converted) as is_value_usd_converted,
        bool_or(is_value_cny_converted) as is_value_cny_converted
    from members_in_month
    group by
        region_code,
        year,
        month,
        period_start,
        flow,
        bloc_code
)

select * from by_bloc
