{#-
    Where two published queries of different grains cover the same month, flow and currency, and
    the finer one has every dimension of the coarser (HS codes at least as long) and is complete in
    the dimensions the coarser lacks, summing the finer one to the coarser's keys must give the
    coarser's values. One row per such key whose values disagree by more than rounding (half a
    unit per summed row, the platform rounds every row to whole yuan or dollars). Empty when the
    landed queries agree; the data test on it warns, naming the two grains and the key.
-#}

{#- a pair of grains is compared per flow, currency and year, a month at a time, at the coarser grain's keys -#}
{%- set pair_year = ['flow', 'currency', 'year'] -%}
{%- set pair_month = pair_year + ['month', 'coarse_grain'] -%}
{%- set coarse_key = ['region_code', 'hs_code', 'gacc_partner_code', 'trade_mode_code'] -%}

with

vintages as (
    select * from {{ ref('int_gacc_query_vintages') }}
),

-- the published grains per flow, currency and year (small: the audit table); 'hs8-...' -> 8
grains as (
    select
        flow,
        currency,
        year,
        grain,
        min(dimensions) as dimensions,
        min(complete_dimensions) as complete_dimensions,
        min(cast(nullif(regexp_extract(grain, '^hs([0-9])', 1), '') as integer)) as hs_length
    from vintages
    where is_published
    group by flow, currency, year, grain
),

pairs as (
    select
        coarse.flow,
        coarse.currency,
        coarse.year,
        coarse.grain as coarse_grain,
        fine.grain as fine_grain,
        {{ gacc_has_dimension('coarse.dimensions', 'commodity') }} as by_commodity,
        {{ gacc_has_dimension('coarse.dimensions', 'partner') }} as by_partner,
        {{ gacc_has_dimension('coarse.dimensions', 'trade_mode') }} as by_trade_mode,
        {{ gacc_has_dimension('coarse.dimensions', 'region') }} as by_region,
        coarse.hs_length
    from grains as coarse
    inner join grains as fine
        on
            {{ columns_equal('coarse', 'fine', pair_year) }}
            and coarse.grain <> fine.grain
    where
        coalesce(coarse.hs_length, 0) <= coalesce(fine.hs_length, 0)
        {%- for dimension in ['commodity', 'partner', 'trade_mode', 'region'] %}
            and (
                not {{ gacc_has_dimension('coarse.dimensions', dimension) }}
                or {{ gacc_has_dimension('fine.dimensions', dimension) }}
            )
            and (
                {{ gacc_has_dimension('coarse.dimensions', dimension) }}
                or not {{ gacc_has_dimension('fine.dimensions', dimension) }}
                or {{ gacc_has_dimension('fine.complete_dimensions', dimension) }}
            )
        {%- endfor %}
),

month_rows as (
    select * from {{ ref('int_gacc_trade_rows_published') }}
    where grain in (
        select pairs.fine_grain from pairs
        union all
        select pairs.coarse_grain from pairs
    )
),

-- the finer query's rows at the coarser's keys
fine_keyed as (
    select
        pairs.flow,
        pairs.currency,
        pairs.year,
        month_rows.month,
        pairs.coarse_grain,
        pairs.fine_grain,
        case when pairs.by_region then month_rows.region_code else '000000' end as region_code,
        case when pairs.by_commodity then left(month_rows.hs_code, pairs.hs_length) else '' end as hs_code,
        case when pairs.by_partner then month_rows.gacc_partner_code else '' end as gacc_partner_code,
        case when pairs.by_trade_mode then month_rows.trade_mode_code else '' end as trade_mode_code,
        coalesce(month_rows.value_usd, month_rows.value_cny) as fine_value
    from month_rows
    inner join pairs
        on
            {{ columns_equal('month_rows', 'pairs', pair_year) }}
            and month_rows.grain = pairs.fine_grain
),

-- the finer query summed to the coarser's keys
fine_summed as (
    select
        {{ (pair_month + ['fine_grain'] + coarse_key) | join(', ') }},
        sum(fine_value) as fine_value,
        count(*) as fine_rows
    from fine_keyed
    group by {{ (pair_month + ['fine_grain'] + coarse_key) | join(', ') }}
),

-- the coarser query at its own keys
coarse_keyed as (
    select
        flow,
        currency,
        year,
        month,
        grain as coarse_grain,
        region_code,
        coalesce(hs_code, '') as hs_code,
        coalesce(gacc_partner_code, '') as gacc_partner_code,
        coalesce(trade_mode_code, '') as trade_mode_code,
        coalesce(value_usd, value_cny) as coarse_value
    from month_rows
    where grain in (select pairs.coarse_grain from pairs)
),

coarse_values as (
    select
        {{ (pair_month + coarse_key) | join(', ') }},
        sum(coarse_value) as coarse_value
    from coarse_keyed
    group by {{ (pair_month + coarse_key) | join(', ') }}
),

-- the months the coarser query covers (a pair compares only those)
coarse_months as (
    select distinct {{ pair_month | join(', ') }}
    from coarse_values
),

compared as (
    select
        fine_summed.flow,
        fine_summed.currency,
        fine_summed.year,
        fine_summed.month,
        fine_summed.coarse_grain,
        fine_summed.fine_grain,
        fine_summed.region_code,
        fine_summed.hs_code,
        fine_summed.gacc_partner_code,
        fine_summed.trade_mode_code,
        cast(coarse_values.coarse_value as decimal(38, 2)) as coarse_value,
        cast(fine_summed.fine_value as decimal(38, 2)) as fine_value,
        cast(fine_summed.fine_value - coalesce(coarse_values.coarse_value, 0) as decimal(38, 2)) as difference,
        0.5 * (fine_summed.fine_rows + 1) as tolerance
    from fine_summed
    inner join coarse_months
        on {{ columns_equal('fine_summed', 'coarse_months', pair_month) }}
    left join coarse_values
        on {{ columns_equal('fine_summed', 'coarse_values', pair_month + coarse_key) }}
),

disagreements as (
    select *
    from compared
    where abs(difference) > tolerance
)

select * from disagreements
