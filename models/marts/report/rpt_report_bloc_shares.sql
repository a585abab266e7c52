{#-
    The report's partner-bloc section: each partner scope's year-to-date trade as a share of
    all partners' for the same region and period, release by release, for the first focus
    region. Blocs first, then single countries; at most eight scopes (more lines do not read).
-#}

with

ytd as (
    select * from {{ ref('fct_region_trade_ytd') }}
),

scopes as (
    select * from {{ ref('dim_partner_scope') }}
),

shares as (
    select
        part.region_code,
        part.region_name_en,
        part.partner_scope,
        part.year,
        part.month_end,
        part.period_end,
        100 * coalesce(
            part.value_cny / nullif(world.value_cny, 0), part.value_usd / nullif(world.value_usd, 0)
        ) as share_pct
    from ytd as part
    inner join ytd as world
        on
            {{ columns_equal('part', 'world', ['region_code', 'year', 'month_end', 'flow', 'product']) }}
            and world.partner_scope = 'world'
    where
        part.partner_scope != 'world'
        and part.flow = 'total'
        and part.product = 'all'
        and part.region_code = {{ report_focus_regions(first_only=true) }}
),

named as (
    select
        shares.*,
        scopes.partner_scope_name_en,
        scopes.scope_kind = 'country' as is_country,
        count(*) over (partition by shares.partner_scope) as release_count,
        row_number() over (partition by shares.partner_scope order by shares.period_end) = 1 as is_first_release,
        row_number() over (partition by shares.partner_scope order by shares.period_end desc) = 1 as is_last_release
    from shares
    inner join scopes
        on shares.partner_scope = scopes.partner_scope
    where shares.share_pct is not null
),

ranked as (
    select
        *,
        cast(
            dense_rank() over (order by is_country asc, release_count desc, partner_scope asc) as bigint
        ) as scope_order
    from named
),

final as (
    select
        region_code,
        region_name_en,
        partner_scope,
        partner_scope_name_en,
        is_country,
        year,
        month_end,
        period_end,
        share_pct,
        is_first_release,
        is_last_release,
        scope_order
    from ranked
    where scope_order <= 8
)

select * from final
