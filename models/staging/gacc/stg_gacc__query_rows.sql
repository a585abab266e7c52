{#-
    Every row of every landed GACC query vintage (superseded ones too), with the value split
    into value_usd / value_cny by the query's currency. An empty landing zone gives zero rows
    (see macros/gacc_landing.sql).
-#}

{%- set landing = source('gacc', 'query_rows') %}

with

landed as (
    {% if gacc_landing_has_files() -%}
        select * from {{ landing }}
    {%- else -%}
        {{ gacc_empty_landing() }}
    {%- endif %}
),

renamed as (
    select
        cast(query_hash as varchar) as query_hash,
        cast(ingested_at as timestamp) as ingested_at,
        cast(flow as varchar) as flow,
        cast(period as varchar) as period,
        cast(period_kind as varchar) as period_kind,
        cast(year as integer) as year,
        cast(month as integer) as month,
        cast(currency as varchar) as currency,
        cast(region_code as varchar) as region_code,
        cast(customs_registration_code as varchar) as customs_registration_code,
        cast(registration_name as varchar) as registration_name_as_printed,
        cast(hs_code as varchar) as hs_code,
        cast(hs_name as varchar) as hs_name_zh,
        cast(gacc_partner_code as varchar) as gacc_partner_code,
        cast(gacc_partner_name as varchar) as gacc_partner_name,
        cast(partner_iso3 as varchar) as partner_iso3,
        cast(trade_mode_code as varchar) as trade_mode_code,
        cast(trade_mode_name as varchar) as trade_mode_name_as_printed,
        cast(quantity_1 as decimal(24, 4)) as quantity_1,
        cast(unit_1 as varchar) as unit_1,
        cast(quantity_2 as decimal(24, 4)) as quantity_2,
        cast(unit_2 as varchar) as unit_2,
        cast(value as decimal(20, 2)) as value_in_query_currency,
        cast(case when currency = 'usd' then value end as decimal(20, 2)) as value_usd,
        cast(case when currency = 'cny' then value end as decimal(20, 2)) as value_cny,
        cast(source_file as varchar) as source_file,
        cast(source_line as bigint) as source_line,
        cast(source_encoding as varchar) as source_encoding,
        cast(filename as varchar) as landing_file
    from landed
)

select * from renamed
