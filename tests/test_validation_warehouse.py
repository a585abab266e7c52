"""The real suites on a real build: clean passes; every expectation fails when its total is broken.

One `dbt build` per session (conftest.built_warehouse); each test corrupts its own copy with
plain SQL (read-write DuckDB), validates it, and checks that the expectation it targets fails
and is named. Other expectations may fail too (a raised value breaks several independent
totals at once); the target must be among them, and the clean build must pass.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from gacc_helpers import MARTS as GACC_MARTS
from gacc_helpers import land_fixture_months
from region_table_corruptions import REGION_TABLE_CORRUPTIONS
from tradewh import build as build_module
from tradewh.dbt import run_dbt
from tradewh.validation import validate_warehouse
from tradewh.validation_spec import load_spec

XJ = "region_code = '650000'"
XJ_JULY_2023_MONTH = (
    f"{XJ} and year = 2023 and month_start = 7 and month = 7 and flow = 'total'"
    " and partner_scope = 'world' and product = 'all' and value_basis = 'derived'"
)
XJ_JAN_JUL_2023 = f"{XJ} and year = 2023 and month_end = 7 and flow = 'total' and product = 'all'"


@dataclass(frozen=True)
class Corruption:
    """SQL that breaks exactly one total; ``row_key`` (if given) must appear in the failure detail."""

    target: str
    statements: tuple[str, ...]
    row_key: str | None = None
    label: str = ""

    @property
    def id(self) -> str:
        return f"{self.target}[{self.label}]" if self.label else self.target


CORRUPTIONS: tuple[Corruption, ...] = (
    # Rule 1: Xinjiang January-June 2023 exports raised by 5 bn yuan.
    Corruption(
        "r1_exports_plus_imports_equal_total.flows_add_up",
        (
            f"update marts.fct_region_trade_ytd set value_cny = value_cny + 5e9 where {XJ} and year = 2023"
            " and month_end = 6 and flow = 'export' and partner_scope = 'world' and product = 'all'",
        ),
        row_key="650000|2023|6|world|all|CNY",
    ),
    Corruption(
        "r1_exports_plus_imports_equal_total.flows_add_up",
        (
            f"update marts.fct_region_trade_ytd set value_cny = null where {XJ} and year = 2023"
            " and month_end = 6 and flow = 'export' and partner_scope = 'world' and product = 'all'",
        ),
        row_key="650000|2023|6|world|all|CNY",
        label="missing value is a failure, not skipped",
    ),
    Corruption(
        "r1_exports_plus_imports_equal_total.has_comparisons",
        ("delete from marts.fct_region_trade_ytd where flow = 'import'",),
    ),
    # Rule 2 (required example): Belt and Road (along) January-July 2023 set above the world total.
    Corruption(
        "r2_parts_within_whole.part_not_above_whole",
        (
            f"update marts.fct_region_trade_ytd set value_cny = 190e9"
            f" where {XJ_JAN_JUL_2023} and partner_scope = 'belt_and_road_along'",
        ),
        row_key="650000|2023|7|total|all|belt_and_road_along<=world|CNY",
    ),
    Corruption(
        "r2_parts_within_whole.part_not_above_whole",
        (
            f"update marts.fct_region_trade_ytd set value_cny = null"
            f" where {XJ_JAN_JUL_2023} and partner_scope = 'belt_and_road_along'",
        ),
        row_key="650000|2023|7|total|all|belt_and_road_along<=world|CNY",
        label="missing value is a failure, not skipped",
    ),
    Corruption(
        "r2_parts_within_whole.has_comparisons",
        (
            "delete from reference.ref_scope_nesting",
            "delete from reference.ref_countries",
            "delete from reference.ref_bloc_membership",
        ),
    ),
    # Rule 3 (required example): Guangdong 2023 raised by half.
    Corruption(
        "r3_provinces_match_national_total.within_0_1_pct",
        (
            "update marts.fct_province_trade_annual set value_usd = value_usd * 1.5, value_cny = value_cny * 1.5"
            " where region_code = '440000' and year = 2023",
        ),
        row_key="2023",
    ),
    Corruption(
        "r3_provinces_match_national_total.all_31_provinces",
        ("delete from marts.fct_province_trade_annual where region_code = '540000' and year = 2023",),
    ),
    Corruption(
        "r3_provinces_match_national_total.has_national_figure",
        ("delete from raw.customs_published_figures where figure_id = 'cn-2023-total-usd'",),
    ),
    Corruption(
        "r3_macro_regions_sum_to_provinces.groups_add_up",
        (
            "update marts.rpt_macro_region_trade_annual set value_usd = value_usd + 1e9"
            " where macro_region = 'West' and year = 2023",
        ),
        row_key="West|2023",
    ),
    Corruption(
        "r3_macro_regions_sum_to_provinces.has_groups",
        ("delete from marts.rpt_macro_region_trade_annual", "delete from marts.fct_province_trade_annual"),
    ),
    # Rule 4: the raw seed says something else than the mart (Xinjiang-Kazakhstan Q1 2023).
    Corruption(
        "r4_marts_match_raw_sources.totals_match",
        ("update raw.customs_published_figures set value = '24.81' where figure_id = 'xj-29'",),
        row_key="fct_region_trade_ytd|650000|CNY",
    ),
    Corruption(
        "r4_marts_match_raw_sources.has_totals",
        (
            "delete from raw.customs_published_figures",
            "delete from raw.nbs_trade_by_importer_location_annual",
            "delete from marts.fct_region_trade_ytd",
            "delete from marts.fct_region_trade_monthly",
            "delete from marts.fct_province_trade_annual",
        ),
    ),
    # Rule 5 (required example): Xinjiang July 2023 (derived) raised by 5 bn yuan.
    Corruption(
        "r5_monthly_sums_back_to_ytd.months_add_up_to_ytd",
        (f"update marts.fct_region_trade_monthly set value_cny = value_cny + 5e9 where {XJ_JULY_2023_MONTH}",),
        row_key="650000|2023|7-7|total|world|all",
    ),
    Corruption(
        "r5_monthly_sums_back_to_ytd.cny_not_negative",
        (f"update marts.fct_region_trade_monthly set value_cny = -value_cny where {XJ_JULY_2023_MONTH}",),
    ),
    Corruption(
        "r5_monthly_sums_back_to_ytd.usd_not_negative",
        (f"update marts.fct_region_trade_monthly set value_usd = -value_usd where {XJ_JULY_2023_MONTH}",),
    ),
    Corruption(
        "r5_monthly_sums_back_to_ytd.has_months",
        ("delete from marts.fct_region_trade_monthly where value_basis = 'derived'",),
    ),
    # Rule 6: Xinjiang January-September 2023 below January-July.
    Corruption(
        "r6_ytd_never_falls.never_falls",
        (
            f"update marts.fct_region_trade_ytd set value_cny = 100e9 where {XJ} and year = 2023 and month_end = 9"
            " and flow = 'total' and partner_scope = 'world' and product = 'all'",
        ),
        row_key="650000|2023|7->9|total|world|all|CNY",
    ),
    Corruption(
        "r6_ytd_never_falls.has_comparisons",
        ("update marts.fct_region_trade_ytd set figure_id_cny = null, figure_id_usd = null",),
    ),
    # Rule 7: a printed dollar figure ten times too small; a conversion at another rate.
    Corruption(
        "r7_usd_agrees_with_cny.printed_pairs_agree",
        ("update marts.fct_region_trade_ytd set value_usd = value_usd / 10 where figure_id_usd = 'xj-51-usd'",),
        row_key="650000|2023|11|total|world|all",
    ),
    Corruption("r7_usd_agrees_with_cny.has_pairs", ("update marts.fct_region_trade_ytd set figure_id_usd = null",)),
    Corruption(
        "r7_conversions_use_period_rate.converted_at_period_rate",
        (f"update marts.fct_region_trade_monthly set value_usd = value_usd * 1.01 where {XJ_JULY_2023_MONTH}",),
    ),
    Corruption(
        "r7_conversions_use_period_rate.has_conversions",
        (
            "delete from marts.fct_region_trade_monthly",
            "delete from marts.fct_province_trade_annual",
            "delete from marts.fct_region_trade_ytd where (figure_id_cny is null) <> (figure_id_usd is null)",
        ),
    ),
    # Rule 8: reported growth far from the computed one; the mart's computed growth off.
    Corruption(
        "r8_growth_matches_prior_year.reported_growth_agrees",
        ("update marts.fct_region_trade_ytd set yoy_pct_reported = 70 where figure_id_cny = 'xj-26'",),
        row_key="650000|2023|3|total|world|all|CNY",
    ),
    Corruption(
        "r8_growth_matches_prior_year.reported_growth_agrees",
        ("delete from marts.rpt_figure_issues where figure_id = 'xj-43' and rule_code = 'growth_mismatch'",),
        row_key="650000|2023|7|total|world|all|CNY",
        label="known gap no longer listed",
    ),
    Corruption(
        "r8_growth_matches_prior_year.reported_growth_agrees",
        (
            "update marts.rpt_figure_issues set explanation = 'Reported growth differs from computed growth.'"
            " where figure_id = 'xj-43' and rule_code = 'growth_mismatch'",
        ),
        row_key="650000|2023|7|total|world|all|CNY",
        label="listed without the implied base",
    ),
    Corruption(
        "r8_growth_matches_prior_year.mart_growth_is_computed_from_mart_values",
        (
            "update marts.fct_region_trade_ytd set yoy_pct_computed = yoy_pct_computed + 1"
            " where figure_id_cny = 'xj-22'",
        ),
    ),
    Corruption(
        "r8_growth_matches_prior_year.has_comparisons",
        ("update marts.fct_region_trade_ytd set yoy_pct_reported = null",),
    ),
    # Rule 9: structure.
    Corruption("r9_marts_not_empty.every_mart_has_rows", ("delete from marts.dim_bloc",), row_key="dim_bloc"),
    Corruption(
        "r9_row_counts_match_inputs.counts_match",
        ("delete from marts.dim_region where region_code = '110000'",),
        row_key="dim_region",
    ),
    Corruption(
        "r9_grain_and_codes.no_offending_rows",
        ("update marts.fct_region_trade_ytd set partner_scope = 'atlantis' where figure_id_cny = 'xj-09'",),
        row_key="facts: partner_scope neither in reference.ref_partner_scopes nor a country",
    ),
)


# The GACC detail marts are empty in a clean build (no platform exports landed): these cases run on
# a build of the GACC models from the fixture exports (tests/fixtures/gacc), validated with the
# GACC suites only.
GACC_CORRUPTIONS: tuple[Corruption, ...] = (
    Corruption(
        "r4_gacc_marts_match_landed_queries.totals_match",
        (
            "update intermediate.int_gacc_query_vintages"
            " set value_total_in_query_currency = value_total_in_query_currency + 1000"
            " where region_code = '650000' and year = 2023 and month = 7 and flow = 'import' and is_published",
        ),
        row_key="650000|2023|7|import|CNY",
    ),
    Corruption(
        "r1_gacc_exports_plus_imports_equal_total.flows_add_up",
        (
            "update marts.fct_region_partner_trade_monthly set value_cny = value_cny + 1000"
            " where region_code = '650000' and year = 2023 and month = 7 and flow = 'import'",
        ),
        row_key="650000|2023|7|CNY",
    ),
    Corruption(
        "r2_gacc_partners_sum_to_world.partners_sum_to_world",
        (
            "update marts.fct_region_partner_trade_monthly set value_usd = value_usd + 1000"
            " where region_code = '650000' and year = 2023 and month = 7 and flow = 'export' and partner_iso3 = 'KAZ'",
        ),
        row_key="650000|2023|7|export|USD",
    ),
    Corruption(
        "r2_gacc_blocs_within_world.bloc_not_above_world",
        (
            "update marts.fct_region_bloc_trade_monthly set value_usd = value_usd + 5000000"
            " where region_code = '650000' and year = 2023 and month = 7 and flow = 'import'"
            " and bloc_code = 'central_asia_5'",
        ),
        row_key="650000|2023|7|import|central_asia_5|USD",
    ),
    Corruption(
        "r2_gacc_blocs_within_world.bloc_is_sum_of_members",
        (
            "update marts.fct_region_bloc_trade_monthly set value_usd = value_usd + 1000"
            " where region_code = '650000' and year = 2020 and month = 1 and flow = 'export' and bloc_code = 'eu'",
        ),
        row_key="650000|2020|1|export|eu|USD",
    ),
)
GACC_SUITES = sorted({case.target.split(".")[0] for case in GACC_CORRUPTIONS})


@pytest.fixture(scope="module")
def gacc_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The GACC models (and their parents) built from the fixture exports landed in a temp zone.

    Set TRADEWH_TEST_GACC_WAREHOUSE to such a build to skip it while iterating.
    """
    prebuilt = os.environ.get("TRADEWH_TEST_GACC_WAREHOUSE")
    if prebuilt:
        return Path(prebuilt).resolve()
    root = tmp_path_factory.mktemp("gacc_built")
    landing = root / "landing"
    land_fixture_months(landing)  # complete in partner, trade_mode and region: whole queries, no filtered lists
    database = root / "gacc.duckdb"
    selection = ["--select", *(f"+{mart}" for mart in GACC_MARTS), "--indirect-selection", "cautious"]
    run_dbt(
        ["build", "--quiet", *selection],
        database=database,
        target_path=root / "target",
        extra_env={"TRADEWH_LANDING_ROOT": str(landing)},
        capture=True,
    )
    return database


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _corrupt(path: Path, statements: tuple[str, ...]) -> None:
    with duckdb.connect(str(path)) as connection:
        for statement in statements:
            connection.execute(statement)
        connection.execute("checkpoint")


def test_every_expectation_has_a_corruption_test() -> None:
    declared = {name for check in load_spec() for name in check.expectation_names()}
    covered = {case.target for case in (*CORRUPTIONS, *GACC_CORRUPTIONS, *REGION_TABLE_CORRUPTIONS)}
    assert declared - covered == set(), "add a Corruption case for these expectations"
    assert covered - declared == set(), "these Corruption cases target expectations that no longer exist"


def test_clean_build_passes_and_writes_data_docs(warehouse_copy: Path) -> None:
    before = _sha256(warehouse_copy)
    report = validate_warehouse(warehouse_copy)
    assert report.success, report.summary()
    assert len(report.outcomes) == sum(len(c.expectations) for c in load_spec())
    assert report.data_docs_index == warehouse_copy.parent / "data_docs" / "index.html"
    assert report.data_docs_index.is_file()
    assert _sha256(warehouse_copy) == before, "validation must not write to the warehouse"


@pytest.mark.parametrize("case", CORRUPTIONS, ids=lambda case: case.id)
def test_broken_total_fails_naming_its_expectation(warehouse_copy: Path, case: Corruption) -> None:
    _corrupt(warehouse_copy, case.statements)
    report = validate_warehouse(warehouse_copy, data_docs=False)
    assert not report.success
    failed = {o.expectation: o for o in report.failures}
    assert case.target in failed, f"{case.target} did not fail:\n{report.summary()}"
    assert f" {case.target}: " in report.summary()
    if case.row_key is not None:
        assert case.row_key in failed[case.target].detail, failed[case.target]


def test_gacc_detail_marts_with_data_pass(gacc_warehouse: Path, tmp_path: Path) -> None:
    copy = tmp_path / "gacc.duckdb"
    shutil.copyfile(gacc_warehouse, copy)
    report = validate_warehouse(copy, data_docs=False, only=GACC_SUITES)
    assert report.success, report.summary()
    with duckdb.connect(str(copy), read_only=True) as connection:
        for mart in GACC_MARTS:
            assert connection.execute(f"select count(*) from marts.{mart}").fetchone()[0] > 0, mart


@pytest.mark.parametrize("case", GACC_CORRUPTIONS, ids=lambda case: case.id)
def test_broken_gacc_total_fails_naming_its_expectation(gacc_warehouse: Path, tmp_path: Path, case: Corruption) -> None:
    copy = tmp_path / "gacc.duckdb"
    shutil.copyfile(gacc_warehouse, copy)
    _corrupt(copy, case.statements)
    report = validate_warehouse(copy, data_docs=False, only=GACC_SUITES)
    failed = {o.expectation: o for o in report.failures}
    assert case.target in failed, f"{case.target} did not fail:\n{report.summary()}"
    assert case.row_key is not None
    assert case.row_key in failed[case.target].detail, failed[case.target]


def test_a_query_that_raises_is_a_failure_naming_the_expectations(warehouse_copy: Path) -> None:
    _corrupt(warehouse_copy, ("alter table marts.fct_region_trade_ytd rename column figure_id_growth to renamed",))
    report = validate_warehouse(warehouse_copy, data_docs=False)
    assert not report.success
    errored = {o.expectation for o in report.outcomes if o.status == "error"}
    (r8_check,) = (check for check in load_spec() if check.name == "r8_growth_matches_prior_year")
    r8 = set(r8_check.expectation_names())
    assert r8 <= errored
    assert all("figure_id_growth" in o.detail for o in report.outcomes if o.expectation in r8)
    assert "ERRORED r8_growth_matches_prior_year.reported_growth_agrees" in report.summary()


def test_failed_validation_does_not_replace_the_published_warehouse(
    built_warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """tradewh.build.build with a build that fails validation: the published file keeps its bytes."""
    published = tmp_path / "warehouse" / "china_regional_trade.duckdb"
    published.parent.mkdir()
    shutil.copyfile(built_warehouse, published)
    published_docs = published.parent / "data_docs" / "index.html"
    published_docs.parent.mkdir()
    published_docs.write_text("Data Docs of the published warehouse", encoding="utf-8")
    before = _sha256(published)

    def fake_dbt_build(args: list[str], database: Path, target_path: Path | None = None, **_: object) -> None:
        # Stands in for `dbt build`: the real build, with Xinjiang's July 2023 raised by 5 bn yuan.
        shutil.copyfile(built_warehouse, database)
        raise_july = f"update marts.fct_region_trade_monthly set value_cny = value_cny + 5e9 where {XJ_JULY_2023_MONTH}"
        _corrupt(Path(database), (raise_july,))

    monkeypatch.setattr(build_module, "run_dbt", fake_dbt_build)
    assert build_module.build(published) == 1
    assert _sha256(published) == before, "a failed validation must leave the published warehouse byte-for-byte"
    assert published_docs.read_text(encoding="utf-8") == "Data Docs of the published warehouse"
    leftovers = list((published.parent / ".build").glob("*.duckdb"))
    assert leftovers == [], f"the rejected build was left behind: {leftovers}"
