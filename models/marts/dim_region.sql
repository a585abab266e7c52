with

regions as (
    select * from {{ ref('ref_regions') }}
),

places as (
    select * from {{ ref('ref_region_places') }}
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

provinces as (
    select
        regions.region_code,
        regions.customs_registration_code,
        regions.region_level,
        case when regions.region_level = 'province' then '000000' end as parent_region_code,
        regions.region_code as gbt2260_code,
        regions.name_zh as region_name_zh,
        regions.name_en as region_name_en,
        regions.name_en_official as region_name_en_official,
        regions.macro_region,
        regions.has_land_border,
        alias_lists.aliases
    from regions
    left join alias_lists
        on regions.region_code = alias_lists.region_code
),

-- Cities, new areas and zones of GACC's region table, under the province they are printed in.
table_places as (
    select
        places.region_code,
        cast(null as {{ dbt.type_string() }}) as customs_registration_code,
        places.region_level,
        places.parent_region_code,
        nullif(places.gbt2260_code, '') as gbt2260_code,
        places.name_as_printed as region_name_zh,
        cast(null as {{ dbt.type_string() }}) as region_name_en,
        cast(null as {{ dbt.type_string() }}) as region_name_en_official,
        parents.macro_region,
        cast(null as boolean) as has_land_border,
        places.name_as_printed as aliases
    from places
    inner join regions as parents
        on places.parent_region_code = parents.region_code
    where places.region_level not in ('national', 'province')
),

final as (
    select * from provinces
    union all
    select * from table_places
)

select * from final
