with

source as (
    select * from {{ source('nbs_panel', 'nbs_trade_by_province_two_concepts_annual') }}
),

by_concept as (
    select
        region_code,
        region_name as region_name_zh_as_published,
        cast(year as integer) as year,
        'A060101' as indicator_code,
        'importer_location' as concept,
        a060101_value as value_usd_thousand
    from source
    union all
    select
        region_code,
        region_name as region_name_zh_as_published,
        cast(year as integer) as year,
        'A060201' as indicator_code,
        'domestic_destination_source' as concept,
        a060201_value as value_usd_thousand
    from source
),

valued as (
    select
        *,
        cast(value_usd_thousand * 1000 as decimal(20, 2)) as value_usd
    from by_concept
)

select * from valued
