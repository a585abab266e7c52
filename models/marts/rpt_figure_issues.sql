{#- Published-figure issues (int_figure_issues) and the region-table checks (int_region_table_checks). -#}
{%- set columns = [
    'issue_id', 'figure_id', 'rule_code', 'severity', 'is_excluded_from_facts', 'region_code',
    'period_start', 'period_end', 'flow', 'partner_scope', 'product', 'value_as_printed',
    'unit_as_printed', 'qualifier', 'yoy_as_printed', 'source_kind', 'source_reference',
    'published_on', 'compared_figure_id', 'comparison_currency', 'observed_value',
    'expected_value', 'deviation_pct', 'explanation'
] %}

with

figure_issues as (
    select {{ columns | join(', ') }} from {{ ref('int_figure_issues') }}
),

region_table_issues as (
    select {{ columns | join(', ') }} from {{ ref('int_region_table_checks') }}
),

unioned as (
    select * from figure_issues
    union all
    select * from region_table_issues
)

select * from unioned
