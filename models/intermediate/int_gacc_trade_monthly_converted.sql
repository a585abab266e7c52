{#-
    Published GACC detail, one row per province, month, flow, HS code, partner and trade mode,
    with both currencies. A value landed in one currency only gets the other at the month's
    average rate (ref_fx_monthly) and is flagged `is_value_<currency>_converted`; where queries
    in both currencies were landed, both values are as reported. Flow 'total' (export + import)
    is added for province-months where both flows were landed.
-#}

{{ config(
    materialized=gacc_materialization(),
    incremental_strategy='delete+insert',
    unique_key='period_start',
    on_schema_change='fail',
    post_hook=gacc_incremental_post_hook(),
) }}

with

published as (
    select * from {{ ref('int_gacc_trade_rows_published') }}
    {% if is_incremental() -%}
        where {{ gacc_refresh_predicate('period') }}
    {%- endif %}
),

fx_monthly as (
    select * from {{ ref('ref_fx_monthly') }}
),

by_grain as (
    select
        region_code,
        year,
        month,
        flow,
        hs_code,
        partner_iso3,
        trade_mode_code,
        min(hs_name_zh) as hs_name_zh,
        min(trade_mode_name_as_printed) as trade_mode_name_as_printed,
        sum(value_usd) as value_usd_reported,
        sum(value_cny) as value_cny_reported
    from published
    group by
        region_code,
        year,
        month,
        flow,
        hs_code,
        partner_iso3,
        trade_mode_code
),

converted as (
    select
        by_grain.region_code,
        by_grain.year,
        by_grain.month,
        {{ make_date_from_parts('by_grain.year', 'by_grain.month', 1) }} as period_start,
        by_grain.flow,
        by_grain.hs_code,
        by_grain.hs_name_zh,
        by_grain.partner_iso3,
        by_grain.trade_mode_code,
        by_grain.trade_mode_name_as_printed,
        cast(coalesce(
            by_grain.value_usd_reported,
            round(by_grain.value_cny_reported / cast(fx_monthly.cny_per_usd as decimal(18, 6)), 2)
        ) as decimal(38, 2)) as value_usd,
        cast(coalesce(
            by_grain.value_cny_reported,
            round(by_grain.value_usd_reported * cast(fx_monthly.cny_per_usd as decimal(18, 6)), 2)
        ) as decimal(38, 2)) as value_cny,
        by_grain.value_usd_reported is null as is_value_usd_converted,
        by_grain.value_cny_reported is null as is_value_cny_converted,
        cast(fx_monthly.cny_per_usd as decimal(18, 6)) as cny_per_usd
    from by_grain
    left join fx_monthly
        on
            by_grain.year = fx_monthly.year
            and by_grain.month = fx_monthly.month
),

both_flows_landed as (
    select
        region_code,
        year,
        month
    from converted
    group by region_code, year, month
    having count(distinct flow) = 2
),

totals as (
    select
        converted.region_code,
        converted.year,
        converted.month,
        converted.period_start,
        'total' as flow,
        converted.hs_code,
        min(converted.hs_name_zh) as hs_name_zh,
        converted.partner_iso3,
        converted.trade_mode_code,
        min(converted.trade_mode_name_as_printed) as trade_mode_name_as_printed,
        cast(sum(converted.value_usd) as decimal(38, 2)) as value_usd,
        cast(sum(converted.value_cny) as decimal(38, 2)) as value_cny,
        bool_or(converted.is_value_usd_converted) as is_value_usd_converted,
        bool_or(converted.is_value_cny_converted) as is_value_cny_converted,
        min(converted.cny_per_usd) as cny_per_usd
    from converted
    inner join both_flows_landed
        on
            converted.region_code = both_flows_landed.region_code
            and converted.year = both_flows_landed.year
            and converted.month = both_flows_landed.month
    group by
        converted.region_code,
        converted.year,
        converted.month,
        converted.period_start,
        converted.hs_code,
        converted.partner_iso3,
        converted.trade_mode_code
),

unioned as (
    select * from converted
    union all
    select * from totals
)

select * from unioned
