{#-
    Every partner scope a figure can have: the world and the blocs of ref_partner_scopes, and
    every country of ref_countries by its ISO3 code (the same list ingest accepts).
-#}

with

scopes as (
    select * from {{ ref('ref_partner_scopes') }}
),

countries as (
    select * from {{ ref('ref_countries') }}
),

declared as (
    select
        partner_scope,
        scope_kind,
        bloc_code,
        name_en as partner_scope_name_en,
        note
    from scopes
),

other_countries as (
    select
        countries.iso3 as partner_scope,
        'country' as scope_kind,
        cast(null as {{ dbt.type_string() }}) as bloc_code,
        coalesce(nullif(countries.common_name_en, ''), countries.name_en) as partner_scope_name_en,
        cast(null as {{ dbt.type_string() }}) as note
    from countries
    left join scopes
        on countries.iso3 = scopes.partner_scope
    where scopes.partner_scope is null
),

final as (
    select * from declared
    union all
    select * from other_countries
)

select * from final
