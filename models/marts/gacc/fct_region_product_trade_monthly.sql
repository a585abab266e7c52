{#-
    Trade by HS chapter and named product group. A product group is a leaf group of
    ref_products with HS codes in ref_product_hs_codes (electric_vehicles 870380,
    lithium_batteries 850760, solar_cells 854142 and 854143, fertilizers chapter 31, ...); a row
    takes the group with the longest HS prefix its code starts with, else 'other'. Parent groups
    (new_three) are the sum of their children: join ref_products.parent_product.
-#}

{{ gacc_incremental_config() }}
{%- set landing = gacc_landing_state() %}

with

-- the months to refresh, from queries with a commodity column, one grain per region-month
published as (
    {{ gacc_published_rows_of_one_grain('commodity', landing) }}
),

products as (
    select * from {{ ref('ref_products') }}
),

product_hs_codes as (
    select * from {{ ref('ref_product_hs_codes') }}
),

parent_groups as (
    select distinct parent_product as product
    from products
    where parent_product is not null
),

-- one row per leaf group and HS prefix
group_prefixes as (
    select
        products.product as product_group,
        cast(product_hs_codes.hs_code as {{ dbt.type_string() }}) as hs_prefix
    from products
    inner join product_hs_codes
        on products.product = product_hs_codes.product
    left join parent_groups
        on products.product = parent_groups.product
    where
        products.product_kind = 'product_group'
        and parent_groups.product is null
),

-- the prefix match runs once per distinct HS code (thousands), not once per detail row
hs_codes as (
    select distinct hs_code
    from published
),

matched as (
    select
        hs_codes.hs_code,
        group_prefixes.product_group,
        row_number() over (
            partition by hs_codes.hs_code
            order by length(group_prefixes.hs_prefix) desc, group_prefixes.product_group
        ) as match_rank
    from hs_codes
    left join group_prefixes
        on
            group_prefixes.hs_prefix <> ''
            and hs_codes.hs_code like group_prefixes.hs_prefix || '%'
),

classified_codes as (
    select
        hs_code,
        left(hs_code, 2) as hs_chapter,
        coalesce(product_group, 'other') as product_group
    from matched
    where match_rank = 1
),

classified as (
    select
        published.region_code,
        published.year,
        published.month,
        published.flow,
        classified_codes.hs_chapter,
        classified_codes.product_group,
        published.value_usd,
        published.value_cny
    from published
    inner join classified_codes
        on published.hs_code = classified_codes.hs_code
),

by_chapter_and_group as (
    {{ gacc_trade_by('classified', ['hs_chapter', 'product_group']) }}
)

select
    *,
    -- the newest landing event this build had seen: the table's high-water mark
    {{ gacc_landed_through_at(landing) }} as landed_through_at
from by_chapter_and_group
