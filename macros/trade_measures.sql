{#- The grain every GACC detail mart starts from: a region's trade flow in one month. -#}
{% macro monthly_trade_grain() -%}
    region_code, year, month, period_start, flow
{%- endmacro %}

{#-
    The measures every GACC detail mart aggregates, the same way: sums in yuan and dollars, and
    whether any summed value was converted from the other currency.
-#}
{% macro sum_trade_measures() -%}
    cast(sum(value_usd) as decimal(38, 2)) as value_usd,
    cast(sum(value_cny) as decimal(38, 2)) as value_cny,
    bool_or(is_value_usd_converted) as is_value_usd_converted,
    bool_or(is_value_cny_converted) as is_value_cny_converted
{%- endmacro %}

{#-
    Published GACC rows (int_gacc_trade_rows_published, or the refreshed part of it) summed to a
    detail mart's grain, region x month x flow x `keys`, in both currencies, flow 'total' included.
    Used as the body of a CTE:

        by_partner as ({{ gacc_trade_by(ref_or_cte, ['partner_iso3']) }})

    Currency: per key, the sum of the rows landed in US dollars is value_usd as reported and the
    sum of the rows landed in yuan is value_cny as reported; a key landed in one currency only
    gets the other by converting its sum at the month's average rate (ref_fx_monthly) and is
    flagged is_value_<currency>_converted. Converting the key's sum rather than every detail row
    keeps rounding to one cent per published figure.

    Flow 'total' (export + import) is added for the region-months where both flows were landed,
    summed from the export and import rows of the key: the mart's rows, not the detail rows, so
    it costs as little as the mart is small.

    `carried` columns are text attributes of the key (the trade mode's name as printed), kept as
    their minimum.
-#}
{% macro gacc_trade_by(rows, keys, carried=[]) -%}
    {%- set key_list = keys | join(', ') -%}
    {%- set carried_min -%}
        {%- for column in carried %}min({{ column }}) as {{ column }}, {% endfor -%}
    {%- endset -%}
    with

    summed as (
        select
            region_code,
            year,
            month,
            flow,
            {{ key_list }},
            {{ carried_min }}
            sum(value_usd) as value_usd_reported,
            sum(value_cny) as value_cny_reported
        from {{ rows }}
        group by region_code, year, month, flow, {{ key_list }}
    ),

    converted as (
        select
            summed.region_code,
            summed.year,
            summed.month,
            {{ make_date_from_parts('summed.year', 'summed.month', 1) }} as period_start,
            summed.flow,
            {%- for column in keys + carried %}
            summed.{{ column }},
            {%- endfor %}
            cast(coalesce(
                summed.value_usd_reported,
                round(summed.value_cny_reported / cast(fx_monthly.cny_per_usd as decimal(18, 6)), 2)
            ) as decimal(38, 2)) as value_usd,
            cast(coalesce(
                summed.value_cny_reported,
                round(summed.value_usd_reported * cast(fx_monthly.cny_per_usd as decimal(18, 6)), 2)
            ) as decimal(38, 2)) as value_cny,
            summed.value_usd_reported is null as is_value_usd_converted,
            summed.value_cny_reported is null as is_value_cny_converted
        from summed
        left join {{ ref('ref_fx_monthly') }} as fx_monthly
            on
                summed.year = fx_monthly.year
                and summed.month = fx_monthly.month
    ),

    -- export + import, where both were landed and no query of flow 'total' (进出口) was
    both_flows_landed as (
        select
            region_code,
            year,
            month
        from converted
        group by region_code, year, month
        having
            count(distinct case when flow in ('export', 'import') then flow end) = 2
            and max(case when flow = 'total' then 1 else 0 end) = 0
    ),

    totals as (
        select
            converted.region_code,
            converted.year,
            converted.month,
            converted.period_start,
            'total' as flow,
            {%- for column in keys %}
            converted.{{ column }},
            {%- endfor %}
            {%- for column in carried %}
            min(converted.{{ column }}) as {{ column }},
            {%- endfor %}
            {{ sum_trade_measures() }}
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
            converted.period_start
            {%- for column in keys %},
            converted.{{ column }}
            {%- endfor %}
    )

    select * from converted
    union all
    select * from totals
{%- endmacro %}

{#- True when a comma-separated dimension list (`dimensions`) holds `dimension`. -#}
{% macro gacc_has_dimension(column, dimension) -%}
    ({{ dbt.concat(["','", column, "','"]) }} like '%,{{ dimension }},%')
{%- endmacro %}

{#-
    Published GACC rows (int_gacc_trade_rows_published, or the refreshed part of it) of the queries
    that have `dimension`, one grain per region, month, flow and currency: where queries of
    different grains cover the same region-month (a partner-only query and a 4-dimension one),
    summing both would count the trade twice, so only the coarsest grain is kept (fewest
    dimensions, then shortest HS code, then the grain's name). `is_<dimension>_complete` says
    whether that query covers the dimension completely (--complete at ingest). Used as the body of
    a CTE.
-#}
{% macro gacc_rows_of_one_grain(rows, dimension) -%}
    {#- where one grain is chosen: a region's month of one flow in one currency -#}
    {%- set region_month = ['region_code', 'year', 'month', 'flow', 'currency'] -%}
    with

    candidates as (
        select
            *,
            {{ gacc_has_dimension('complete_dimensions', dimension) }} as is_{{ dimension }}_complete
        from {{ rows }}
        where {{ gacc_has_dimension('dimensions', dimension) }}
    ),

    grains as (
        select distinct
            {{ region_month | join(', ') }},
            grain,
            dimensions
        from candidates
    ),

    chosen as (
        select
            {{ region_month | join(', ') }},
            grain
        from (
            select
                *,
                row_number() over (
                    partition by {{ region_month | join(', ') }}
                    order by length(dimensions) - length(replace(dimensions, ',', '')), length(grain), grain
                ) as grain_rank
            from grains
        ) as ranked
        where grain_rank = 1
    ),

    kept as (
        select candidates.*
        from candidates
        inner join chosen
            on {{ columns_equal('candidates', 'chosen', region_month + ['grain']) }}
    )

    select * from kept
{%- endmacro %}

{#-
    What a detail mart sums: the published GACC rows (int_gacc_trade_rows_published) of the
    months to refresh (gacc_refreshed_rows, all of them in a full build), from the queries with
    `dimension`, one grain per region-month (gacc_rows_of_one_grain). Used as the body of a CTE.
-#}
{% macro gacc_published_rows_of_one_grain(dimension, landing) -%}
    {%- set refreshed = gacc_refreshed_rows(ref('int_gacc_trade_rows_published'), landing) -%}
    {{ gacc_rows_of_one_grain('(' ~ refreshed ~ ') as refreshed', dimension) }}
{%- endmacro %}
