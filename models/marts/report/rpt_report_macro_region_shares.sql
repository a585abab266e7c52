{#-
    The report's macro-region section: each group's share of national trade per year, and how
    far it moved between the first and the last year.
-#}

with

groups as (
    select * from {{ ref('rpt_macro_region_trade_annual') }}
),

spans as (
    select
        macro_region,
        year,
        is_partition,
        share_of_national_pct,
        min(year) over () as first_year,
        max(year) over () as last_year
    from groups
    where share_of_national_pct is not null
),

ends as (
    select
        macro_region,
        max(case when year = first_year then share_of_national_pct end) as first_share_pct,
        max(case when year = last_year then share_of_national_pct end) as last_share_pct
    from spans
    group by macro_region
),

final as (
    select
        spans.macro_region,
        spans.year,
        spans.is_partition,
        spans.share_of_national_pct,
        spans.first_year,
        spans.last_year,
        ends.first_share_pct,
        ends.last_share_pct,
        ends.last_share_pct - ends.first_share_pct as share_change_pts
    from spans
    inner join ends
        on spans.macro_region = ends.macro_region
)

select * from final
