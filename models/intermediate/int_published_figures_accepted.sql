{#-
    The figures the warehouse publishes: selected by precedence, minus those rejected by a hard
    rule. One row per fact and currency (valued figures), plus growth-only figures.
-#}

with

ranked as (
    select * from {{ ref('int_published_figures_ranked') }}
),

rejections as (
    select distinct figure_id from {{ ref('int_published_figure_rejections') }}
),

accepted as (
    select ranked.*
    from ranked
    left join rejections
        on ranked.figure_id = rejections.figure_id
    where
        rejections.figure_id is null
        and (ranked.is_selected or ranked.value_native is null)
)

select * from accepted
