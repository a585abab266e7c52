{#-
    Checks on GACC's region table (latest vintage of each month) and against the other
    sources, in the columns of int_figure_issues; rpt_figure_issues lists both. A table cell is
    named `grt:<YYYY-MM>:<region_code>:<flow>:<month|ytd|yoy>`. All soft: the table is customs'
    own and stays in the facts. Tolerances are the rounding of the printed cells (whole 万元):
    half a 万元 per cell, so 1.5 万元 for a sum of three cells and 16 万元 for 31 provinces.
    - table_provinces_sum_mismatch: the 31 provinces against 总值.
    - table_flow_sum_mismatch: exports + imports against the total.
    - table_month_revised: a month printed against the difference of this table's and the
      previous month's table's year-to-date columns (a later table revised an earlier month).
    - table_part_exceeds_province: a city or zone larger than its province.
    - table_growth_mismatch: customs' year-to-date growth against growth computed from the
      previous year's table, with the base the reported rate implies.
    - press_vs_official_table: a press year-to-date figure the table covers, beyond its rounding.
-#}

with

facts as (
    select * from {{ ref('int_region_table_trade') }}
),

press as (
    select * from {{ ref('int_region_table_press_figures') }}
),

press_figures as (
    select * from {{ ref('int_published_figures_normalised') }}
),

-- one row per printed cell: the month, and the year to date
cells as (
    {% for measure in ['month', 'ytd'] %}
        select
            region_code,
            region_level,
            parent_region_code,
            year,
            month,
            flow,
            '{{ measure }}' as measure,
            value_{{ measure }}_cny as value_cny,
            {{ measure }}_as_printed as value_as_printed
        from facts
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

provinces_sum as (
    select
        year,
        month,
        flow,
        measure,
        sum(value_cny) as provinces_cny,
        count(value_cny) as provinces
    from cells
    where region_level = 'province'
    group by year, month, flow, measure
),

provinces_vs_national as (
    select
        national_cell.region_code,
        national_cell.year,
        national_cell.month,
        national_cell.flow,
        national_cell.measure,
        'table_provinces_sum_mismatch' as rule_code,
        national_cell.value_as_printed,
        cast(null as {{ dbt.type_string() }}) as compared_figure_id,
        national_cell.value_cny as observed_value,
        provinces_sum.provinces_cny as expected_value,
        'The 31 provinces sum to ' || cast(round(provinces_sum.provinces_cny / 10000) as {{ dbt.type_bigint() }})
        || ' 万元 (' || cast(provinces_sum.provinces as {{ dbt.type_string() }}) || ' provinces), beyond the'
        || ' rounding of 31 cells (16 万元) from the national total.' as explanation
    from cells as national_cell
    inner join provinces_sum
        on {{ columns_equal('national_cell', 'provinces_sum', ['year', 'month', 'flow', 'measure']) }}
    where
        national_cell.region_level = 'national'
        and (provinces_sum.provinces <> 31 or abs(national_cell.value_cny - provinces_sum.provinces_cny) > 160000)
),

flow_sums as (
    select
        total.region_code,
        total.year,
        total.month,
        'total' as flow,
        total.measure,
        'table_flow_sum_mismatch' as rule_code,
        total.value_as_printed,
        cast(null as {{ dbt.type_string() }}) as compared_figure_id,
        total.value_cny as observed_value,
        exports.value_cny + imports.value_cny as expected_value,
        'Exports ' || exports.value_as_printed || ' + imports ' || imports.value_as_printed
        || ' 万元 differ from the total beyond the rounding of three cells (1.5 万元).' as explanation
    from cells as total
    inner join cells as exports
        on
            {{ columns_equal('total', 'exports', ['region_code', 'year', 'month', 'measure']) }}
            and exports.flow = 'export'
    inner join cells as imports
        on
            {{ columns_equal('total', 'imports', ['region_code', 'year', 'month', 'measure']) }}
            and imports.flow = 'import'
    where
        total.flow = 'total'
        and abs(total.value_cny - exports.value_cny - imports.value_cny) > 15000
),

month_revised as (
    select
        region_code,
        year,
        month,
        flow,
        'month' as measure,
        'table_month_revised' as rule_code,
        month_as_printed as value_as_printed,
        cast(null as {{ dbt.type_string() }}) as compared_figure_id,
        value_month_cny as observed_value,
        value_month_from_ytd_cny as expected_value,
        'The month as printed differs from the year to date of this table minus that of the previous table'
        || ' by ' || cast(
            cast(round((value_month_cny - value_month_from_ytd_cny) / 10000) as {{ dbt.type_bigint() }})
            as {{ dbt.type_string() }}
        )
        || ' 万元: this table revised an earlier month. The printed month is published.' as explanation
    from facts
    where abs(value_month_cny - value_month_from_ytd_cny) > 15000
),

part_exceeds as (
    select
        part.region_code,
        part.year,
        part.month,
        part.flow,
        part.measure,
        'table_part_exceeds_province' as rule_code,
        part.value_as_printed,
        cast(null as {{ dbt.type_string() }}) as compared_figure_id,
        part.value_cny as observed_value,
        province.value_cny as expected_value,
        'A place inside province ' || part.parent_region_code || ' is larger than the province ('
        || province.value_as_printed || ' 万元).' as explanation
    from cells as part
    inner join cells as province
        on
            part.parent_region_code = province.region_code
            and {{ columns_equal('part', 'province', ['year', 'month', 'flow', 'measure']) }}
    where
        part.region_level not in ('national', 'province')
        and part.value_cny > province.value_cny
),

growth_mismatch as (
    select
        region_code,
        year,
        month,
        flow,
        'yoy' as measure,
        'table_growth_mismatch' as rule_code,
        ytd_as_printed as value_as_printed,
        cast(null as {{ dbt.type_string() }}) as compared_figure_id,
        yoy_pct_reported as observed_value,
        yoy_pct_computed as expected_value,
        'Computed from the table of the previous year (' || cast(
            cast(round(prior_year_ytd_cny / 10000) as {{ dbt.type_bigint() }})
            as {{ dbt.type_string() }}
        )
        || ' 万元) the growth differs by more than {{ var("growth_tolerance_pp") }} points; the reported rate implies'
        || ' a revised base of ' || cast(
            cast(round(implied_prior_year_ytd_cny / 10000) as {{ dbt.type_bigint() }})
            as {{ dbt.type_string() }}
        ) || ' 万元.' as explanation
    from facts
    where abs(yoy_pct_reported - yoy_pct_computed) > {{ var('growth_tolerance_pp') }}
),

table_issues as (
    select * from provinces_vs_national
    union all
    select * from flow_sums
    union all
    select * from month_revised
    union all
    select * from part_exceeds
    union all
    select * from growth_mismatch
),

press_vs_table as (
    select
        press.press_figure_id as figure_id,
        'press_vs_official_table' as rule_code,
        'grt:' || cast(facts.year as {{ dbt.type_string() }}) || '-'
        || lpad(cast(facts.month as {{ dbt.type_string() }}), 2, '0') || ':' || facts.region_code
        || ':' || facts.flow || ':ytd' as compared_figure_id,
        press.press_value_cny as observed_value,
        facts.value_ytd_cny as expected_value,
        'The GACC region table prints ' || facts.ytd_as_printed || ' 万元 for this period, outside the'
        || ' rounding of the press figure; the table is published, the press figure kept for comparison.'
            as explanation
    from press
    inner join facts
        on {{ columns_equal('press', 'facts', ['region_code', 'year', 'month', 'flow']) }}
    where
        facts.value_ytd_cny < coalesce(press.press_lower_bound_cny, press.press_value_cny) - 5000
        or facts.value_ytd_cny > coalesce(press.press_upper_bound_cny, press.press_value_cny) + 5000
),

described_table as (
    select
        'grt:'
        || cast(table_issues.year as {{ dbt.type_string() }})
        || '-'
        || lpad(cast(table_issues.month as {{ dbt.type_string() }}), 2, '0')
        || ':' || table_issues.region_code || ':' || table_issues.flow || ':' || table_issues.measure as figure_id,
        table_issues.*,
        cast(
            cast(table_issues.year as {{ dbt.type_string() }})
            || '-'
            || lpad(cast(table_issues.month as {{ dbt.type_string() }}), 2, '0')
            || '-01' as date
        ) as month_date
    from table_issues
),

unioned as (
    select
        figure_id || ':' || rule_code as issue_id,
        figure_id,
        rule_code,
        'soft' as severity,
        false as is_excluded_from_facts,
        region_code,
        case
            when measure = 'month' then month_date
            else cast({{ dbt.date_trunc('year', 'month_date') }} as date)
        end as period_start,
        cast({{ dbt.last_day('month_date', 'month') }} as date) as period_end,
        flow,
        'world' as partner_scope,
        'all' as product,
        value_as_printed,
        case when measure = 'yoy' then '%' else '万人民币' end as unit_as_printed,
        cast(null as {{ dbt.type_string() }}) as qualifier,
        cast(null as {{ dbt.type_string() }}) as yoy_as_printed,
        'customs' as source_kind,
        'customs.gov.cn: 进出口商品收发货人所在地总值表' as source_reference,
        cast(null as date) as published_on,
        compared_figure_id,
        case when measure = 'yoy' then 'pct' else 'CNY' end as comparison_currency,
        cast(observed_value as double) as observed_value,
        cast(expected_value as double) as expected_value,
        explanation
    from described_table
    union all
    select
        press_vs_table.figure_id || ':' || press_vs_table.rule_code as issue_id,
        press_vs_table.figure_id,
        press_vs_table.rule_code,
        'soft' as severity,
        false as is_excluded_from_facts,
        press_figures.region_code,
        press_figures.period_start,
        press_figures.period_end,
        press_figures.flow,
        press_figures.partner_scope,
        press_figures.product,
        press_figures.value_as_printed,
        press_figures.unit_as_printed,
        press_figures.qualifier,
        press_figures.yoy_as_printed,
        press_figures.source_kind,
        press_figures.source_reference,
        press_figures.published_on,
        press_vs_table.compared_figure_id,
        'CNY' as comparison_currency,
        cast(press_vs_table.observed_value as double) as observed_value,
        cast(press_vs_table.expected_value as double) as expected_value,
        press_vs_table.explanation
    from press_vs_table
    inner join press_figures
        on press_vs_table.figure_id = press_figures.figure_id
),

final as (
    select
        *,
        case
            when expected_value <> 0 and comparison_currency <> 'pct'
                then 100 * (observed_value / expected_value - 1)
        end as deviation_pct
    from unioned
)

select * from final
