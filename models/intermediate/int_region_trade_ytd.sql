{#-
    Year-to-date facts (January to month_end; a calendar year is January to December), one row
    per region x year x month_end x flow x partner scope x product: the accepted yuan and
    US-dollar figures side by side (a missing side converted at the period's rate and flagged),
    reported growth, and growth computed against the same period a year earlier. Growth is only
    computed within one partner-scope definition: 'belt_and_road_along' and 'belt_and_road' are
    different scopes, so nothing is chained across customs' 2023 change of definition.
-#}

with

accepted as (
    select * from {{ ref('int_published_figures_accepted') }}
    where period_kind in ('ytd', 'year') and month_start = 1
),

cny as (
    select * from accepted
    where currency = 'CNY'
),

usd as (
    select * from accepted
    where currency = 'USD'
),

growth_ranked as (
    select
        *,
        row_number() over (
            partition by {{ fact_key_columns() | join(', ') }}
            order by
                case when currency = 'CNY' then 0 when currency = 'USD' then 1 else 2 end,
                authority_rank asc,
                published_on desc nulls last,
                figure_id asc
        ) as growth_rank
    from accepted
    where yoy_pct_reported is not null or growth_multiple_reported is not null
),

growth as (
    select * from growth_ranked
    where growth_rank = 1
),

fact_keys as (
    select distinct {{ fact_key_columns() | join(', ') }}, year, month_end
    from accepted
),

facts as (
    select
        fact_keys.region_code,
        fact_keys.year,
        fact_keys.month_end,
        fact_keys.period_start,
        fact_keys.period_end,
        fact_keys.flow,
        fact_keys.partner_scope,
        fact_keys.product,
        coalesce(cny.value_native, usd.value_native * usd.cny_per_usd) as value_cny,
        coalesce(usd.value_native, cny.value_native / cny.cny_per_usd) as value_usd,
        cny.figure_id is null and usd.figure_id is not null as is_value_cny_converted,
        usd.figure_id is null and cny.figure_id is not null as is_value_usd_converted,
        coalesce(cny.cny_per_usd, usd.cny_per_usd) as cny_per_usd,
        case when cny.figure_id is not null then cny.qualifier else usd.qualifier end as qualifier,
        coalesce(cny.rounding_unit_native, usd.rounding_unit_native * usd.cny_per_usd) as rounding_unit_cny,
        coalesce(cny.lower_bound_cny, usd.lower_bound_cny) as lower_bound_cny,
        case
            when cny.figure_id is not null then cny.upper_bound_cny
            else usd.upper_bound_cny
        end as upper_bound_cny,
        growth.yoy_pct_reported,
        growth.growth_multiple_reported,
        cny.figure_id as figure_id_cny,
        usd.figure_id as figure_id_usd,
        growth.figure_id as figure_id_growth,
        coalesce(cny.source_kind, usd.source_kind, growth.source_kind) as source_kind,
        coalesce(cny.source_reference, usd.source_reference, growth.source_reference) as source_reference,
        coalesce(cny.published_on, usd.published_on, growth.published_on) as published_on,
        coalesce(cny.is_scope_in_use, usd.is_scope_in_use, growth.is_scope_in_use) as is_scope_in_use
    from fact_keys
    left join cny
        on {{ same_fact('cny', 'fact_keys') }}
    left join usd
        on {{ same_fact('usd', 'fact_keys') }}
    left join growth
        on {{ same_fact('growth', 'fact_keys') }}
),

with_growth as (
    select
        facts.*,
        prior_year.value_cny as prior_year_value_cny,
        coalesce(prior_year.figure_id_cny, prior_year.figure_id_usd) as prior_year_figure_id,
        case
            -- 'over X' is only a lower bound: growth computed from it would be meaningless.
            when facts.qualifier = 'over' or prior_year.qualifier = 'over' then null
            -- A scope customs did not use at the time: never chained across the 2023 switch.
            when not facts.is_scope_in_use or not prior_year.is_scope_in_use then null
            when facts.figure_id_cny is not null and prior_year.figure_id_cny is not null
                then 100 * (facts.value_cny / prior_year.value_cny - 1)
            when facts.figure_id_usd is not null and prior_year.figure_id_usd is not null
                then 100 * (facts.value_usd / prior_year.value_usd - 1)
        end as yoy_pct_computed
    from facts
    left join facts as prior_year
        on
            facts.region_code = prior_year.region_code
            and prior_year.year = facts.year - 1
            and facts.month_end = prior_year.month_end
            and facts.flow = prior_year.flow
            and facts.partner_scope = prior_year.partner_scope
            and facts.product = prior_year.product
)

select * from with_growth
