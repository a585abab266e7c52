{#-
    The report's failed-figures section: every row of rpt_figure_issues with the region's name
    and how many figures broke the same rule.
-#}

with

issues as (
    select * from {{ ref('rpt_figure_issues') }}
),

regions as (
    select * from {{ ref('dim_region') }}
),

final as (
    select
        issues.issue_id,
        issues.figure_id,
        issues.rule_code,
        issues.severity,
        issues.is_excluded_from_facts,
        issues.region_code,
        regions.region_name_en,
        issues.period_start,
        issues.period_end,
        issues.flow,
        issues.partner_scope,
        issues.product,
        issues.value_as_printed,
        issues.comparison_currency,
        issues.observed_value,
        issues.expected_value,
        issues.deviation_pct,
        issues.explanation,
        count(*) over (partition by issues.rule_code) as rule_issue_count
    from issues
    left join regions
        on issues.region_code = regions.region_code
)

select * from final
