{#-
    Trade by NBS macro-region per year, plus the land-border provinces as a group. The four
    macro-regions partition the 31 provinces (`is_partition`); the land-border group overlaps
    them and must not be added to them.
-#}

with

provinces as (
    select * from {{ ref('int_province_trade_annual') }}
),

macro_regions as (
    select
        macro_region,
        year,
        true as is_partition,
        sum(value_usd) as value_usd,
        sum(value_cny) as value_cny,
        count(*) as province_count
    from provinces
    group by macro_region, year
),

land_border as (
    select
        'Land border provinces' as macro_region,
        year,
        false as is_partition,
        sum(value_usd) as value_usd,
        sum(value_cny) as value_cny,
        count(*) as province_count
    from provinces
    where has_land_border
    group by year
),

national as (
    select
        year,
        sum(value_usd) as national_value_usd
    from provinces
    group by year
),

unioned as (
    select * from macro_regions
    union all
    select * from land_border
),

measured as (
    select
        unioned.macro_region,
        unioned.year,
        unioned.is_partition,
        unioned.province_count,
        unioned.value_usd,
        unioned.value_cny,
        case
            when lag(unioned.year) over by_group = unioned.year - 1
                then 100 * (unioned.value_usd / lag(unioned.value_usd) over by_group - 1)
        end as yoy_pct,
        100 * unioned.value_usd / national.national_value_usd as share_of_national_pct
    from unioned
    inner join national
        on unioned.year = national.year
    window by_group as (partition by unioned.macro_region order by unioned.year)
)

select * from measured
