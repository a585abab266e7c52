{#-
    Every vintage of every landed GACC query, one row per vintage and province, and which one
    the warehouse publishes. A query is identified by flow, period, currency, grain and province:
    the vintage landed last (`ingested_at`) that is not retracted is published; earlier ones are
    kept and say when and by which vintage they were superseded; a retracted one says when it was
    withdrawn (scripts/ingest.py gacc-retract) and the one before it is published again. A table,
    so the audit trail stays queryable from the warehouse file alone.
-#}

{{ gacc_incremental_config(unique_key='period') }}
{%- set landing = gacc_landing_state() %}
{#- a vintage: one landed query (its content hash) for one province, with what identifies the query -#}
{%- set vintage_key = [
    'query_hash', 'region_code', 'flow', 'period', 'period_kind', 'year',
    'currency', 'grain', 'dimensions', 'complete_dimensions',
] %}

with

query_rows as (
    {{ gacc_refreshed_rows(ref('stg_gacc__query_rows'), landing, 'period', 'period') }}
),

retractions as (
    select
        retracted_query_hash,
        min(retracted_at) as retracted_at
    from ({{ gacc_retraction_rows() }}) as records
    group by retracted_query_hash
),

vintages as (
    select
        {{ vintage_key | join(',\n        ') }},
        min(month_from) as month_from,
        max(month) as month,
        min(ingested_at) as ingested_at,
        min(landing_file) as landing_file,
        count(*) as row_count,
        cast(sum(value_in_query_currency) as decimal(38, 2)) as value_total_in_query_currency
    from query_rows
    group by {{ vintage_key | join(', ') }}
),

with_retractions as (
    select
        vintages.*,
        retractions.retracted_at,
        retractions.retracted_at is not null as is_retracted
    from vintages
    left join retractions
        on vintages.query_hash = retractions.retracted_query_hash
),

ranked as (
    select
        *,
        row_number() over (
            partition by flow, period, currency, grain, region_code
            order by ingested_at, query_hash
        ) as vintage_number,
        -- supersession among the vintages not retracted: a retraction publishes the one before again
        lead(ingested_at) over live_order as next_live_at,
        lead(query_hash) over live_order as next_live_query_hash
    from with_retractions
    window live_order as (
        partition by flow, period, currency, grain, region_code, is_retracted
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
        month_from,
        month,
        currency,
        grain,
        dimensions,
        complete_dimensions,
        ingested_at,
        vintage_number,
        not is_retracted and next_live_at is null as is_published,
        case when not is_retracted then next_live_at end as superseded_at,
        case when not is_retracted then next_live_query_hash end as superseded_by_query_hash,
        is_retracted,
        retracted_at,
        row_count,
        value_total_in_query_currency,
        landing_file,
        -- the newest landing event this build had seen: the table's high-water mark
        {{ gacc_landed_through_at(landing) }} as landed_through_at
    from ranked
)

select * from final
