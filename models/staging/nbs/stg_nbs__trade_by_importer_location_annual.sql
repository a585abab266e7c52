with

source as (
    select * from {{ source('nbs', 'nbs_trade_by_importer_location_annual') }}
),

renamed as (
    select
        region_code,
        region_name_zh as region_name_zh_as_published,
        region_name_en as region_name_en_as_published,
        cast(year as integer) as year,
        total_trade_usd_thousand as value_usd_thousand,
        cast(total_trade_usd_thousand * 1000 as decimal(20, 2)) as value_usd
    from source
)

select * from renamed
