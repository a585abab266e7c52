with

source as (
    select * from {{ source('customs', 'customs_published_figures') }}
),

renamed as (
    select
        figure_id,
        trim(region_as_printed) as region_as_printed,
        period_kind,
        period_start,
        period_end,
        cast(extract(year from period_end) as integer) as year,
        cast(extract(month from period_start) as integer) as month_start,
        cast(extract(month from period_end) as integer) as month_end,
        flow,
        partner_scope,
        product,
        value_as_printed,
        {{ printed_language('value_as_printed') }} as printed_language,
        cast(value as decimal(18, 4)) as value_in_printed_unit,
        -- How many decimals were printed: the figure's precision, e.g. '183.16' -> 2.
        case
            when value like '%.%' then length({{ dbt.split_part('value', "'.'", 2) }})
            else 0
        end as printed_decimals,
        unit_as_printed,
        currency,
        nullif(trim(qualifier), '') as qualifier,
        cast(yoy_pct as decimal(9, 2)) as yoy_pct_reported,
        cast(growth_multiple as decimal(9, 2)) as growth_multiple_reported,
        yoy_as_printed,
        source_kind,
        source as source_reference,
        published_on,
        note
    from source
)

select * from renamed
