{#-
    Every row of every landed GACC query vintage (superseded ones too), with the value split
    into value_usd / value_cny by the query's currency. An empty landing zone gives zero rows
    (see macros/gacc_landing.sql; on Spark the landing zone is an external Parquet table).
-#}

{%- set landing = source('gacc', 'query_rows') %}

with

landed as (
    {{ gacc_landed_rows(landing) }}
),

renamed as (
    select
        -- <root>/gacc/flow=.../period=.../currency=.../grain=.../<ingested_at>_<content hash>/rows.parquet
        regexp_extract(filename, '_([0-9a-f]{32})/[^/]+[.]parquet$', 1) as query_hash,
        regexp_extract(filename, '/grain=([^/]+)/', 1) as grain,
        {{ gacc_parse_stamp(
            "regexp_extract(filename, '/([0-9]{8}T[0-9]{12})Z_[0-9a-f]{32}/[^/]+[.]parquet$', 1)"
        ) }} as ingested_at,
        cast(flow as {{ dbt.type_string() }}) as flow,
        cast(period as {{ dbt.type_string() }}) as period,
        cast(period_kind as {{ dbt.type_string() }}) as period_kind,
        cast(year as integer) as year,
        cast(month as integer) as month,
        cast(month_from as integer) as month_from,
        {{ make_date_from_parts('year', 'month', 1) }} as period_start,
        cast(currency as {{ dbt.type_string() }}) as currency,
        cast(dimensions as {{ dbt.type_string() }}) as dimensions,
        cast(complete_dimensions as {{ dbt.type_string() }}) as complete_dimensions,
        cast(length(hs_code) as integer) as hs_length,
        cast(region_code as {{ dbt.type_string() }}) as region_code,
        cast(customs_registration_code as {{ dbt.type_string() }}) as customs_registration_code,
        cast(registration_name as {{ dbt.type_string() }}) as registration_name_as_printed,
        cast(hs_code as {{ dbt.type_string() }}) as hs_code,
        cast(hs_name as {{ dbt.type_string() }}) as hs_name_zh,
        cast(gacc_partner_code as {{ dbt.type_string() }}) as gacc_partner_code,
        cast(gacc_partner_name as {{ dbt.type_string() }}) as gacc_partner_name,
        cast(partner_iso3 as {{ dbt.type_string() }}) as partner_iso3,
        cast(trade_mode_code as {{ dbt.type_string() }}) as trade_mode_code,
        cast(trade_mode_name as {{ dbt.type_string() }}) as trade_mode_name_as_printed,
        cast(quantity_1 as double) as quantity_1,
        cast(unit_1 as {{ dbt.type_string() }}) as unit_1,
        cast(quantity_2 as double) as quantity_2,
        cast(unit_2 as {{ dbt.type_string() }}) as unit_2,
        cast(value as decimal(18, 2)) as value_in_query_currency,
        cast(case when currency = 'usd' then value end as decimal(18, 2)) as value_usd,
        cast(case when currency = 'cny' then value end as decimal(18, 2)) as value_cny,
        cast(source_file as {{ dbt.type_string() }}) as source_file,
        cast(file_row_number as bigint) as landing_row_number,
        cast(filename as {{ dbt.type_string() }}) as landing_file
    from landed
)

select * from renamed
