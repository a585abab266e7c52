"""Production builds (`make build`): unit tests left out but run by the suite, incremental builds
from a copy of the published file, a checksum of the incremental models' code that forces a build
from scratch when it changes, and FULL_REFRESH."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import subprocess
from pathlib import Path

import duckdb
import pytest

from bi_helpers import require_build, shared_build
from gacc_helpers import FIXTURES
from gacc_helpers import SELECTION as DETAIL_SELECTION
from tradewh import PROJECT_ROOT
from tradewh import build as build_module
from tradewh.bench import refreshed_periods
from tradewh.build import (
    PROJECT_SOURCES,
    build_staging,
    incremental_checksum,
    inputs_checksum,
    project_checksum,
    staging_path_for,
)
from tradewh.dbt import LANDING_ONLY_ARGS, PRODUCTION_BUILD_ARGS
from tradewh.ingest_gacc import ingest_gacc
from tradewh.publish import IncrementalState, publish

# the data tests check data, not what a build carries over: left out to keep this test quick
SELECTION = [*DETAIL_SELECTION, "--exclude-resource-type", "test"]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_session_build_ran_every_unit_test_and_production_builds_leave_them_out(built_warehouse: Path) -> None:
    target = built_warehouse.parent / "target"
    if not (target / "run_results.json").exists():
        pytest.skip("TRADEWH_TEST_WAREHOUSE: a prebuilt warehouse has no run results here")
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"]
    unit_tests = set(manifest["unit_tests"])
    ran = {r["unique_id"]: r["status"] for r in results if r["unique_id"].startswith("unit_test.")}
    assert unit_tests, "the project has unit tests"
    assert ran == dict.fromkeys(unit_tests, "pass")
    assert PRODUCTION_BUILD_ARGS[0] == "build"
    assert "unit_test" in PRODUCTION_BUILD_ARGS[PRODUCTION_BUILD_ARGS.index("--exclude-resource-type") + 1 :]


def _manifest() -> dict:
    def node(name: str, materialized: str, parents: list[str], checksum: str) -> dict:
        return {
            "resource_type": "model",
            "name": name,
            "alias": name,
            "schema": "marts",
            "checksum": {"checksum": checksum},
            "config": {"materialized": materialized},
            "depends_on": {"macros": ["macro.p.helper"], "nodes": parents},
        }

    return {
        "metadata": {"project_name": "p", "dbt_version": "1.11.0"},
        "nodes": {
            "model.p.stg": node("stg", "view", [], "a"),
            "model.p.inc": node("inc", "incremental", ["model.p.stg"], "b"),
            "model.p.other": node("other", "table", [], "c"),
        },
        "sources": {},
        "macros": {
            "macro.p.helper": {"package_name": "p", "macro_sql": "x", "depends_on": {"macros": ["macro.p.inner"]}},
            "macro.p.inner": {"package_name": "p", "macro_sql": "y", "depends_on": {"macros": []}},
        },
        "parent_map": {"model.p.stg": [], "model.p.inc": ["model.p.stg"], "model.p.other": []},
    }


def test_the_checksum_covers_the_incremental_models_what_is_upstream_and_the_macros(tmp_path: Path) -> None:
    (tmp_path / "macros").mkdir()
    (tmp_path / "macros" / "gacc_incremental.sql").write_text("{% macro m() %}1{% endmacro %}")
    base = incremental_checksum(_manifest(), tmp_path)
    assert base.relations == [("intermediate", "gacc_incremental_state"), ("marts", "inc")]
    assert incremental_checksum(_manifest(), tmp_path).checksum == base.checksum

    def changed(edit) -> str:
        manifest = _manifest()
        edit(manifest)
        return incremental_checksum(manifest, tmp_path).checksum

    assert changed(lambda m: m["nodes"]["model.p.other"]["checksum"].update(checksum="z")) == base.checksum
    assert changed(lambda m: m["nodes"]["model.p.inc"]["checksum"].update(checksum="z")) != base.checksum
    assert changed(lambda m: m["nodes"]["model.p.stg"]["checksum"].update(checksum="z")) != base.checksum
    assert changed(lambda m: m["nodes"]["model.p.inc"]["config"].update(unique_key="k")) != base.checksum
    assert changed(lambda m: m["macros"]["macro.p.inner"].update(macro_sql="changed")) != base.checksum
    (tmp_path / "macros" / "gacc_incremental.sql").write_text("{% macro m() %}2{% endmacro %}")
    assert incremental_checksum(_manifest(), tmp_path).checksum != base.checksum


def test_full_refresh_builds_from_scratch_without_reading_the_published_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    warehouse = tmp_path / "china_regional_trade.duckdb"
    warehouse.write_bytes(b"not even a database")
    calls: list[list[str]] = []

    def fake_dbt(args: list[str], database: Path, **_: object) -> None:
        assert not database.exists(), "a from-scratch build starts with no file"
        calls.append(list(args))

    monkeypatch.setattr(build_module, "run_dbt", fake_dbt)
    monkeypatch.setattr(build_module, "manifest_state", lambda _target: IncrementalState("c", []))
    staging = staging_path_for(warehouse)
    outcome = build_staging(warehouse, staging, staging.with_suffix(".target"), full_refresh=True)
    assert (outcome.mode, outcome.reason) == ("full", "FULL_REFRESH requested")
    assert calls == [list(PRODUCTION_BUILD_ARGS)]

    seen: list[bool] = []
    monkeypatch.setattr(build_module, "build", lambda _w, _a, *, full_refresh: seen.append(full_refresh) or 0)
    assert build_module.main(["--full-refresh"]) == 0
    monkeypatch.setenv("FULL_REFRESH", "1")
    assert build_module.main([]) == 0
    monkeypatch.setenv("FULL_REFRESH", "0")
    assert build_module.main([]) == 0
    assert seen == [True, True, False]


@pytest.mark.slow
def test_a_production_build_processes_only_new_months_and_rebuilds_when_the_code_changed(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    warehouse = tmp_path / "published" / "china_regional_trade.duckdb"
    env = {"TRADEWH_LANDING_ROOT": str(landing)}

    def land(name: str, period: str) -> None:
        ingest_gacc([FIXTURES / name], flow="export", period=period, currency="usd", root=landing)

    def build_and_publish() -> tuple[build_module.BuildOutcome, dict[str, list[str] | None]]:
        staging = staging_path_for(warehouse)
        target = staging.with_suffix(".target")
        before = sha256(warehouse) if warehouse.exists() else None
        outcome = build_staging(warehouse, staging, target, dbt_args=SELECTION, extra_env=env, capture=True)
        if before is not None:
            assert sha256(warehouse) == before, "the published file is only read"
        periods = refreshed_periods(target)
        publish(staging, warehouse, incremental=outcome.state)
        staging.unlink()
        return outcome, periods

    land("export_2020-01_usd.csv", "2020-01")
    first, periods = build_and_publish()
    assert first.mode == "full" and "no published file" in first.reason
    assert periods and set(periods.values()) == {None}

    # a new month: the build starts from the published file and processes that month only
    _edit_published(warehouse, "create table marts.model_since_removed as select 1 as x")
    land("export_2020-02_usd.csv", "2020-02")
    second, periods = build_and_publish()
    assert second.mode == "incremental"
    assert periods and {tuple(p or ["full"]) for p in periods.values()} == {("2020-02",)}
    assert second.state.checksum == first.state.checksum
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select current_database()").fetchone() == ("china_regional_trade",)
        assert con.execute("select build_mode, incremental_checksum from meta.build_info").fetchone() == (
            "incremental",
            second.state.checksum,
        )
        months = con.execute(
            "select distinct period_start from marts.fct_region_partner_trade_monthly order by 1"
        ).fetchall()
        assert [str(m) for (m,) in months] == ["2020-01-01", "2020-02-01"]
        # a copy's tables are dropped unless incremental: a model removed since is not published again
        assert not con.execute("select * from duckdb_tables() where table_name = 'model_since_removed'").fetchall()

    # the published build records another checksum (its incremental models' code was different):
    # the next build must not carry its tables over
    _edit_published(warehouse, "update meta.build_info set incremental_checksum = 'code-of-an-older-build'")
    third, periods = build_and_publish()
    assert third.mode == "full" and "changed" in third.reason
    assert set(periods.values()) == {None}

    # nothing but the landing zone changed since: the copy is kept whole and dbt builds only what
    # reads the landing zone
    land("export_2023-07_usd_part1.csv", "2023-07")
    staging = staging_path_for(warehouse)
    target = staging.with_suffix(".target")
    fourth = build_staging(
        warehouse, staging, target, landing_only_args=[*LANDING_ONLY_ARGS, "--exclude-resource-type", "test"],
        extra_env=env, capture=True,
    )  # fmt: skip
    assert fourth.mode == "landing" and fourth.state.project_checksum == third.state.project_checksum
    ran = {r["unique_id"].split(".")[-1] for r in json.loads((target / "run_results.json").read_text())["results"]}
    assert "fct_region_partner_trade_monthly" in ran and "ref_trade_modes" not in ran, sorted(ran)
    assert refreshed_periods(target)["fct_region_partner_trade_monthly"] == ["2023-07"]
    with duckdb.connect(str(staging), read_only=True) as con:
        assert con.execute("select count(*) from reference.ref_trade_modes").fetchone()[0] > 0, "kept from the copy"
        months = con.execute("select count(distinct period_start) from marts.fct_region_partner_trade_monthly")
        assert months.fetchone() == (3,)
    staging.unlink()


def test_the_project_checksum_changes_with_any_model_seed_or_macro(tmp_path: Path) -> None:
    for source in PROJECT_SOURCES:
        if (PROJECT_ROOT / source).is_file():
            shutil.copy(PROJECT_ROOT / source, tmp_path / source)
        else:
            shutil.copytree(PROJECT_ROOT / source, tmp_path / source)
    original = project_checksum(tmp_path)
    assert project_checksum(tmp_path) == original
    for edited in ("models/marts/dim_region.sql", "seeds/reference/ref_fx_monthly.csv", "macros/membership.sql"):
        path = tmp_path / edited
        before = path.read_bytes()
        path.write_bytes(before + b"\n")
        assert project_checksum(tmp_path) != original, edited
        path.write_bytes(before)
    assert project_checksum(tmp_path) == original


def _edit_published(warehouse: Path, sql: str) -> None:
    """Stand-in for a file published by other code (test only: publication never edits it)."""
    edited = warehouse.with_name("edited.duckdb")
    shutil.copyfile(warehouse, edited)
    edited.chmod(stat.S_IRUSR | stat.S_IWUSR)
    with duckdb.connect(str(edited)) as con:
        con.execute(sql)
        con.execute("checkpoint")
    edited.replace(warehouse)


def test_the_inputs_checksum_changes_with_the_landing_zone_and_the_build_code(tmp_path: Path) -> None:
    for source in build_module.BUILD_SOURCES:
        shutil.copytree(PROJECT_ROOT / source, tmp_path / source, ignore=shutil.ignore_patterns("__pycache__"))
    landing = tmp_path / "landing"
    original = inputs_checksum("project", landing, tmp_path)
    assert inputs_checksum("project", landing, tmp_path) == original
    assert inputs_checksum("another project", landing, tmp_path) != original
    landed = landing / "gacc" / "flow=export" / "rows.parquet"
    landed.parent.mkdir(parents=True)
    landed.write_bytes(b"landed")
    with_landing = inputs_checksum("project", landing, tmp_path)
    assert with_landing != original, "a newly landed file"
    landed.write_bytes(b"landed again, other content")
    assert inputs_checksum("project", landing, tmp_path) != with_landing
    landed.unlink()
    assert inputs_checksum("project", landing, tmp_path) == original
    code = tmp_path / "scripts" / "tradewh" / "publish.py"
    code.write_bytes(code.read_bytes() + b"\n")
    assert inputs_checksum("project", landing, tmp_path) != original, "the publication code"


@pytest.mark.slow
def test_make_build_with_nothing_changed_says_so_and_leaves_the_published_file_untouched(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    build = require_build(shared_build(tmp_path_factory))
    warehouse = tmp_path / build.warehouse.name
    shutil.copy2(build.warehouse, warehouse)  # mode 0444 kept; the shared build stays as it was
    before, stat_before = sha256(warehouse), warehouse.stat()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DBT_")}
    proc = subprocess.run(
        ["make", "--no-print-directory", "build", f"WAREHOUSE={warehouse}"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "nothing changed since the published build" in proc.stdout, proc.stdout
    assert "dbt build" not in proc.stdout, "dbt did not run"
    assert sha256(warehouse) == before
    after = warehouse.stat()
    assert (after.st_ino, after.st_mtime_ns) == (stat_before.st_ino, stat_before.st_mtime_ns), "not even replaced"
    assert not (tmp_path / ".build").exists() or not list((tmp_path / ".build").glob("*.duckdb"))
