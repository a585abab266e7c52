{{ config(
    materialized=gacc_materialization(),
    incremental_strategy='delete+insert',
    unique_key='period_start',
    on_schema_change='fail',
    post_hook=gacc_incremental_post_hook(),
) }}

with

trade as (
    select * from {{ ref('int_gacc_trade_monthly_converted') }}
    {% if is_incremental() -%}
        where {{ gacc_refresh_predicate('period_start', 'date') }}
    {%- endif %}
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
