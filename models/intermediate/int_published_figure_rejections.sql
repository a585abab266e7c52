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

scope_in_whole as (
    select
        part.figure_id,
        whole.figure_id as whole_figure_id,
        part.value_native,
        whole.value_native as whole_value_native,
        part.lower_bound_native,
        whole.upper_bound_native as whole_upper_bound_native,
        part.currency
    from selected as part
    inner join nesting
        on
            part.partner_scope = nesting.part_scope
            and (nesting.valid_from is null or part.period_end >= nesting.valid_from)
            and (nesting.valid_to is null or part.period_end < nesting.valid_to)
    inner join selected as whole
        on
            nesting.whole_scope = whole.partner_scope
            and {{ same_fact('part', 'whole', except=['partner_scope']) }}
            and part.currency = whole.currency
),

product_in_parent as (
    select
        part.figure_id,
        whole.figure_id as whole_figure_id,
        part.value_native,
        whole.value_native as whole_value_native,
        part.lower_bound_native,
        whole.upper_bound_native as whole_upper_bound_native,
        part.currency
    from selected as part
    inner join products
        on part.product = products.product
    inner join selected as whole
        on
            products.parent_product = whole.product
            and {{ same_fact('part', 'whole', except=['product']) }}
            and part.currency = whole.currency
),

flow_in_total as (
    select
        part.figure_id,
        whole.figure_id as whole_figure_id,
        part.value_native,
        whole.value_native as whole_value_native,
        part.lower_bound_native,
        whole.upper_bound_native as whole_upper_bound_native,
        part.currency
    from selected as part
    inner join selected as whole
        on
            whole.flow = 'total'
            and {{ same_fact('part', 'whole', except=['flow']) }}
            and part.currency = whole.currency
    where part.flow in ('export', 'import')
),

parts_and_wholes as (
    select * from scope_in_whole
    union all
    select * from product_in_parent
    union all
    select * from flow_in_total
),

part_exceeds_whole as (
    select
        figure_id,
        'part_exceeds_whole' as rule_code,
        min(whole_figure_id) as compared_figure_id,
        max(value_native) as observed_value,
        min(whole_value_native) as expected_value,
        max(currency) as compared_currency
    from parts_and_wholes
    where lower_bound_native > whole_upper_bound_native
    group by figure_id
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
            later.region_code = earlier.region_code
            and later.year = earlier.year
            and later.flow = earlier.flow
            and later.partner_scope = earlier.partner_scope
            and later.product = earlier.product
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
