{#-
    Every table landed from GACC's region table, one row per month x vintage: when it was
    landed, from which file, its content hash, and whether it is the vintage the marts publish
    (the latest). A revised table for a month is a new vintage; the earlier one stays here and
    its rows in stg_gacc_region_table__rows.
-#}

with

rows_landed as (
    select * from {{ ref('stg_gacc_region_table__rows') }}
    where flow = 'total'
),

vintages as (
    select
        year,
        month,
        vintage,
        max(content_hash) as content_hash,
        max(ingested_at) as ingested_at,
        max(source_file) as source_file,
        count(*) as places
    from rows_landed
    group by year, month, vintage
),

flagged as (
    select
        *,
        vintage = max(vintage) over (partition by year, month) as is_latest,
        max(vintage) over (partition by year, month) as latest_vintage
    from vintages
)

select * from flagged
