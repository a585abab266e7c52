{#-
    Every published figure in yuan and US dollars, with its precision and the interval it stands
    for. A CNY figure is converted to USD at the mean of the monthly average rates of the months
    it covers, and the other way round. `is_scope_in_use` says whether customs used the figure's
    partner scope at the period's end (ref_partner_scopes.valid_from/valid_to: 'belt_and_road_along'
    until 2023-08, 'belt_and_road' from 2023-09); growth and monthly differences never use a
    figure whose scope is out of use, so nothing is computed across the switch. The lowest and highest monthly rates of the period are
    kept too: customs convert declaration by declaration, so a period's effective rate can lie
    anywhere between them (trade-weighted), which is what the USD check allows for.
-#}

with

figures as (
    select * from {{ ref('stg_customs__published_figures') }}
),

region_aliases as (
    select * from {{ ref('ref_region_aliases') }}
),

units as (
    select * from {{ ref('ref_units') }}
),

source_kinds as (
    select * from {{ ref('ref_source_kinds') }}
),

partner_scopes as (
    select * from {{ ref('ref_partner_scopes') }}
),

fx_monthly as (
    select * from {{ ref('ref_fx_monthly') }}
),

period_fx as (
    select
        figures.figure_id,
        avg(fx_monthly.cny_per_usd) as cny_per_usd,
        min(fx_monthly.cny_per_usd) as cny_per_usd_min,
        max(fx_monthly.cny_per_usd) as cny_per_usd_max,
        count(*) as fx_months
    from figures
    inner join fx_monthly
        on
            figures.year = fx_monthly.year
            and fx_monthly.month between figures.month_start and figures.month_end
    group by figures.figure_id
),

resolved as (
    select
        figures.*,
        region_aliases.region_code,
        units.currency as unit_currency,
        cast(figures.value_in_printed_unit * units.multiplier as double) as value_native,
        -- Half of this is the rounding error of the printed figure, in yuan or dollars.
        cast(units.multiplier as double) / power(10, figures.printed_decimals) as rounding_unit_native,
        source_kinds.authority_rank,
        cast(period_fx.cny_per_usd as double) as cny_per_usd,
        cast(period_fx.cny_per_usd_min as double) as cny_per_usd_min,
        cast(period_fx.cny_per_usd_max as double) as cny_per_usd_max,
        partner_scopes.valid_from as scope_valid_from,
        partner_scopes.valid_to as scope_valid_to,
        coalesce(figures.period_end >= partner_scopes.valid_from, true)
        and coalesce(figures.period_end <= partner_scopes.valid_to, true) as is_scope_in_use
    from figures
    left join region_aliases
        on lower(region_aliases.alias) = lower(figures.region_as_printed)
    left join units
        on figures.unit_as_printed = units.unit_as_printed
    left join source_kinds
        on figures.source_kind = source_kinds.source_kind
    left join period_fx
        on figures.figure_id = period_fx.figure_id
    left join partner_scopes
        on figures.partner_scope = partner_scopes.partner_scope
),

bounded as (
    select
        *,
        -- A qualified figure is a bound, not a point: 'over X' says nothing of the upper side,
        -- 'nearly X' is at most X (and, as used in releases, within a few percent of it).
        case
            when qualifier = 'nearly'
                then value_native * (1 - {{ var('nearly_max_gap_pct') }} / 100.0)
            else value_native - rounding_unit_native / 2
        end as lower_bound_native,
        case
            when qualifier = 'over' then null
            else value_native + rounding_unit_native / 2
        end as upper_bound_native
    from resolved
),

converted as (
    select
        figure_id,
        region_code,
        region_as_printed,
        period_kind,
        period_start,
        period_end,
        year,
        month_start,
        month_end,
        month_end - month_start + 1 as months_covered,
        flow,
        partner_scope,
        scope_valid_from,
        scope_valid_to,
        is_scope_in_use,
        product,
        currency,
        unit_currency,
        value_as_printed,
        printed_language,
        value_in_printed_unit,
        unit_as_printed,
        printed_decimals,
        qualifier,
        value_native,
        rounding_unit_native,
        lower_bound_native,
        upper_bound_native,
        cny_per_usd,
        cny_per_usd_min,
        cny_per_usd_max,
        case when currency = 'CNY' then value_native else value_native * cny_per_usd end as value_cny,
        case when currency = 'USD' then value_native else value_native / cny_per_usd end as value_usd,
        case when currency = 'CNY' then lower_bound_native else lower_bound_native * cny_per_usd end
            as lower_bound_cny,
        case when currency = 'CNY' then upper_bound_native else upper_bound_native * cny_per_usd end
            as upper_bound_cny,
        yoy_pct_reported,
        growth_multiple_reported,
        yoy_as_printed,
        source_kind,
        authority_rank,
        source_reference,
        published_on,
        note
    from bounded
)

select * from converted
