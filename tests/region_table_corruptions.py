"""Altered copies of GACC's region table, one per check: the cell changed, the rule of
rpt_figure_issues (intermediate.int_region_table_checks) that must list it, and the Great
Expectations expectation that must fail. Applied with SQL to raw.gacc_region_table in a copy of
the built warehouse: the staging and intermediate models are views there, so the rules see the
altered table at once, while rpt_figure_issues (a table) still holds the clean build's list."""

from __future__ import annotations

from dataclasses import dataclass


def _bump(column: str, amount: int, period: str, place: str) -> str:
    return (
        f"update raw.gacc_region_table set {column} = cast(cast({column} as bigint) + {amount} as varchar) "
        f"where period = '{period}' and place_as_printed = '{place}'"
    )


@dataclass(frozen=True)
class TableCorruption:
    target: str
    statements: tuple[str, ...]
    rule_code: str | None = None
    figure_id: str | None = None

    @property
    def id(self) -> str:
        return self.target


REGION_TABLE_CORRUPTIONS: tuple[TableCorruption, ...] = (
    # Hebei's June 2024 year to date raised by 1,000 万元: the 31 provinces no longer sum to 总值.
    TableCorruption(
        "r10_region_table_provinces_sum_to_national.within_rounding_or_listed",
        (_bump("total_ytd", 1000, "2024-06", "河北省"),),
        "table_provinces_sum_mismatch",
        "grt:2024-06:000000:total:ytd",
    ),
    # Xinjiang's March 2024 exports raised by 500 万元: exports + imports != total.
    TableCorruption(
        "r10_region_table_flows_add_up.within_rounding_or_listed",
        (_bump("export_month", 500, "2024-03", "新疆维吾尔自治区"),),
        "table_flow_sum_mismatch",
        "grt:2024-03:650000:total:month",
    ),
    # Guangdong's January 2024 month raised by 100 万元 (total and exports, so flows still add up):
    # January's month no longer equals its year to date.
    TableCorruption(
        "r10_region_table_months_match_ytd_differences.within_rounding_or_listed",
        (_bump("total_month", 100, "2024-01", "广东省"), _bump("export_month", 100, "2024-01", "广东省")),
        "table_month_revised",
        "grt:2024-01:440000:total:month",
    ),
    # Beijing's economic-technological development zone made larger than Beijing (June 2024).
    TableCorruption(
        "r10_region_table_parts_within_province.within_rounding_or_listed",
        (_bump("import_ytd", 2_000_000_000, "2024-06", "北京经济技术开发区"),),
        "table_part_exceeds_province",
        "grt:2024-06:110000/北京经济技术开发区:import:ytd",
    ),
    # Xizang's reported January-June 2025 growth replaced by 99.9%.
    TableCorruption(
        "r10_region_table_growth_matches_prior_year.within_rounding_or_listed",
        (
            "update raw.gacc_region_table set total_ytd_yoy_pct = '99.9' "
            "where period = '2025-06' and place_as_printed = '西藏自治区'",
        ),
        "table_growth_mismatch",
        "grt:2025-06:540000:total:yoy",
    ),
    *(
        TableCorruption(f"{check}.has_comparisons", ("delete from raw.gacc_region_table",))
        for check in (
            "r10_region_table_provinces_sum_to_national",
            "r10_region_table_flows_add_up",
            "r10_region_table_months_match_ytd_differences",
            "r10_region_table_parts_within_province",
            "r10_region_table_growth_matches_prior_year",
        )
    ),
)
