with

trade as (
    select * from {{ ref('int_gacc_trade_monthly_converted') }}
),

trade_modes as (
    select * from {{ ref('ref_trade_modes') }}
),

by_mode as (
    select
        region_code,
        year,
        month,
        period_start,
        flow,
        trade_mode_code,
        min(trade_mode_name_as_printed) as trade_mode_name_as_printed,
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
        trade_mode_code
),

named as (
    select
        by_mode.region_code,
        by_mode.year,
        by_mode.month,
        by_mode.period_start,
        by_mode.flow,
        by_mode.trade_mode_code,
        coalesce(trade_modes.trade_mode_name, by_mode.trade_mode_name_as_printed) as trade_mode_name,
        trade_modes.trade_mode_name_en,
        coalesce(trade_modes.trade_mode_group, 'unknown') as trade_mode_group,
        by_mode.value_usd,
        by_mode.value_cny,
        by_mode.is_value_usd_converted,
        by_mode.is_value_cny_converted
    from by_mode
    left join trade_modes
        on by_mode.trade_mode_code = trade_modes.trade_mode_code
)

select * from named
