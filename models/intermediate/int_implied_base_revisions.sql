{#-
    Revisions implied by growth rates. Customs compute growth on revised prior-year data, so a
    reported rate that disagrees with the rate computed from the prior-year figure first
    published (beyond `growth_tolerance_pp`) implies a revised prior-year base:
    value / (1 + growth / 100). One row per growth figure that implies one, naming the prior-year
    figure it revises, with the base as published and as implied.
-#}

with

ytd as (
    select * from {{ ref('int_region_trade_ytd') }}
),

implied as (
    select
        coalesce(figure_id_growth, figure_id_cny) as figure_id,
        prior_year_figure_id as revised_figure_id,
        region_code,
        year - 1 as base_year,
        month_end,
        flow,
        partner_scope,
        product,
        yoy_pct_reported,
        yoy_pct_computed,
        prior_year_value_cny as published_base_cny,
        value_cny / (1 + yoy_pct_reported / 100) as implied_base_cny
    from ytd
    where
        yoy_pct_reported is not null
        and yoy_pct_computed is not null
        and abs(yoy_pct_reported - yoy_pct_computed) > {{ var('growth_tolerance_pp') }}
),

final as (
    select
        *,
        100 * (implied_base_cny / published_base_cny - 1) as base_revision_pct
    from implied
)

select * from final
