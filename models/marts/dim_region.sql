with

regions as (
    select * from {{ ref('ref_regions') }}
),

aliases as (
    select * from {{ ref('ref_region_aliases') }}
),

alias_lists as (
    select
        region_code,
        {{ sorted_listagg('alias', "' | '") }} as aliases
    from aliases
    group by region_code
),

final as (
    select
        regions.region_code,
        regions.customs_registration_code,
        regions.region_level,
        regions.name_zh as region_name_zh,
        regions.name_en as region_name_en,
        regions.name_en_official as region_name_en_official,
        regions.macro_region,
        regions.has_land_border,
        alias_lists.aliases
    from regions
    left join alias_lists
        on regions.region_code = alias_lists.region_code
)

select * from final
