{#-
    Trade by trade mode (贸易方式): the published GACC rows summed per province, month, flow and
    trade mode code (gacc_trade_by), named from ref_trade_modes, or with the name printed in the
    export for a code the seed lacks (trade_mode_group 'unknown').
-#}

{{ gacc_incremental_config() }}
{%- set landing = gacc_landing_state() %}

with

-- the months to refresh, from queries with a trade_mode column, one grain per region-month
published as (
    {{ gacc_published_rows_of_one_grain('trade_mode', landing) }}
),

trade_modes as (
    select * from {{ ref('ref_trade_modes') }}
),

by_mode as (
    {{ gacc_trade_by('published', ['trade_mode_code'], carried=['trade_mode_name_as_printed']) }}
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

select
    *,
    -- the newest landing event this build had seen: the table's high-water mark
    {{ gacc_landed_through_at(landing) }} as landed_through_at
from named
