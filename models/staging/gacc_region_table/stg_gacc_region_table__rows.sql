with

source as (
    select * from {{ source('gacc_region_table', 'gacc_region_table') }}
),

typed as (
    select
        cast(substr(period, 1, 4) as integer) as year,
        cast(substr(period, 6, 2) as integer) as month,
        cast(vintage as integer) as vintage,
        content_hash,
        ingested_at,
        source_file,
        cast(line_number as integer) as line_number,
        trim(place_as_printed) as place_as_printed,
        total_month,
        total_ytd,
        export_month,
        export_ytd,
        import_month,
        import_ytd,
        total_ytd_yoy_pct,
        export_ytd_yoy_pct,
        import_ytd_yoy_pct
    from source
),

by_flow as (
    {% for flow in ['total', 'export', 'import'] %}
        select
            year,
            month,
            vintage,
            content_hash,
            ingested_at,
            source_file,
            line_number,
            place_as_printed,
            '{{ flow }}' as flow,
            {{ flow }}_month as month_as_printed,
            {{ flow }}_ytd as ytd_as_printed,
            {{ flow }}_ytd_yoy_pct as yoy_pct_as_printed
        from typed
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

valued as (
    select
        *,
        cast(nullif(month_as_printed, '-') as decimal(20, 0)) * 10000 as value_month_cny,
        cast(nullif(ytd_as_printed, '-') as decimal(20, 0)) * 10000 as value_ytd_cny,
        cast(nullif(yoy_pct_as_printed, '-') as decimal(18, 2)) as yoy_pct_reported
    from by_flow
)

select * from valued
