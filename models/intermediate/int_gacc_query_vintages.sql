{#-
    Every vintage of every landed GACC query, one row per vintage and province, and which one
    the warehouse publishes. A query is identified by flow, period, currency and province: the
    vintage landed last (`ingested_at`) is published, earlier ones are kept and say when and by
    which vintage they were superseded. A table, so the audit trail stays queryable from the
    warehouse file alone.
-#}

{{ gacc_incremental_config(unique_key='period') }}

with

query_rows as (
    select * from {{ ref('stg_gacc__query_rows') }}
    {% if is_incremental() -%}
        where {{ gacc_refresh_predicate('period') }}
    {%- endif %}
),

vintages as (
    select
        query_hash,
        region_code,
        flow,
        period,
        period_kind,
        year,
        month,
        currency,
        min(ingested_at) as ingested_at,
        min(landing_file) as landing_file,
        count(*) as row_count,
        cast(sum(value_in_query_currency) as decimal(38, 2)) as value_total_in_query_currency
    from query_rows
    group by
        query_hash,
        region_code,
        flow,
        period,
        period_kind,
        year,
        month,
        currency
),

ranked as (
    select
        *,
        row_number() over vintage_order as vintage_number,
        lead(ingested_at) over vintage_order as superseded_at,
        lead(query_hash) over vintage_order as superseded_by_query_hash
    from vintages
    window vintage_order as (
        partition by flow, period, currency, region_code
        order by ingested_at, query_hash
    )
),

final as (
    select
        query_hash,
        region_code,
        flow,
        period,
        period_kind,
        year,
        month,
        currency,
        ingested_at,
        vintage_number,
        superseded_at is null as is_published,
        superseded_at,
        superseded_by_query_hash,
        row_count,
        value_total_in_query_currency,
        landing_file
    from ranked
)

select * from final
