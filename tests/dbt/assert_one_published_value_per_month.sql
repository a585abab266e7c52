-- Every monthly period has exactly one published value (reported beats derived), so that
-- `where is_published` gives one row per region, period, flow, scope and product.
with

monthly as (
    select * from {{ ref('fct_region_trade_monthly') }}
),

per_period as (
    select
        region_code,
        year,
        month_start,
        month,
        flow,
        partner_scope,
        product,
        count(case when is_published then 1 end) as published_values
    from monthly
    group by region_code, year, month_start, month, flow, partner_scope, product
)

select * from per_period
where published_values <> 1
