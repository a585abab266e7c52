with

countries as (
    select * from {{ ref('ref_countries') }}
),

final as (
    select
        iso3 as partner_iso3,
        iso2 as partner_iso2,
        iso_numeric as partner_iso_numeric,
        name_en as partner_name_en,
        coalesce(nullif(common_name_en, ''), name_en) as partner_common_name_en,
        name_zh as partner_name_zh,
        source
    from countries
)

select * from final
