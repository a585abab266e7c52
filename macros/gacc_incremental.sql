{#-
    Incremental GACC detail models, the dbt way: `is_incremental()` and a high-water mark.

    A landing event is a file in the landing zone: a query vintage
    (`.../period=<period>/.../<ingested_at>Z_<hash>/rows.parquet`) or a retraction
    (`.../period=<period>/.../<retracted_at>Z_<hash>.parquet`); its time is in its name, stamped
    under the landing lock, so events land in the order of their times. Every row of an
    incremental model carries `landed_through_at`: the newest event the build that wrote it had
    seen. An incremental build refreshes (delete+insert) the periods of the events newer than
    `max(landed_through_at)` of the model's table: a new month, a revision or a retraction of a
    loaded period is a newer event, so that period is replaced by what is published now. Files are
    listed with DuckDB's glob(); nothing reads a Parquet file to decide.

    Use in a detail mart (keyed by period_start):
        {{ gacc_incremental_config() }}
        {%- set landing = gacc_landing_state() %}
        with refreshed as ({{ gacc_refreshed_rows(ref('int_gacc_trade_rows_published'), landing) }}), ...
        select ..., {{ gacc_landed_through_at(landing) }} as landed_through_at from ...

    Whether a build must rebuild these tables from scratch (their code or what is upstream of them
    changed) is dbt's state comparison against the published build's manifest
    (`state:modified+`, scripts/tradewh/build.py).
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
    ) }}
{%- endmacro %}

{#-
    Incremental on DuckDB. Elsewhere (the Spark target) a plain table: glob() and delete+insert
    are DuckDB's, and the Spark build is always a full one.
-#}
{% macro gacc_materialization() -%}
    {{ return('incremental' if target.type == 'duckdb' else 'table') }}
{%- endmacro %}

{#- The landing events as SQL: (period, landed_at), from the file names alone. -#}
{% macro gacc_landing_events_sql() -%}
    select
        regexp_extract(file, 'period=([^/]+)/', 1) as period,
        {{ gacc_parse_stamp("regexp_extract(file, '/([0-9]{8}T[0-9]{12})Z_[0-9a-f]+(?:/rows)?[.]parquet$', 1)") }}
            as landed_at
    from (
        select file from glob('{{ gacc_landing_glob() }}')
        union all
        select file from glob('{{ gacc_retractions_glob() }}')
    ) as landing
{%- endmacro %}

{#-
    The landing zone as this model's build sees it, listed once when the model is compiled (one
    query, so both parts come from the same listing): `landed_through`, the newest event's time
    (text; none when nothing is landed or on Spark), and `periods`: in an incremental build, the
    periods with events newer than the table's high-water mark (max(landed_through_at)), sorted;
    a full build reads everything and lists none. A model sets it once and passes it on:
        {%- set landing = gacc_landing_state() %}
-#}
{% macro gacc_landing_state() -%}
    {%- set state = {'landed_through': none, 'periods': []} -%}
    {%- if not execute or target.type != 'duckdb' -%}
        {{ return(state) }}
    {%- endif -%}
    {%- set high_water = '(select max(landed_through_at) from ' ~ this ~ ')' if is_incremental() else 'null' -%}
    {%- set found = run_query(
        "select strftime(max(landed_at), '%Y-%m-%d %H:%M:%S.%f'),"
        ~ " string_agg(distinct period, ',' order by period) filter (where landed_at > " ~ high_water ~ ")"
        ~ " from (" ~ gacc_landing_events_sql() ~ ") as events"
    ).rows[0] -%}
    {%- do state.update({'landed_through': found[0], 'periods': found[1].split(',') if found[1] else []}) -%}
    {{ return(state) }}
{%- endmacro %}

{#- The build's high-water mark (`landing`: gacc_landing_state()), as a timestamp expression. -#}
{% macro gacc_landed_through_at(landing) -%}
    {%- if landing['landed_through'] is none -%}
        cast(null as timestamp)
    {%- else -%}
        cast('{{ landing['landed_through'] }}' as timestamp)
    {%- endif -%}
{%- endmacro %}

{#-
    Rows of an upstream relation; in an incremental build only those of the periods to refresh
    (`landing`: gacc_landing_state(); `column` and `kind` as for gacc_periods_predicate).
-#}
{% macro gacc_refreshed_rows(relation, landing, column='period_start', kind='date') -%}
    select * from {{ relation }}
    {% if is_incremental() -%}
        where {{ gacc_periods_predicate(landing['periods'], column, kind) }}
    {%- endif %}
{%- endmacro %}

{#-
    `column in (<periods>)` as SQL; `false` for none. kind 'period': column is the 'YYYY-MM' /
    'YYYY' / 'YYYY-MM..YYYY-MM' text; kind 'date': column is the month's first day, and a period
    stands for the months it affects (annual periods do not feed monthly tables and are left out).
-#}
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
