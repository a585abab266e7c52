{#-
    The report's ranking section: each province's rank among the 31 by the month's total trade
    (GACC's region table), over the latest twelve months in the data, with the row order (the
    latest month's rank) and the figures the takeaway quotes: how many months the leader held
    first place, and the provinces that climbed and fell the most between the first and the
    last of the twelve months.
-#}

with

monthly as (
    select * from {{ ref('rpt_province_trade_monthly') }}
),

indexed as (
    select
        *,
        year * 12 + month as month_index,
        max(year * 12 + month) over () as last_month_index
    from monthly
),

latest_twelve as (
    select
        region_code,
        region_name_en,
        year,
        month,
        national_rank_month,
        share_of_national_month_pct,
        value_month_cny / 1e9 as value_month_bn_cny,
        make_date(year, month, 1) as month_date,
        region_code in ({{ report_focus_regions() }}) as is_focus_region,
        month_index = last_month_index - 11 as is_first_month,
        month_index = last_month_index as is_last_month,
        cast(last_month_index - min(month_index) over () + 1 as bigint) as months_shown
    from indexed
    where month_index > last_month_index - 12
),

ends as (
    select
        region_code,
        max(case when is_first_month then national_rank_month end) as first_rank,
        max(case when is_last_month then national_rank_month end) as last_rank,
        min(national_rank_month) as best_rank,
        max(national_rank_month) as worst_rank,
        count(case when national_rank_month = 1 then 1 end) as months_ranked_first
    from latest_twelve
    group by region_code
),

moves as (
    select
        region_code,
        first_rank,
        last_rank,
        best_rank,
        worst_rank,
        months_ranked_first,
        first_rank - last_rank as places_gained,
        row_number() over (
            order by first_rank - last_rank desc, last_rank asc, region_code asc
        ) = 1 as is_biggest_climber,
        row_number() over (
            order by first_rank - last_rank asc, last_rank asc, region_code asc
        ) = 1 as is_biggest_faller,
        cast(row_number() over (order by last_rank asc, region_code asc) as bigint) as row_order
    from ends
),

final as (
    select
        latest_twelve.region_code,
        latest_twelve.region_name_en,
        latest_twelve.year,
        latest_twelve.month,
        latest_twelve.month_date,
        latest_twelve.national_rank_month,
        latest_twelve.value_month_bn_cny,
        latest_twelve.share_of_national_month_pct,
        latest_twelve.is_focus_region,
        latest_twelve.is_first_month,
        latest_twelve.is_last_month,
        min(latest_twelve.month_date) over () as first_month_date,
        max(latest_twelve.month_date) over () as last_month_date,
        latest_twelve.months_shown,
        moves.first_rank,
        moves.last_rank,
        moves.best_rank,
        moves.worst_rank,
        moves.places_gained,
        moves.months_ranked_first,
        moves.is_biggest_climber,
        moves.is_biggest_faller,
        moves.row_order
    from latest_twelve
    inner join moves
        on latest_twelve.region_code = moves.region_code
)

select * from final
