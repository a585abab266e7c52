{#-
    Which partner scope is part of which, and when (valid_from inclusive, valid_to exclusive;
    null for always): the nesting declared in ref_scope_nesting (blocs of the world, the Central
    Asian five of the Belt and Road, ...), every country of the world, and every country of each
    bloc while it is a member (int_partner_bloc_membership). Used by the part-never-exceeds-whole
    check, so a country figure above its bloc's figure is caught without a hand-kept list.
-#}

with

declared as (
    select * from {{ ref('ref_scope_nesting') }}
),

countries as (
    select * from {{ ref('ref_countries') }}
),

membership as (
    select * from {{ ref('int_partner_bloc_membership') }}
),

-- nestings that hold always: the declared ones, and every country in the world
nested_always as (
    select
        part_scope,
        whole_scope
    from declared
    union all
    select
        iso3 as part_scope,
        'world' as whole_scope
    from countries
),

country_in_bloc as (
    select
        partner_iso3 as part_scope,
        bloc_code as whole_scope,
        valid_from,
        valid_to
    from membership
),

unioned as (
    select
        part_scope,
        whole_scope,
        cast(null as date) as valid_from,
        cast(null as date) as valid_to
    from nested_always
    union all
    select * from country_in_bloc
)

select * from unioned
