{#-
    Figures that break a hard rule and are kept out of the facts (they are listed, with the
    numbers compared, in rpt_figure_issues):
    - usd_cny_mismatch: a US-dollar figure that does not match the yuan figure at the rate;
    - part_exceeds_whole: a partner scope larger than a scope that contains it (same region,
      period, flow, product and currency), e.g. a bloc above the world total;
    - ytd_decreasing: a year-to-date figure below an earlier year-to-date figure of the same year.
-#}

with

ranked as (
    select * from {{ ref('int_published_figures_ranked') }}
),

nesting as (
    select * from {{ ref('ref_scope_nesting') }}
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

part_exceeds_whole as (
    select
        part.figure_id,
        'part_exceeds_whole' as rule_code,
        whole.figure_id as compared_figure_id,
        part.value_native as observed_value,
        whole.value_native as expected_value,
        part.currency as compared_currency
    from selected as part
    inner join nesting
        on part.partner_scope = nesting.part_scope
    inner join selected as whole
        on
            nesting.whole_scope = whole.partner_scope
            and {{ same_fact('part', 'whole', except=['partner_scope']) }}
            and part.currency = whole.currency
    where part.lower_bound_native > whole.upper_bound_native
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
