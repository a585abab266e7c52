{#-
    The GACC landing zone (written by `scripts/ingest.py gacc`, read as a dbt-duckdb external
    source). Its root is $TRADEWH_LANDING_ROOT, else data/landing relative to the directory dbt
    runs in (the project root: the Makefile and scripts/tradewh/dbt.py run dbt there).
    Layout: <root>/gacc/flow=*/period=*/currency=*/grain=*/<ingested_at>_<content hash>/rows.parquet;
    retractions: <root>/gacc_retractions/flow=*/period=*/currency=*/grain=*/<retracted_at>_<hash>.parquet.

    A fresh clone has an empty landing zone, and DuckDB's read_parquet fails on a glob that
    matches nothing. So `gacc_landed_rows` asks DuckDB, at run time, whether any vintage file
    exists; when none does it selects zero rows with the landing schema
    (`gacc_landing_columns`), and the detail marts build empty.
-#}

{% macro gacc_landing_root() -%}
    {{ env_var('TRADEWH_LANDING_ROOT', 'data/landing') }}
{%- endmacro %}

{% macro gacc_landing_glob() -%}
    {{ gacc_landing_root() ~ '/gacc/flow=*/period=*/currency=*/grain=*/*/rows.parquet' }}
{%- endmacro %}

{% macro gacc_retractions_glob() -%}
    {{ gacc_landing_root() ~ '/gacc_retractions/flow=*/period=*/currency=*/grain=*/*.parquet' }}
{%- endmacro %}

{% macro gacc_landing_has_files(pattern=none) -%}
    {%- if not execute -%}
        {{ return(true) }}
    {%- endif -%}
    {%- set found = run_query("select count(*) from glob('" ~ (pattern or gacc_landing_glob()) ~ "')") -%}
    {{ return(found.columns[0].values()[0] > 0) }}
{%- endmacro %}

{#-
    The landing files' columns and types (see scripts/tradewh/ingest_gacc.py, stage_query), as
    (name, type) pairs, plus the two the reader adds: `filename` (the vintage directory holds
    the content hash and ingestion time) and `file_row_number`.
-#}
{% macro gacc_landing_columns() -%}
    {%- set text = dbt.type_string() -%}
    {{ return([
        ('period', text),
        ('flow', text),
        ('period_kind', text),
        ('year', 'integer'),
        ('month', 'integer'),
        ('month_from', 'integer'),
        ('currency', text),
        ('dimensions', text),
        ('complete_dimensions', text),
        ('region_code', text),
        ('customs_registration_code', text),
        ('registration_name', text),
        ('hs_code', text),
        ('hs_name', text),
        ('gacc_partner_code', text),
        ('gacc_partner_name', text),
        ('partner_iso3', text),
        ('trade_mode_code', text),
        ('trade_mode_name', text),
        ('quantity_1', 'double'),
        ('unit_1', text),
        ('quantity_2', 'double'),
        ('unit_2', text),
        ('value', 'decimal(18, 2)'),
        ('source_file', text),
        ('filename', text),
        ('file_row_number', 'bigint'),
    ]) }}
{%- endmacro %}

{#- Zero rows with the landing schema. -#}
{% macro gacc_empty_landing() -%}
    select
    {%- for name, type in gacc_landing_columns() %}
        cast(null as {{ type }}) as {{ name }}{{ ',' if not loop.last }}
    {%- endfor %}
    where 1 = 0
{%- endmacro %}

{#- Every landed row: the external source, or zero rows when nothing is landed yet. -#}
{% macro gacc_landed_rows(landing) -%}
    {{ return(adapter.dispatch('gacc_landed_rows', 'china_regional_trade')(landing)) }}
{%- endmacro %}

{% macro default__gacc_landed_rows(landing) -%}
    {%- if gacc_landing_has_files() -%}
        select * from {{ landing }}
    {%- else -%}
        {{ gacc_empty_landing() }}
    {%- endif -%}
{%- endmacro %}

{#-
    On Spark the landing zone is an external Parquet table, registered by the on-run-start hook
    (register_landing_tables, macros/portability.sql). Spark's hidden _metadata columns give what
    DuckDB's reader adds: the file (a URI; 'file:' dropped, so a local path reads as on DuckDB)
    and the 0-based row number within it.
-#}
{% macro spark__gacc_landed_rows(landing) -%}
    select
        *,
        regexp_replace(_metadata.file_path, '^file:', '') as filename,
        _metadata.row_index as file_row_number
    from {{ landing }}
{%- endmacro %}

{#- The ingestion time encoded in a vintage directory name ('20240131T120000123456'). -#}
{% macro gacc_parse_stamp(text) -%}
    {{ return(adapter.dispatch('gacc_parse_stamp', 'china_regional_trade')(text)) }}
{%- endmacro %}

{% macro default__gacc_parse_stamp(text) -%}
    strptime({{ text }}, '%Y%m%dT%H%M%S%f')
{%- endmacro %}

{% macro spark__gacc_parse_stamp(text) -%}
    to_timestamp({{ text }}, "yyyyMMdd'T'HHmmssSSSSSS")
{%- endmacro %}

{#-
    Every retraction record (scripts/ingest.py gacc-retract): the vintage withdrawn and when, with
    its landing file. Zero rows when there is none, and always on Spark (retractions are a DuckDB
    build's; see the README's known limitations).
-#}
{% macro gacc_retraction_rows() -%}
    {{ return(adapter.dispatch('gacc_retraction_rows', 'china_regional_trade')()) }}
{%- endmacro %}

{% macro default__gacc_retraction_rows() -%}
    {%- if gacc_landing_has_files(gacc_retractions_glob()) -%}
        select retracted_query_hash, retracted_at, reason, filename
        from read_parquet('{{ gacc_retractions_glob() }}', filename = true, union_by_name = true)
    {%- else -%}
        {{ gacc_empty_retractions() }}
    {%- endif -%}
{%- endmacro %}

{% macro spark__gacc_retraction_rows() -%}
    {{ gacc_empty_retractions() }}
{%- endmacro %}

{% macro gacc_empty_retractions() -%}
    select
        cast(null as {{ dbt.type_string() }}) as retracted_query_hash,
        cast(null as timestamp) as retracted_at,
        cast(null as {{ dbt.type_string() }}) as reason,
        cast(null as {{ dbt.type_string() }}) as filename
    where 1 = 0
{%- endmacro %}
