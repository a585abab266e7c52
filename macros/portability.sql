{#-
    Adapter-specific SQL the cross-database macros do not cover, behind adapter.dispatch:
    default__ (DuckDB and anything like it) and spark__ implementations. docs/spark.md lists them.
-#}

{#-
    The values of `measure` joined by `delimiter_text`, sorted by the values themselves.
    dbt.listagg's order_by_clause is ignored on Spark (collect_list has no order), so Spark sorts
    the collected array instead: the same text on both engines.
-#}
{% macro sorted_listagg(measure, delimiter_text) -%}
    {{ return(adapter.dispatch('sorted_listagg', 'china_regional_trade')(measure, delimiter_text)) }}
{%- endmacro %}

{% macro default__sorted_listagg(measure, delimiter_text) -%}
    {{ dbt.listagg(measure, delimiter_text, 'order by ' ~ measure) }}
{%- endmacro %}

{% macro spark__sorted_listagg(measure, delimiter_text) -%}
    array_join(array_sort(collect_list({{ measure }})), {{ delimiter_text }})
{%- endmacro %}

{#-
    Seeds on Spark. dbt-spark's session method binds seed values by plain string formatting:
    a quote inside a value breaks the insert (Côte d'Ivoire, "customs' own ...") and an empty
    cell arrives as the text 'None'. This override (the root project's spark__ implementation
    wins dbt's dispatch) writes each value as an escaped literal and an empty cell as null, so
    the raw seeds land on Spark exactly as on DuckDB. Other adapters keep their own loader.
-#}
{% macro spark__load_csv_rows(model, agate_table) %}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set column_types = [] -%}
    {%- for col_name in agate_table.column_names -%}
        {%- do column_types.append(column_override.get(col_name, adapter.convert_type(agate_table, loop.index0))) -%}
    {%- endfor -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
        {%- set sql -%}
            insert into {{ this.render() }} values
            {%- for row in chunk %}
            (
                {%- for value in row -%}
                    {%- if value is none -%}
                        cast(null as {{ column_types[loop.index0] }})
                    {%- else -%}
                        cast('{{ value | string | replace("\\", "\\\\") | replace("'", "\\'") }}' as {{ column_types[loop.index0] }})
                    {%- endif -%}
                    {{- ', ' if not loop.last -}}
                {%- endfor -%}
            ){{ ',' if not loop.last }}
            {%- endfor %}
        {%- endset -%}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- if loop.first -%}
            {%- do statements.append(sql) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(statements[0] if statements else '') }}
{% endmacro %}

{#-
    Spark's equivalent of the dbt-duckdb external source over the GACC landing zone: the same
    Parquet files registered as an external table under the source's own name (`gacc.query_rows`),
    with the landing files' columns (gacc_landing_columns, less the two the reader adds).
    Re-registered at every build, so a changed $TRADEWH_LANDING_ROOT is followed; dropping an
    external table leaves its files alone. Spark lists the files at query time (any depth under
    <root>/gacc, *.parquet only, so the vintages' _vintage.json is skipped); a landing zone that
    is empty or missing reads as zero rows. On a cluster the root must be a path every executor
    can read (absolute, or an hdfs:// / s3a:// / abfss:// URI); see docs/spark.md.
-#}
{% macro spark_register_gacc_landing(landing) -%}
    {%- if execute -%}
        {%- set columns = [] -%}
        {%- for name, data_type in gacc_landing_columns() -%}
            {%- if name not in ('filename', 'file_row_number') -%}
                {%- do columns.append(name ~ ' ' ~ data_type) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- do run_query('create schema if not exists ' ~ landing.schema) -%}
        {%- do run_query('drop table if exists ' ~ landing) -%}
        {%- do run_query(
            'create table ' ~ landing ~ ' (' ~ columns | join(', ') ~ ') using parquet'
            ~ " options (recursiveFileLookup 'true', pathGlobFilter '*.parquet')"
            ~ " location '" ~ spark_absolute_location(gacc_landing_root() ~ '/gacc') ~ "'"
        ) -%}
    {%- endif -%}
{%- endmacro %}

{#-
    on-run-start (dbt_project.yml): on Spark, register the landing zone before anything reads it
    (spark__gacc_landed_rows expects `gacc.query_rows` to exist); nothing on DuckDB, whose
    external source needs no registration. Returns no SQL: the work is done by run_query.
-#}
{% macro register_landing_tables() -%}
    {{ return(adapter.dispatch('register_landing_tables', 'china_regional_trade')()) }}
{%- endmacro %}

{% macro default__register_landing_tables() -%}
{%- endmacro %}

{% macro spark__register_landing_tables() -%}
    {%- if execute -%}
        {%- for node in graph.sources.values() -%}
            {%- if node.source_name == 'gacc' and node.name == 'query_rows' -%}
                {%- do spark_register_gacc_landing(api.Relation.create(schema=node.schema, identifier=node.identifier)) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}

{#-
    Spark resolves a relative LOCATION against the schema's own directory in the warehouse, not
    the directory dbt runs in: make a relative path absolute with the project directory
    ($DBT_PROJECT_DIR, which the Makefile exports, else the shell's $PWD). URIs (s3a://, hdfs://,
    file:/...) and absolute paths are kept.
-#}
{% macro spark_absolute_location(path) -%}
    {%- if path.startswith('/') or ':' in path -%}
        {{ return(path) }}
    {%- endif -%}
    {%- set base = env_var('DBT_PROJECT_DIR', env_var('PWD', '')) -%}
    {%- if not base.startswith('/') -%}
        {{ exceptions.raise_compiler_error(
            'The landing zone ' ~ path ~ ' is relative and the project directory is unknown: '
            ~ 'set TRADEWH_LANDING_ROOT to an absolute path or a URI for Spark (docs/spark.md).'
        ) }}
    {%- endif -%}
    {{ return(base ~ '/' ~ path) }}
{%- endmacro %}
