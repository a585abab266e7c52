"""Production builds (`make build`): unit tests left out but run by the suite, incremental builds
from a copy of the published file chosen by dbt's state comparison with the published build's
manifest (a stale incremental model forces a build from scratch), and FULL_REFRESH."""

from __future__ import annotations

import hashlib
import json
import shutil
import stat
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from bi_helpers import require_build, run_make, shared_build
from gacc_helpers import FIXTURES
from gacc_helpers import SELECTION as DETAIL_SELECTION
from tradewh import PROJECT_ROOT
from tradewh import build as build_module
from tradewh.bench import refreshed_periods
from tradewh.build import (
    CHANGED_AND_LANDED,
    PROJECT_SOURCES,
    build_staging,
    drop_relations_not_in,
    inputs_checksum,
    project_checksum,
    staging_path_for,
    stale_incremental_models,
)
from tradewh.dbt import PRODUCTION_BUILD_ARGS, run_dbt
from tradewh.ingest_gacc import ingest_gacc
from tradewh.publish import BuildState, publish

# the data tests check data, not what a build carries over: left out to keep this test quick
SELECTION = [*DETAIL_SELECTION, "--exclude-resource-type", "test"]
INCREMENTAL = [
    "fct_region_bloc_trade_monthly",
    "fct_region_partner_trade_monthly",
    "fct_region_product_trade_monthly",
    "fct_region_trade_mode_monthly",
    "int_gacc_query_vintages",
]


CATALOG_FILE = "china_regional_trade.staging.duckdb"


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


@pytest.fixture(scope="module")
def parsed_manifest(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The project's manifest as dbt parses it now (for a file named like the published one: the
    catalog name is part of each relation dbt compares)."""
    target = tmp_path_factory.mktemp("parsed")
    run_dbt(["parse"], database=target / CATALOG_FILE, target_path=target, capture=True)
    return json.loads((target / "manifest.json").read_text(encoding="utf-8"))


@pytest.mark.slow
def test_dbt_state_comparison_finds_the_incremental_models_a_change_makes_stale(
    parsed_manifest: dict, tmp_path: Path
) -> None:
    project = "china_regional_trade"
    incremental = sorted(
        node["name"]
        for node in parsed_manifest["nodes"].values()
        if node["config"].get("materialized") == "incremental"
    )
    assert incremental == INCREMENTAL

    def stale_after(edit: Callable[[dict], None]) -> list[str]:
        """The stale incremental models when the published build's manifest differed by ``edit``."""
        published = json.loads(json.dumps(parsed_manifest))
        edit(published)
        state = BuildState(manifest=json.dumps(published))
        return stale_incremental_models(
            state, tmp_path / "state", tmp_path / "target", database=tmp_path / CATALOG_FILE
        )

    def node(manifest: dict, name: str, kind: str = "model") -> dict:
        return manifest["nodes"][f"{kind}.{project}.{name}"]

    assert stale_after(lambda m: None) == []
    # a model the incremental models read: every incremental model downstream of it is stale
    stale = stale_after(lambda m: node(m, "int_gacc_trade_rows_published").update(raw_code="select 1"))
    assert stale == [name for name in INCREMENTAL if name != "int_gacc_query_vintages"]
    # a seed upstream (its contents: dbt compares seeds under 1 MiB), a macro they call, their configuration
    seed = "ref_trade_modes"  # read by the trade-mode mart only
    assert stale_after(lambda m: node(m, seed, "seed")["checksum"].update(checksum="older")) == [
        "fct_region_trade_mode_monthly"
    ]
    macro = f"macro.{project}.gacc_periods_predicate"
    assert stale_after(lambda m: m["macros"][macro].update(macro_sql="older")) == INCREMENTAL
    # a configuration (as written; dbt compares the unrendered one): it and what reads it
    vintages = "int_gacc_query_vintages"
    assert stale_after(lambda m: node(m, vintages)["unrendered_config"].update(unique_key="older")) == INCREMENTAL
    # not stale: a model they do not read, or a description (persisted again by an incremental run)
    assert stale_after(lambda m: node(m, "dim_region").update(raw_code="select 1")) == []
    assert stale_after(lambda m: node(m, "fct_region_partner_trade_monthly").update(description="older")) == []


def test_an_incremental_build_selects_what_changed_and_what_reads_the_landing_zone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[list[str]] = []

    def fake_dbt(args: list[str], database: Path, target_path: Path, **_: object) -> None:
        calls.append(list(args))
        (target_path / "manifest.json").write_text(json.dumps({"nodes": {}}), encoding="utf-8")

    monkeypatch.setattr(build_module, "run_dbt", fake_dbt)
    monkeypatch.setattr(build_module, "drop_relations_not_in", lambda _manifest, _database: [])
    target = tmp_path / "target"
    target.mkdir()
    same_project = BuildState(manifest="{}", dbt_project_sha256=build_module.dbt_project_sha256())
    outcome = build_module._build_incremental(same_project, target, None, capture=True, database=tmp_path / "x")
    assert outcome.mode == "incremental" and outcome.state.manifest == json.dumps({"nodes": {}})
    state = ["--state", str(target / "published_state")]
    assert calls.pop() == [*PRODUCTION_BUILD_ARGS, "--select", *CHANGED_AND_LANDED, *state]

    # vars are invisible to dbt's state comparison: a changed dbt_project.yml rebuilds every model
    other_project = BuildState(manifest="{}", dbt_project_sha256="older")
    outcome = build_module._build_incremental(other_project, target, None, capture=True, database=tmp_path / "x")
    assert "dbt_project.yml changed" in outcome.reason and calls.pop() == list(PRODUCTION_BUILD_ARGS)

    # a seed over 1 MiB is compared by path only: always selected, with what reads it
    monkeypatch.setattr(build_module, "SEED_SIZE_COMPARED", 100_000)
    large = build_module.large_seeds()
    assert large and all(s.startswith("path:seeds/") and s.endswith(".csv+") for s in large)
    assert "path:seeds/raw/gacc_region_table.csv+" in large
    build_module._build_incremental(same_project, target, None, capture=True, database=tmp_path / "x")
    assert calls.pop() == [*PRODUCTION_BUILD_ARGS, "--select", *CHANGED_AND_LANDED, *large, *state]


def test_relations_the_project_no_longer_defines_are_dropped(tmp_path: Path) -> None:
    database = tmp_path / "copy.duckdb"
    with duckdb.connect(str(database)) as con:
        con.execute("create schema marts; create table marts.kept as select 1 as x")
        con.execute("create table marts.removed as select 1 as x; create view marts.removed_view as select 1 as x")
    manifest = tmp_path / "manifest.json"
    model = {"resource_type": "model", "schema": "marts", "name": "kept", "alias": "kept"}
    test = {"resource_type": "test", "schema": "marts", "name": "removed", "alias": "removed"}
    manifest.write_text(json.dumps({"nodes": {"model.p.kept": model, "test.p.removed": test}}), encoding="utf-8")
    assert drop_relations_not_in(manifest, database) == ["marts.removed", "marts.removed_view"]
    with duckdb.connect(str(database), read_only=True) as con:
        assert con.execute("select table_name from duckdb_tables()").fetchall() == [("kept",)]
        assert con.execute("select count(*) from duckdb_views() where not internal").fetchone() == (0,)


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

    def build_and_publish(
        dbt_args: list[str] | None = SELECTION,
    ) -> tuple[build_module.BuildOutcome, dict[str, list[str] | None], set[str]]:
        staging = staging_path_for(warehouse)
        target = staging.with_suffix(".target")
        before = sha256(warehouse) if warehouse.exists() else None
        outcome = build_staging(warehouse, staging, target, dbt_args=dbt_args, extra_env=env, capture=True)
        if before is not None:
            assert sha256(warehouse) == before, "the published file is only read"
        results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"]
        ran = {r["unique_id"].split(".")[-1] for r in results if r["unique_id"].split(".")[0] in ("model", "seed")}
        periods = refreshed_periods(target)
        publish(staging, warehouse, state=outcome.state)
        staging.unlink()
        return outcome, periods, ran

    land("export_2020-01_usd.csv", "2020-01")
    first, periods, _ = build_and_publish()
    assert first.mode == "full" and "no published file" in first.reason
    assert periods and set(periods.values()) == {None}

    # a new month: the build starts from the published file and processes that month only
    _edit_published(warehouse, "create table marts.model_since_removed as select 1 as x")
    land("export_2020-02_usd.csv", "2020-02")
    second, periods, _ = build_and_publish()
    assert second.mode == "incremental"
    assert periods and {tuple(p or ["full"]) for p in periods.values()} == {("2020-02",)}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select current_database()").fetchone() == ("china_regional_trade",)
        assert con.execute("select build_mode from meta.build_info").fetchone() == ("incremental",)
        (manifest,) = con.execute("select manifest_json from meta.dbt_manifest").fetchone()
        assert json.loads(manifest)["metadata"]["project_name"] == "china_regional_trade"
        months = con.execute(
            "select distinct period_start from marts.fct_region_partner_trade_monthly order by 1"
        ).fetchall()
        assert [str(m) for (m,) in months] == ["2020-01-01", "2020-02-01"]
        # a model removed since is not published again
        assert not con.execute("select * from duckdb_tables() where table_name = 'model_since_removed'").fetchall()

    # the published build was made from other code upstream of the incremental models: dbt's
    # state comparison finds them stale and the build starts from scratch (the whole project, as
    # `make build` does: the next build's tests read models outside the detail selection)
    _edit_published_manifest(warehouse, "model.china_regional_trade.int_gacc_trade_rows_published")
    third, periods, _ = build_and_publish(dbt_args=None)
    assert third.mode == "full" and "fct_region_partner_trade_monthly" in third.reason, third.reason
    assert set(periods.values()) == {None}

    # the landing zone and a model no incremental one reads changed: the copy is kept, dbt builds
    # that model and what reads the landing zone, not the seeds and the published-figures side
    land("export_2023-07_usd_part1.csv", "2023-07")
    _edit_published_manifest(warehouse, "model.china_regional_trade.dim_region")
    fourth, periods, ran = build_and_publish(dbt_args=None)
    assert fourth.mode == "incremental", fourth.reason
    assert {"fct_region_partner_trade_monthly", "dim_region"} <= ran and "ref_trade_modes" not in ran, sorted(ran)
    assert "stg_customs__published_figures" not in ran, sorted(ran)
    assert periods["fct_region_partner_trade_monthly"] == ["2023-07"]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from reference.ref_trade_modes").fetchone()[0] > 0, "kept from the copy"
        months = con.execute("select count(distinct period_start) from marts.fct_region_partner_trade_monthly")
        assert months.fetchone() == (3,)


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


def _edit_published_manifest(warehouse: Path, node: str) -> None:
    """Stand-in for a file published from other code: ``node`` had other SQL."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        (text,) = con.execute("select manifest_json from meta.dbt_manifest").fetchone()
    manifest = json.loads(text)
    manifest["nodes"][node]["raw_code"] = "select 1 as code_of_an_older_build"
    _edit_published(warehouse, "update meta.dbt_manifest set manifest_json = ?", [json.dumps(manifest)])


def _edit_published(warehouse: Path, sql: str, parameters: list | None = None) -> None:
    """Stand-in for a file published by other code (test only: publication never edits it)."""
    edited = warehouse.with_name("edited.duckdb")
    shutil.copyfile(warehouse, edited)
    edited.chmod(stat.S_IRUSR | stat.S_IWUSR)
    with duckdb.connect(str(edited)) as con:
        con.execute(sql, parameters)
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
    proc = run_make("build", warehouse)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "nothing changed since the published build" in proc.stdout, proc.stdout
    assert "dbt build" not in proc.stdout, "dbt did not run"
    assert sha256(warehouse) == before
    after = warehouse.stat()
    assert (after.st_ino, after.st_mtime_ns) == (stat_before.st_ino, stat_before.st_mtime_ns), "not even replaced"
    assert not (tmp_path / ".build").exists() or not list((tmp_path / ".build").glob("*.duckdb"))
