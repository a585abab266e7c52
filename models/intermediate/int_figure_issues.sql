{#-
    Every published figure that fails a consistency check, one row per figure and rule, with the
    numbers compared. Hard rules keep the figure out of the facts; soft rules list it and keep
    it (the finding is worth knowing, the figure is still the best there is).
-#}

{#- a monthly series: one region's flow with one partner scope and product, month after month -#}
{%- set series = ['region_code', 'flow', 'partner_scope', 'product'] -%}

with

figures as (
    select * from {{ ref('int_published_figures_ranked') }}
),

rejections as (
    select * from {{ ref('int_published_figure_rejections') }}
),

ytd as (
    select * from {{ ref('int_region_trade_ytd') }}
),

monthly as (
    select * from {{ ref('int_region_trade_monthly') }}
),

implied_revisions as (
    select * from {{ ref('int_implied_base_revisions') }}
),

hard as (
    select
        rejections.figure_id,
        rejections.rule_code,
        'hard' as severity,
        rejections.compared_figure_id,
        rejections.observed_value,
        rejections.expected_value,
        rejections.compared_currency as comparison_currency,
        case rejections.rule_code
            when 'usd_cny_mismatch'
                then
                    'The US-dollar figure does not match the yuan figure ' || rejections.compared_figure_id
                    -- chr(39), the apostrophe: Spark reads 'period''s' as 'period' 's' ("periods")
                    || ' at the period' || chr(39) || 's exchange rates: expected about '
                    || cast(round(rejections.expected_value / 1e6, 1) as {{ dbt.type_string() }})
                    || ' million US dollars, printed '
                    || cast(round(rejections.observed_value / 1e6, 2) as {{ dbt.type_string() }}) || ' million ('
                    || cast(round(rejections.expected_value / rejections.observed_value, 2) as {{ dbt.type_string() }})
                    || ' times too small'
                    || case
                        when rejections.expected_value / rejections.observed_value between 9 and 11.5
                            then ': a decimal-place error, off by ten times'
                        else ''
                    end
                    || '). Kept out of the facts; the US-dollar value is converted from yuan instead.'
            when 'part_exceeds_whole'
                then
                    'A part is larger than its whole: this figure exceeds ' || rejections.compared_figure_id
                    || ' (a scope that contains its partner scope, its product' || chr(39) || 's parent group, or the'
                    || ' total of its flow) for the same region and period. Kept out of the facts.'
            when 'ytd_decreasing' then
                'Year-to-date value below the earlier year-to-date figure ' || rejections.compared_figure_id
                || ' of the same year: cumulative figures cannot fall. Kept out of the facts.'
        end as explanation
    from rejections
),

revised as (
    select
        earlier.figure_id,
        'revised' as rule_code,
        'soft' as severity,
        earlier.revised_by_figure_id as compared_figure_id,
        earlier.value_native as observed_value,
        later.value_native as expected_value,
        earlier.currency as comparison_currency,
        'Superseded by a later publication of the same figure (' || earlier.revised_by_figure_id
        || ', published ' || cast(later.published_on as {{ dbt.type_string() }})
        || ') that differs beyond rounding; the later vintage is published.' as explanation
    from figures as earlier
    inner join figures as later
        on earlier.revised_by_figure_id = later.figure_id
),

sources_disagree as (
    select
        other.figure_id,
        case
            when other.printed_language <> chosen.printed_language then 'sources_disagree_across_languages'
            else 'sources_disagree'
        end as rule_code,
        'soft' as severity,
        chosen.figure_id as compared_figure_id,
        other.value_native as observed_value,
        chosen.value_native as expected_value,
        other.currency as comparison_currency,
        'Disagrees beyond rounding with ' || chosen.figure_id || ' (' || chosen.value_as_printed
        || '), the more precise or more authoritative figure for the same fact, which is published.'
        || case
            when other.printed_language <> chosen.printed_language
                then
                    ' Printed in another language (' || other.printed_language || ' vs '
                    || chosen.printed_language || '): check the translation or the conversion of the number.'
            else ''
        end as explanation
    from figures as other
    inner join figures as chosen
        on
            {{ same_fact('other', 'chosen') }}
            and other.currency = chosen.currency
            and chosen.is_selected
    where
        not other.is_selected
        and other.revised_by_figure_id is null
        and not other.is_usd_cny_mismatch
        and other.value_native is not null
        and not {{ intervals_overlap('other', 'chosen') }}
),

flows as (
    select
        total.region_code,
        total.period_start,
        total.period_end,
        total.partner_scope,
        total.product,
        total.figure_id_cny as figure_id,
        total.value_cny as total_cny,
        exports.value_cny + imports.value_cny as export_plus_import_cny,
        exports.figure_id_cny as export_figure_id,
        imports.figure_id_cny as import_figure_id,
        total.lower_bound_cny as total_low,
        total.upper_bound_cny as total_high,
        exports.lower_bound_cny + imports.lower_bound_cny as parts_low,
        exports.upper_bound_cny + imports.upper_bound_cny as parts_high
    from ytd as total
    inner join ytd as exports
        on
            {{ same_fact('total', 'exports', except=['flow']) }}
            and exports.flow = 'export'
    inner join ytd as imports
        on
            {{ same_fact('total', 'imports', except=['flow']) }}
            and imports.flow = 'import'
    where
        total.flow = 'total'
        and total.figure_id_cny is not null
        and exports.figure_id_cny is not null
        and imports.figure_id_cny is not null
),

flow_sum_mismatch as (
    select
        figure_id,
        'flow_sum_mismatch' as rule_code,
        'soft' as severity,
        export_figure_id || '+' || import_figure_id as compared_figure_id,
        total_cny as observed_value,
        export_plus_import_cny as expected_value,
        'CNY' as comparison_currency,
        'Exports (' || export_figure_id || ') plus imports (' || import_figure_id
        || ') differ from the total beyond the rounding of the three figures.' as explanation
    from flows
    where
        total_low > coalesce(parts_high, total_low)
        or parts_low > coalesce(total_high, parts_low)
),

growth_mismatch as (
    select
        coalesce(figure_id_growth, figure_id_cny) as figure_id,
        'growth_mismatch' as rule_code,
        'soft' as severity,
        prior_year_figure_id as compared_figure_id,
        yoy_pct_reported as observed_value,
        yoy_pct_computed as expected_value,
        'pct' as comparison_currency,
        'Reported growth ' || cast(yoy_pct_reported as {{ dbt.type_string() }}) || '% vs '
        || cast(round(yoy_pct_computed, 1) as {{ dbt.type_string() }}) || '% computed from the prior-year figure '
        || prior_year_figure_id || ' (' || cast(round(prior_year_value_cny / 1e9, 2) as {{ dbt.type_string() }})
        || ' bn yuan). The reported rate implies a prior-year base of '
        || cast(round(value_cny / (1 + yoy_pct_reported / 100) / 1e9, 2) as {{ dbt.type_string() }})
        || ' bn yuan: customs compute growth on revised prior-year data.' as explanation
    from ytd
    where abs(yoy_pct_reported - yoy_pct_computed) > {{ var('growth_tolerance_pp') }}
),

monthly_revision as (
    select
        reported.figure_id,
        'monthly_reported_vs_derived' as rule_code,
        'soft' as severity,
        derived.figure_id || '-' || derived.subtracted_figure_id as compared_figure_id,
        reported.value_cny as observed_value,
        derived.value_cny as expected_value,
        'CNY' as comparison_currency,
        'The single-month figure differs from the difference of the year-to-date figures '
        || derived.figure_id || ' and ' || derived.subtracted_figure_id
        || ' (revisions do that). Both are kept; the reported month is published.' as explanation
    from monthly as reported
    inner join monthly as derived
        on
            {{ columns_equal('reported', 'derived', series + ['year', 'month_start', 'month']) }}
            and derived.value_basis = 'derived'
    where
        reported.value_basis = 'reported'
        and abs(reported.value_cny - derived.value_cny) > 0.001 * reported.value_cny
),

large_change_without_growth as (
    select
        coalesce(figure_id_cny, figure_id_usd) as figure_id,
        'large_change_without_growth' as rule_code,
        'soft' as severity,
        prior_year_figure_id as compared_figure_id,
        yoy_pct_computed as observed_value,
        cast(null as double) as expected_value,
        'pct' as comparison_currency,
        'Computed change of ' || cast(round(yoy_pct_computed, 1) as {{ dbt.type_string() }})
        || '% over the prior-year figure ' || prior_year_figure_id
        || ', beyond +/-' || cast({{ var('large_change_pct') }} as {{ dbt.type_string() }})
        || '%, and the release printed no growth: check both figures (period, scope, unit).' as explanation
    from ytd
    where
        yoy_pct_reported is null
        and growth_multiple_reported is null
        and abs(yoy_pct_computed) > {{ var('large_change_pct') }}
),

base_revised_by_growth as (
    select
        revised_figure_id as figure_id,
        'base_revised_by_growth' as rule_code,
        'soft' as severity,
        figure_id as compared_figure_id,
        published_base_cny as observed_value,
        implied_base_cny as expected_value,
        'CNY' as comparison_currency,
        'The growth rate reported with ' || figure_id || ' implies that this prior-year figure was revised to '
        || cast(round(implied_base_cny / 1e9, 2) as {{ dbt.type_string() }})
        || ' bn yuan (intermediate.int_implied_base_revisions).' as explanation
    from implied_revisions
),

month_rates as (
    select
        region_code,
        flow,
        partner_scope,
        product,
        figure_id,
        subtracted_figure_id,
        year,
        month_start,
        month,
        value_cny / months_covered as monthly_rate_cny
    from monthly
    where value_basis = 'derived' and value_cny is not null
),

series_medians as (
    select
        {{ series | join(', ') }},
        {{ median_of('monthly_rate_cny') }} as median_rate_cny,
        count(*) as months_in_series
    from month_rates
    group by {{ series | join(', ') }}
),

month_deviations as (
    select
        month_rates.*,
        series_medians.median_rate_cny,
        series_medians.months_in_series,
        abs(month_rates.monthly_rate_cny - series_medians.median_rate_cny) as absolute_deviation
    from month_rates
    inner join series_medians
        on {{ columns_equal('month_rates', 'series_medians', series) }}
),

series_spreads as (
    select
        {{ series | join(', ') }},
        -- the median absolute deviation: a robust spread, unmoved by the outlier itself
        {{ median_of('absolute_deviation') }} as median_absolute_deviation
    from month_deviations
    group by {{ series | join(', ') }}
),

month_out_of_line as (
    select
        month_deviations.figure_id,
        'month_out_of_line' as rule_code,
        'soft' as severity,
        month_deviations.subtracted_figure_id as compared_figure_id,
        month_deviations.monthly_rate_cny as observed_value,
        month_deviations.median_rate_cny as expected_value,
        'CNY' as comparison_currency,
        'The month derived from this figure (' || cast(month_deviations.year as {{ dbt.type_string() }})
        || ', months ' || cast(month_deviations.month_start as {{ dbt.type_string() }}) || '-'
        || cast(month_deviations.month as {{ dbt.type_string() }}) || ': '
        || cast(round(month_deviations.monthly_rate_cny / 1e9, 2) as {{ dbt.type_string() }})
        || ' bn yuan a month) is far out of line with the series' || chr(39) || ' median of '
        || cast(round(month_deviations.median_rate_cny / 1e9, 2) as {{ dbt.type_string() }})
        || ' bn: a loose or wrong year-to-date figure here or in '
        || coalesce(month_deviations.subtracted_figure_id, '-') || ' makes one month absurd.' as explanation
    from month_deviations
    inner join series_spreads
        on {{ columns_equal('month_deviations', 'series_spreads', series) }}
    where
        month_deviations.months_in_series >= {{ var('month_outlier_min_months') }}
        and month_deviations.absolute_deviation
        > {{ var('month_outlier_mad_threshold') }} * 1.4826 * series_spreads.median_absolute_deviation
        and month_deviations.absolute_deviation > {{ var('month_outlier_min_gap_pct') }} / 100.0
        * month_deviations.median_rate_cny
),

scope_out_of_use as (
    select
        figure_id,
        'scope_out_of_use' as rule_code,
        'soft' as severity,
        cast(null as {{ dbt.type_string() }}) as compared_figure_id,
        cast(null as double) as observed_value,
        cast(null as double) as expected_value,
        cast(null as {{ dbt.type_string() }}) as comparison_currency,
        'Customs used the scope ' || partner_scope || ' for periods ending '
        || coalesce('from ' || cast(scope_valid_from as {{ dbt.type_string() }}), '')
        || coalesce(' until ' || cast(scope_valid_to as {{ dbt.type_string() }}), '')
        || '; this period ends ' || cast(period_end as {{ dbt.type_string() }})
        || ' (the other Belt and Road definition?). Kept, but never used for growth or monthly differences.'
            as explanation
    from figures
    where not is_scope_in_use
),

unioned as (
    select * from hard
    union all
    select * from revised
    union all
    select * from sources_disagree
    union all
    select * from flow_sum_mismatch
    union all
    select * from growth_mismatch
    union all
    select * from monthly_revision
    union all
    select * from large_change_without_growth
    union all
    select * from base_revised_by_growth
    union all
    select * from month_out_of_line
    union all
    select * from scope_out_of_use
),

described as (
    select
        unioned.figure_id || ':' || unioned.rule_code as issue_id,
        unioned.figure_id,
        unioned.rule_code,
        unioned.severity,
        unioned.severity = 'hard' as is_excluded_from_facts,
        figures.region_code,
        figures.period_start,
        figures.period_end,
        figures.flow,
        figures.partner_scope,
        figures.product,
        figures.value_as_printed,
        figures.unit_as_printed,
        figures.qualifier,
        figures.yoy_as_printed,
        figures.source_kind,
        figures.source_reference,
        figures.published_on,
        unioned.compared_figure_id,
        unioned.comparison_currency,
        unioned.observed_value,
        unioned.expected_value,
        case
            when unioned.expected_value <> 0 and unioned.comparison_currency <> 'pct'
                then 100 * (unioned.observed_value / unioned.expected_value - 1)
        end as deviation_pct,
        unioned.explanation
    from unioned
    inner join figures
        on unioned.figure_id = figures.figure_id
)

select * from described
