{#-
    The rows of the published vintage of every monthly GACC query (see int_gacc_query_vintages),
    at the landed grain. A view: each detail mart reads it filtered to the periods it refreshes
    (the filter on `period` reaches the Parquet scan) and aggregates to its own grain.
    Annual queries (period YYYY) are landed and audited but do not feed the monthly marts.
-#}

with

query_rows as (
    select * from {{ ref('stg_gacc__query_rows') }}
),

vintages as (
    select * from {{ ref('int_gacc_query_vintages') }}
),

published as (
    select query_rows.*
    from query_rows
    inner join vintages
        on
            query_rows.query_hash = vintages.query_hash
            and query_rows.region_code = vintages.region_code
    where
        vintages.is_published
        and vintages.period_kind = 'month'
)

select * from published
