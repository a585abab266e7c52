"""The GX machinery on small DuckDB files written here: pass, fail, error, read-only, Data Docs, CLI.

These do not need dbt; tests/test_validation_warehouse.py runs the real suites on a real build.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from tradewh import PROJECT_ROOT
from tradewh.validation import ValidationReport, ValidationSetupError, validate_warehouse
from tradewh.validation_spec import CONTEXT_DIR, SpecError, load_spec, suite_drift, write_suites

Validate = Callable[..., ValidationReport]  # the validate_tiny fixture: statements in, report out

TINY_SPEC = """
checks:
  - name: parts_add_up
    rule: 1
    description: export + import = total, per region.
    row_key: [region_code]
    query: |
      select region_code, total - (export + import) as gap
      from marts.flows
    expectations:
      - name: gap_within_rounding
        type: expect_column_values_to_be_between
        kwargs: {column: gap, min_value: -0.5, max_value: 0.5}
        notes: figures printed to whole units.
      - name: has_rows
        type: expect_table_row_count_to_be_between
        kwargs: {min_value: 1}
        notes: an empty comparison proves nothing.
  - name: regions_known
    rule: 9
    description: every region code is known.
    row_key: [region_code]
    query: select region_code from marts.flows
    expectations:
      - name: code_is_known
        type: expect_column_values_to_be_in_set
        kwargs: {column: region_code, value_set: ['650000', '540000']}
        notes: the two regions of the test warehouse.
"""


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def tiny_context(tmp_path: Path) -> Path:
    context = tmp_path / "context"
    context.mkdir()
    shutil.copy(CONTEXT_DIR / "great_expectations.yml", context / "great_expectations.yml")
    (context / "checks.yml").write_text(TINY_SPEC, encoding="utf-8")
    write_suites(load_spec(context / "checks.yml"), context)
    return context


@pytest.fixture
def tiny_warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "wh" / "tiny.duckdb"
    path.parent.mkdir()
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute(
            "create table marts.flows as select * from (values"
            " ('650000', 100.0, 60.0, 40.0), ('540000', 10.0, 7.0, 3.0))"
            " as t(region_code, total, export, import)"
        )
    return path


@pytest.fixture
def validate_tiny(tiny_context: Path, tiny_warehouse: Path) -> Validate:
    """Run the given SQL statements on the tiny warehouse (read-write), then validate it with the
    tiny context, without Data Docs."""

    def validate(*statements: str) -> ValidationReport:
        if statements:
            with duckdb.connect(str(tiny_warehouse)) as con:
                for statement in statements:
                    con.execute(statement)
        return validate_warehouse(tiny_warehouse, context_dir=tiny_context, data_docs=False)

    return validate


def test_clean_warehouse_passes_and_writes_data_docs(tiny_context: Path, tiny_warehouse: Path) -> None:
    before = _sha256(tiny_warehouse)
    report = validate_warehouse(tiny_warehouse, context_dir=tiny_context)
    assert report.success, report.summary()
    assert {o.expectation for o in report.outcomes} == {
        "parts_add_up.gap_within_rounding",
        "parts_add_up.has_rows",
        "regions_known.code_is_known",
    }
    index = tiny_warehouse.parent / "data_docs" / "index.html"
    assert report.data_docs_index == index
    assert index.is_file()
    assert "parts_add_up" in index.read_text(encoding="utf-8")
    assert _sha256(tiny_warehouse) == before, "validation must open the warehouse read-only"
    assert not (tiny_context / "uncommitted").exists(), "runtime state must not land in the committed context"


def test_a_total_that_does_not_add_up_fails_naming_the_expectation(validate_tiny: Validate) -> None:
    report = validate_tiny("update marts.flows set export = export + 5 where region_code = '650000'")
    assert not report.success
    assert report.failed_expectations() == {"parts_add_up.gap_within_rounding"}
    failure = report.failures[0]
    assert failure.status == "fail"
    assert "650000" in failure.detail
    assert "FAILED parts_add_up.gap_within_rounding" in report.summary()


def test_a_missing_table_is_an_error_not_a_pass(validate_tiny: Validate) -> None:
    report = validate_tiny("drop table marts.flows")
    assert not report.success
    assert {o.status for o in report.outcomes} == {"error"}
    assert all("query failed" in o.detail and "flows" in o.detail for o in report.outcomes)


def test_an_expectation_that_raises_inside_gx_counts_as_failure(tiny_context: Path, validate_tiny: Validate) -> None:
    spec = TINY_SPEC.replace("kwargs: {column: gap, min_value", "kwargs: {column: no_such_column, min_value")
    (tiny_context / "checks.yml").write_text(spec, encoding="utf-8")
    write_suites(load_spec(tiny_context / "checks.yml"), tiny_context)
    report = validate_tiny()
    assert not report.success
    errored = [o for o in report.outcomes if o.status == "error"]
    assert [o.expectation for o in errored] == ["parts_add_up.gap_within_rounding"]
    assert "no_such_column" in errored[0].detail
    assert "ERRORED parts_add_up.gap_within_rounding" in report.summary()


def test_a_query_returning_wrong_types_is_an_error(validate_tiny: Validate) -> None:
    report = validate_tiny("alter table marts.flows alter total type varchar")
    assert not report.success
    assert "parts_add_up.gap_within_rounding" in report.failed_expectations()


def test_a_check_whose_suite_file_is_missing_is_an_error(tiny_context: Path, validate_tiny: Validate) -> None:
    (tiny_context / "expectations" / "regions_known.json").unlink()
    report = validate_tiny()
    assert not report.success
    errored = {o.expectation: o for o in report.outcomes if o.status == "error"}
    assert set(errored) == {"regions_known.code_is_known"}
    assert "no suite JSON" in errored["regions_known.code_is_known"].detail


def test_missing_warehouse_is_a_setup_error(tiny_context: Path, tmp_path: Path) -> None:
    with pytest.raises(ValidationSetupError, match="no warehouse file"):
        validate_warehouse(tmp_path / "nope.duckdb", context_dir=tiny_context)


def test_spec_errors_name_the_check(tmp_path: Path) -> None:
    bad = tmp_path / "checks.yml"
    bad.write_text(TINY_SPEC.replace("    rule: 9\n", ""), encoding="utf-8")
    with pytest.raises(SpecError, match=r"regions_known.*missing `rule`"):
        load_spec(bad)


def test_drift_between_spec_and_suites_is_reported(tiny_context: Path) -> None:
    checks = load_spec(tiny_context / "checks.yml")
    assert suite_drift(checks, tiny_context) == []
    suite = tiny_context / "expectations" / "parts_add_up.json"
    suite.write_text(suite.read_text(encoding="utf-8").replace("0.5", "5"), encoding="utf-8")
    assert any("parts_add_up" in p for p in suite_drift(checks, tiny_context))


def test_committed_suites_agree_with_the_spec() -> None:
    checks = load_spec()
    assert suite_drift(checks, CONTEXT_DIR) == [], "run `python scripts/validate.py --write-suites` and commit both"


def test_cli_exit_codes(tiny_warehouse: Path, tmp_path: Path) -> None:
    script = PROJECT_ROOT / "scripts" / "validate.py"
    missing = subprocess.run(
        [sys.executable, str(script), "--warehouse", str(tmp_path / "absent.duckdb")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert missing.returncode == 2
    assert "no warehouse file" in missing.stderr
    # The tiny warehouse lacks the real marts: every real suite errors, so the run fails (exit 1).
    wrong = subprocess.run(
        [sys.executable, str(script), "--warehouse", str(tiny_warehouse), "--no-data-docs"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert wrong.returncode == 1, wrong.stdout + wrong.stderr
    assert "ERRORED" in wrong.stdout
    assert "VALIDATION FAILED" in wrong.stdout
