{#-
    Figures that break a hard rule and are kept out of the facts (they are listed, with the
    numbers compared, in rpt_figure_issues):
    - usd_cny_mismatch: a US-dollar figure that does not match the yuan figure at the rate;
    - part_exceeds_whole: a part larger than its whole (same region, period and currency, the
      rest of the fact equal): a partner scope above a scope that contains it at the time (a
      bloc above the world, a country above its bloc: int_partner_scope_nesting), a product
      above its parent group (ref_products.parent_product: a new-three product above new_three),
      exports or imports above the total;
    - ytd_decreasing: a year-to-date figure below an earlier year-to-date figure of the same year.
-#}

with

ranked as (
    select * from {{ ref('int_published_figures_ranked') }}
),

nesting as (
    select * from {{ ref('int_partner_scope_nesting') }}
),

products as (
    select * from {{ ref('ref_products') }}
),

selected as (
    select * from ranked
    where is_selected
),

usd_cny_mismatch as (
    select
        figure_id,
        'usd_cny_mismatch' as rule_code,
        usd_checked_against_figure_id as compared_figure_id,
        value_native as observed_value,
        usd_expected_from_cny as expected_value,
        'USD' as compared_currency
    from ranked
    where is_usd_cny_mismatch
),

-- where each selected part's whole is: the same fact and currency but for one key column, which
-- holds the whole's value (a scope that contains the part's at its period end, the product's
-- parent group, or 'total' for exports and imports)
scope_in_whole as (
    select
        part.figure_id,
        nesting.whole_scope as partner_scope,
        part.product,
        part.flow
    from selected as part
    inner join nesting
        on
            part.partner_scope = nesting.part_scope
            and (nesting.valid_from is null or part.period_end >= nesting.valid_from)
            and (nesting.valid_to is null or part.period_end < nesting.valid_to)
),

product_in_parent as (
    select
        part.figure_id,
        part.partner_scope,
        products.parent_product as product,
        part.flow
    from selected as part
    inner join products
        on part.product = products.product
),

flow_in_total as (
    select
        figure_id,
        partner_scope,
        product,
        'total' as flow
    from selected
    where flow in ('export', 'import')
),

wholes_of_parts as (
    select * from scope_in_whole
    union all
    select * from product_in_parent
    union all
    select * from flow_in_total
),

part_exceeds_whole as (
    select
        part.figure_id,
        'part_exceeds_whole' as rule_code,
        min(whole.figure_id) as compared_figure_id,
        max(part.value_native) as observed_value,
        min(whole.value_native) as expected_value,
        max(part.currency) as compared_currency
    from wholes_of_parts
    inner join selected as part
        on wholes_of_parts.figure_id = part.figure_id
    inner join selected as whole
        on
            {{ columns_equal('wholes_of_parts', 'whole', ['partner_scope', 'product', 'flow']) }}
            and {{ same_fact('part', 'whole', except=['partner_scope', 'product', 'flow']) }}
            and part.currency = whole.currency
    where part.lower_bound_native > whole.upper_bound_native
    group by part.figure_id
),

ytd_decreasing as (
    select
        later.figure_id,
        'ytd_decreasing' as rule_code,
        max(earlier.figure_id) as compared_figure_id,
        max(later.value_native) as observed_value,
        max(earlier.value_native) as expected_value,
        max(later.currency) as compared_currency
    from selected as later
    inner join selected as earlier
        on
            {{ columns_equal('later', 'earlier', ['region_code', 'year', 'flow', 'partner_scope', 'product']) }}
            and later.currency = earlier.currency
            and earlier.month_start = 1
            and later.month_end > earlier.month_end
    where
        later.month_start = 1
        and later.period_kind in ('ytd', 'year')
        and earlier.period_kind in ('ytd', 'year')
        and later.upper_bound_native < earlier.lower_bound_native
    group by later.figure_id
),

unioned as (
    select * from usd_cny_mismatch
    union all
    select * from part_exceeds_whole
    union all
    select * from ytd_decreasing
)

select * from unioned
