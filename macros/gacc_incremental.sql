{#-
    Incremental GACC detail models: a build re-processes only the periods for which the landing
    zone has a vintage file that the model has not processed yet, not the whole history.

    Bookkeeping: `intermediate.gacc_incremental_state` holds, per model, every landing file the
    model has processed. A model's periods to refresh are the periods (from the landing path
    `.../period=<period>/...`) of the landing files not in its state. After the model is built,
    its post-hook `gacc_mark_processed()` records the landing files it has now processed: all of
    them on a full build (the first one, or `--full-refresh`, which also forgets the old state),
    else the new ones. A failed model records nothing, so its periods come again next time.
    Files are listed with DuckDB's glob(); nothing reads a Parquet file to decide.

    A revision (a new vintage of a loaded period) is a new file, so its period is refreshed and the
    delete+insert of the whole period swaps in what is published now.

    Use in a detail mart (keyed by period_start):
        {{ gacc_incremental_config() }}
        with published as ({{ gacc_refreshed_rows(ref('int_gacc_trade_rows_published'), 'period', 'period') }}), ...

    Each state row also records the dbt invocation that processed the file, so a data test can
    check only what this build (re)wrote: `gacc_refreshed_this_run_predicate`.
-#}

{#-
    The configuration every incremental GACC model shares: delete+insert of whole periods, keyed
    by `period_start` (the detail marts) or the landing's `period` text (int_gacc_query_vintages).
-#}
{% macro gacc_incremental_config(unique_key='period_start') -%}
    {{ config(
        materialized=gacc_materialization(),
        incremental_strategy='delete+insert',
        unique_key=unique_key,
        on_schema_change='fail',
        post_hook=gacc_incremental_post_hook(),
    ) }}
{%- endmacro %}

{#- Rows of an upstream relation; in an incremental build only those of the periods to refresh. -#}
{% macro gacc_refreshed_rows(relation, column='period_start', column_type='date') -%}
    select * from {{ relation }}
    {% if is_incremental() -%}
        where {{ gacc_refresh_predicate(column, column_type) }}
    {%- endif %}
{%- endmacro %}

{#-
    Incremental on DuckDB. Elsewhere (the Spark target) a plain table with no hook: glob() and
    delete+insert are DuckDB's, and the Spark build is always a full one.
-#}
{% macro gacc_materialization() -%}
    {{ return('incremental' if target.type == 'duckdb' else 'table') }}
{%- endmacro %}

{% macro gacc_incremental_post_hook() -%}
    {{ return(['{{ gacc_mark_processed() }}'] if target.type == 'duckdb' else []) }}
{%- endmacro %}

{% macro gacc_state_relation() -%}
    intermediate.gacc_incremental_state
{%- endmacro %}

{#-
    Creates the state table, or adds a column an older warehouse lacks. DDL only when needed:
    the on-run-start hook (gacc_prepare_state) runs it once before any node, because models and
    tests running side by side on several threads would conflict on concurrent DDL.
-#}
{% macro gacc_ensure_state() -%}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set present = run_query(
        "select count(*) from duckdb_columns() where database_name = current_database()"
        ~ " and schema_name = 'intermediate' and table_name = 'gacc_incremental_state'"
        ~ " and column_name = 'invocation_id'"
    ).columns[0].values()[0] -%}
    {%- if present == 0 -%}
        {%- do run_query(
            "create schema if not exists intermediate; "
            ~ "create table if not exists " ~ gacc_state_relation()
            ~ " (model_name varchar, landing_file varchar, period varchar, processed_at timestamp,"
            ~ " invocation_id varchar); "
            ~ "alter table " ~ gacc_state_relation() ~ " add column if not exists invocation_id varchar"
        ) -%}
    {%- endif -%}
{%- endmacro %}

{#- on-run-start: the state table exists before any node runs (DuckDB only). -#}
{% macro gacc_prepare_state() -%}
    {%- if execute and target.type == 'duckdb' -%}
        {%- do gacc_ensure_state() -%}
    {%- endif -%}
{%- endmacro %}

{#- The landing files not yet processed by this model, as SQL (file, period). -#}
{% macro gacc_unprocessed_files_sql(model_name) -%}
    select
        landing.file as landing_file,
        regexp_extract(landing.file, 'period=([^/]+)/', 1) as period
    from (
        select file from glob('{{ gacc_landing_glob() }}')
        union all
        select file from glob('{{ gacc_retractions_glob() }}')
    ) as landing
    where landing.file not in (
        select landing_file from {{ gacc_state_relation() }}
        where model_name = '{{ model_name }}'
    )
{%- endmacro %}

{#- The periods ('YYYY-MM' or 'YYYY') this model must refresh. -#}
{% macro gacc_periods_to_refresh(model_name=none) -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- do gacc_ensure_state() -%}
    {%- set name = model_name or this.identifier -%}
    {%- set found = run_query(
        "select distinct period from (" ~ gacc_unprocessed_files_sql(name) ~ ") order by period"
    ) -%}
    {{ return(found.columns[0].values() | list) }}
{%- endmacro %}

{#-
    A predicate selecting the periods to refresh, on `column`:
    kind 'period' -> column is the 'YYYY-MM' / 'YYYY' text; kind 'date' -> column is the month's
    first day (annual periods do not feed monthly tables and are left out). `false` if none.
-#}
{% macro gacc_refresh_predicate(column, kind='period') -%}
    {{ return(gacc_periods_predicate(gacc_periods_to_refresh(), column, kind)) }}
{%- endmacro %}

{#- `column in (<periods>)` as SQL (see gacc_refresh_predicate for `kind`); `false` for none. -#}
{% macro gacc_periods_predicate(periods, column, kind='period') -%}
    {%- if kind == 'date' -%}
        {#- the months a partition affects: 'YYYY-MM', or 'YYYY-MM..YYYY-MM' and the rest of its year -#}
        {%- set monthly = [] -%}
        {%- for period in periods -%}
            {%- if period | length == 7 -%}
                {%- do monthly.append(period) -%}
                {%- if period[5:7] == '01' -%}
                    {%- do monthly.append(period[0:4] ~ '-02') -%}
                {%- endif -%}
            {%- elif period | length == 16 and period[7:9] == '..' -%}
                {#- to December: a cumulative range also changes the month after it (differencing) -#}
                {%- for m in range(period[5:7] | int, 13) -%}
                    {%- do monthly.append(period[0:4] ~ '-' ~ ('%02d' % m)) -%}
                {%- endfor -%}
            {%- endif -%}
        {%- endfor -%}
        {%- set periods = monthly | unique | sort -%}
    {%- endif -%}
    {%- set predicate -%}
        {%- if periods | length == 0 -%}
            false
        {%- elif kind == 'date' -%}
            {#- year and month too: stored columns, so the Parquet scan skips other files by statistics -#}
            {%- set years = [] -%}
            {%- for period in periods if period[0:4] not in years -%}
                {%- do years.append(period[0:4]) -%}
            {%- endfor -%}
            (
            {%- for year in years -%}
                {%- if not loop.first %} or {% endif -%}
                (year = {{ year | int }} and month in (
                {%- for period in periods if period[0:4] == year -%}
                    {{ period[5:7] | int }}{{ ', ' if not loop.last }}
                {%- endfor -%}
                ))
            {%- endfor -%}
            ) and {{ column }} in (
            {%- for period in periods -%}
                cast('{{ period }}-01' as date){{ ', ' if not loop.last }}
            {%- endfor -%}
            )
        {%- else -%}
            {{ column }} in (
            {%- for period in periods -%}
                '{{ period }}'{{ ', ' if not loop.last }}
            {%- endfor -%}
            )
        {%- endif -%}
    {%- endset -%}
    {{ return(predicate) }}
{%- endmacro %}

{#- Post-hook: record the landing files this model has processed (see above). -#}
{% macro gacc_mark_processed() -%}
    {%- set name = this.identifier -%}
    {%- do gacc_ensure_state() -%}
    {%- if not is_incremental() -%}
        delete from {{ gacc_state_relation() }} where model_name = '{{ name }}';
    {%- endif %}
    insert into {{ gacc_state_relation() }}
    select '{{ name }}', landing_file, period, now(), '{{ invocation_id }}'
    from ({{ gacc_unprocessed_files_sql(name) }}) as unprocessed
    where
        -- a file landed after this build started (its vintage directory is named
        -- <ingested_at>Z_<hash>) is left for the next build; a file named otherwise counts as processed
        coalesce(
            try_strptime(regexp_extract(landing_file, '/([0-9]{8}T[0-9]{12})Z_[0-9a-f]+/[^/]*$', 1), '%Y%m%dT%H%M%S%f')
            <= cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as timestamp),
            true
        )
{%- endmacro %}

{#-
    A predicate for a data test on GACC detail data: only the periods `model_name` refreshes in
    this dbt invocation, so a monthly build tests the new month and not the whole history again
    (every period was tested by the build that loaded it). Those periods are the ones it has
    already processed in this invocation (state rows with this invocation_id: the test runs
    after the model) together with the ones it has still to process (the test runs before it,
    on an upstream model). Everything (`true`) on a full refresh, when the model is not part of
    this invocation (`dbt test` alone tests all history) and on targets other than DuckDB.
-#}
{% macro gacc_refreshed_this_run_predicate(model_name, column, kind='period') -%}
    {%- set unique_id = 'model.' ~ project_name ~ '.' ~ model_name -%}
    {%- if not execute or target.type != 'duckdb' or flags.FULL_REFRESH
        or unique_id not in selected_resources -%}
        {{ return('true') }}
    {%- endif -%}
    {%- do gacc_ensure_state() -%}
    {%- set processed_now = run_query(
        "select distinct period from " ~ gacc_state_relation()
        ~ " where model_name = '" ~ model_name ~ "' and invocation_id = '" ~ invocation_id ~ "'"
    ).columns[0].values() | list -%}
    {%- set periods = (processed_now + gacc_periods_to_refresh(model_name)) | unique | sort -%}
    {{ return(gacc_periods_predicate(periods, column, kind)) }}
{%- endmacro %}
