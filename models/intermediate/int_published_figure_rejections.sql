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
        on nesting.part_scope = part.partner_scope
    inner join selected as whole
        on
            whole.partner_scope = nesting.whole_scope
            and whole.region_code = part.region_code
            and whole.period_start = part.period_start
            and whole.period_end = part.period_end
            and whole.flow = part.flow
            and whole.product = part.product
            and whole.currency = part.currency
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
            earlier.region_code = later.region_code
            and earlier.year = later.year
            and earlier.flow = later.flow
            and earlier.partner_scope = later.partner_scope
            and earlier.product = later.product
            and earlier.currency = later.currency
            and earlier.month_start = 1
            and earlier.month_end < later.month_end
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
