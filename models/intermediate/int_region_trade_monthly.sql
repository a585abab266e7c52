{#-
    Monthly values. Derived ones come from differencing consecutive year-to-date figures of the
    same year (never summing year-to-date figures); reported ones are single-month figures a
    release printed. January and February are released combined (since 2020): the first period
    of a year ending in February is kept as one combined period and flagged. When two
    consecutive year-to-date figures are more than a month apart, the difference covers several
    months and says so (`months_covered`). Only exact yuan figures are differenced: a bound
    ('over', 'nearly') minus another is not a value.
    Where a reported and a derived value exist for the same month, both are kept and the
    reported one (customs' own monthly figure, on revised data) is published.
-#}

with

ytd as (
    select * from {{ ref('int_region_trade_ytd') }}
),

accepted as (
    select * from {{ ref('int_published_figures_accepted') }}
),

fx_monthly as (
    select * from {{ ref('ref_fx_monthly') }}
),

exact_ytd as (
    select * from ytd
    where
        figure_id_cny is not null
        and (qualifier is null or qualifier = 'about')
        -- never differenced across customs' 2023 switch of Belt and Road definition
        and coalesce(is_scope_in_use, true)
),

chained as (
    select
        exact_ytd.*,
        lag(exact_ytd.month_end) over series as previous_month_end,
        lag(exact_ytd.value_cny) over series as previous_value_cny,
        lag(exact_ytd.figure_id_cny) over series as previous_figure_id
    from exact_ytd
    window series as (
        partition by region_code, year, flow, partner_scope, product
        order by month_end
    )
),

derived as (
    select
        region_code,
        year,
        coalesce(previous_month_end + 1, 1) as month_start,
        month_end as month,
        month_end - coalesce(previous_month_end, 0) as months_covered,
        flow,
        partner_scope,
        product,
        value_cny - coalesce(previous_value_cny, 0) as value_cny,
        'derived' as value_basis,
        figure_id_cny as figure_id,
        previous_figure_id as subtracted_figure_id
    from chained
    -- The first figure of a year is a monthly value only when it covers January or Jan-Feb.
    where previous_month_end is not null or month_end <= 2
),

reported as (
    select
        region_code,
        year,
        month_start,
        month_end as month,
        month_end - month_start + 1 as months_covered,
        flow,
        partner_scope,
        product,
        value_cny,
        'reported' as value_basis,
        figure_id,
        cast(null as {{ dbt.type_string() }}) as subtracted_figure_id
    from accepted
    where period_kind = 'month' and currency = 'CNY'
),

unioned as (
    select * from derived
    union all
    select * from reported
),

periods as (
    select distinct
        year,
        month_start,
        month
    from unioned
),

period_fx as (
    select
        periods.year,
        periods.month_start,
        periods.month,
        avg(fx_monthly.cny_per_usd) as cny_per_usd
    from periods
    inner join fx_monthly
        on
            periods.year = fx_monthly.year
            and fx_monthly.month between periods.month_start and periods.month
    group by periods.year, periods.month_start, periods.month
),

with_fx as (
    select
        unioned.*,
        unioned.value_cny / period_fx.cny_per_usd as value_usd
    from unioned
    inner join period_fx
        on
            unioned.year = period_fx.year
            and unioned.month_start = period_fx.month_start
            and unioned.month = period_fx.month
),

flagged as (
    select
        *,
        month_start = 1 and month = 2 as is_jan_feb_combined,
        -- Published: the reported value where a release printed one for the same period. A
        -- window over the period, not a correlated `exists` (Spark has none in a select list).
        value_basis = 'reported' or max(case when value_basis = 'reported' then 1 else 0 end) over (
            partition by region_code, year, month, month_start, flow, partner_scope, product
        ) = 0 as is_published
    from with_fx
)

select * from flagged
