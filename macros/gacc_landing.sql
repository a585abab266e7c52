{#-
    The GACC landing zone (written by `scripts/ingest.py gacc`, read as a dbt-duckdb external
    source). Its root is $TRADEWH_LANDING_ROOT, else data/landing relative to the directory dbt
    runs in (the project root: the Makefile and scripts/tradewh/dbt.py run dbt there).

    A fresh clone has an empty landing zone, and DuckDB's read_parquet fails on a glob that
    matches nothing. So the staging model asks DuckDB, at run time, whether any vintage file
    exists (`gacc_landing_has_files`); when none does it selects from `gacc_empty_landing()`, a
    zero-row relation with the landing schema, and the detail marts build empty.
-#}

{% macro gacc_landing_glob() -%}
    {{ env_var('TRADEWH_LANDING_ROOT', 'data/landing') ~ '/gacc/flow=*/period=*/currency=*/*.parquet' }}
{%- endmacro %}

{% macro gacc_landing_has_files() -%}
    {%- if not execute -%}
        {{ return(true) }}
    {%- endif -%}
    {%- set found = run_query("select count(*) from glob('" ~ gacc_landing_glob() ~ "')") -%}
    {{ return(found.columns[0].values()[0] > 0) }}
{%- endmacro %}

{#- Zero rows, the landing files' columns and types (see scripts/tradewh/ingest_gacc.py). -#}
{% macro gacc_empty_landing() -%}
    select
        cast(null as varchar) as query_hash,
        cast(null as timestamp) as ingested_at,
        cast(null as varchar) as flow,
        cast(null as varchar) as period,
        cast(null as varchar) as period_kind,
        cast(null as integer) as year,
        cast(null as integer) as month,
        cast(null as varchar) as currency,
        cast(null as varchar) as region_code,
        cast(null as varchar) as customs_registration_code,
        cast(null as varchar) as registration_name,
        cast(null as varchar) as hs_code,
        cast(null as varchar) as hs_name,
        cast(null as varchar) as gacc_partner_code,
        cast(null as varchar) as gacc_partner_name,
        cast(null as varchar) as partner_iso3,
        cast(null as varchar) as trade_mode_code,
        cast(null as varchar) as trade_mode_name,
        cast(null as decimal(24, 4)) as quantity_1,
        cast(null as varchar) as unit_1,
        cast(null as decimal(24, 4)) as quantity_2,
        cast(null as varchar) as unit_2,
        cast(null as decimal(20, 2)) as value,
        cast(null as varchar) as source_file,
        cast(null as bigint) as source_line,
        cast(null as varchar) as source_encoding,
        cast(null as varchar) as filename
    where false
{%- endmacro %}
