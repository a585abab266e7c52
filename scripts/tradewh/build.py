"""Build the warehouse into a new file, validate it, and only then publish it.

The published file (``warehouse/china_regional_trade.duckdb`` by default) is never written in
place: a failed build or validation leaves it byte-for-byte as it was.

Incremental builds, the dbt way. When a published file exists, the build starts from a plain copy
of it (the published file is immutable once written: ``tradewh.publish`` replaces it by an atomic
rename, so copying it while readers hold it open is safe). The published file holds the dbt
manifest it was built from (``meta.dbt_manifest``), and dbt's state comparison against it decides:

- when an incremental model is in ``state:modified+`` (its code, configuration, macros or
  contract changed, or those of anything upstream of it: ``STALE_INCREMENTAL``), its carried-over
  rows may be stale, so the build says which and starts again from scratch;
- otherwise dbt builds ``state:modified+`` (what changed and everything downstream of it) and
  ``source:gacc+`` (everything that reads the landing zone) into the copy. The incremental models
  then process only the newly landed periods: an ``is_incremental()`` filter on the landing time
  of vintages and retractions, a high-water mark (``macros/gacc_incremental.sql``).

Two changes dbt's state comparison cannot see (its documented caveats) are handled here: a seed
over 1 MiB is compared by path only, so such seeds are always selected (``large_seeds``); vars are
not compared, so when dbt_project.yml changed every model is rebuilt (the incremental models use
no vars). Relations the project no longer defines are dropped from the copy. ``full_refresh=True``
(``make build FULL_REFRESH=1``) always builds from scratch.

Nothing changed: the published file also records ``inputs_checksum`` (the dbt project, the build,
validation and publication code, the expectations, and the landing zone's files). When it equals
the current one, ``make build`` says so and stops within seconds: the published file keeps its
bytes and build id.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import duckdb

from tradewh import PROJECT_ROOT
from tradewh.dbt import PRODUCTION_BUILD_ARGS, DbtError, run_dbt
from tradewh.errors import EXIT_ENVIRONMENT, environment_problem
from tradewh.ingest_common import landing_root
from tradewh.leftovers import remove_stale
from tradewh.locking import locked
from tradewh.publish import BuildState, PublishError, publish, published_inputs_checksum, read_build_state

DEFAULT_WAREHOUSE = PROJECT_ROOT / "warehouse" / "china_regional_trade.duckdb"

PROJECT_SOURCES: tuple[str, ...] = ("dbt_project.yml", "profiles.yml", "models", "seeds", "macros", "tests/dbt")
"""Everything dbt reads to build the warehouse, for ``inputs_checksum``."""

BUILD_SOURCES: tuple[str, ...] = ("scripts/tradewh", "expectations")
"""Besides the dbt project, what shapes the published file: the build, validation and publication
code and the Great Expectations suites (for ``inputs_checksum``)."""

STALE_INCREMENTAL: tuple[str, ...] = tuple(
    f"state:modified.{part}+,config.materialized:incremental"
    for part in ("body", "configs", "relation", "macros", "contract")
)
"""The incremental models whose carried-over rows may be stale: their code, configuration,
relation, macros or contract changed, or those of a model or seed upstream of them. A changed
description alone is not among them (an incremental run persists descriptions again)."""

LANDED = "source:gacc+"
"""Everything that reads the GACC landing zone."""

CHANGED_AND_LANDED: tuple[str, ...] = ("state:modified+", LANDED)
"""What an incremental build builds: what changed since the published build and everything
downstream of it, and everything that reads the landing zone."""

SEED_SIZE_COMPARED = 1024 * 1024
"""dbt compares the contents of seeds up to 1 MiB; larger ones only by path."""


@dataclass
class BuildOutcome:
    """How the staging file was built."""

    mode: str  # "incremental" or "full"
    reason: str
    state: BuildState


def staging_path_for(warehouse: Path) -> Path:
    """The file a build of ``warehouse`` writes, beside it (same file system: the final rename is atomic).

    Its name starts with the published file's stem, so DuckDB and dbt-duckdb name its catalog the
    same (the first dot-separated part of the file name): views refer to that catalog. The name is
    the same for every build of ``warehouse`` (builds of one warehouse take turns: ``build_lock``),
    so dbt's target folder beside it (``<stem>.staging.target``) keeps a valid partial-parse state
    from one build to the next: dbt re-parses the project only when it changed (dbt re-parses
    everything when the profile, i.e. this path, differs).
    """
    build_dir = warehouse.parent / ".build"
    build_dir.mkdir(parents=True, exist_ok=True)
    return build_dir / f"{warehouse.stem}.staging.duckdb"


@contextlib.contextmanager
def build_lock(staging: Path) -> Iterator[bool]:
    """Hold an exclusive lock for building ``staging``; yields False when another build holds it."""
    with locked(staging.with_suffix(".lock"), wait=False) as held:
        yield held


def project_checksum(project_root: Path = PROJECT_ROOT) -> str:
    """Checksum of every file dbt reads to build the warehouse (``PROJECT_SOURCES``) and the dbt
    version: equal checksums mean the same models, seeds, tests and macros."""
    digest = hashlib.sha256(f"dbt-core {version('dbt-core')}, dbt-duckdb {version('dbt-duckdb')}".encode())
    for source in PROJECT_SOURCES:
        root = project_root / source
        files = [root] if root.is_file() else sorted(path for path in root.rglob("*") if path.is_file())
        for path in files:
            digest.update(path.relative_to(project_root).as_posix().encode("utf-8") + b"\x1f")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def inputs_checksum(project: str, landing: Path, project_root: Path = PROJECT_ROOT) -> str:
    """Checksum of everything a build reads: ``project`` (``project_checksum``), ``BUILD_SOURCES``
    (file contents) and the landing zone (every file's path, size and modification time: landed
    files are named by their content hash, so this is cheap and exact)."""
    digest = hashlib.sha256(project.encode())
    for source in BUILD_SOURCES:
        for path in sorted((project_root / source).rglob("*")):
            parts = path.relative_to(project_root).parts
            if path.is_file() and "__pycache__" not in parts and "uncommitted" not in parts:
                digest.update(path.relative_to(project_root).as_posix().encode("utf-8") + b"\x1f")
                digest.update(hashlib.sha256(path.read_bytes()).digest())
    digest.update(b"landing\x1e")
    if landing.is_dir():
        for path in sorted(p for p in landing.rglob("*") if p.is_file()):
            info = path.stat()
            digest.update(
                f"{path.relative_to(landing).as_posix()}\x1f{info.st_size}\x1f{info.st_mtime_ns}\x1e".encode()
            )
    return digest.hexdigest()


def large_seeds(project_root: Path = PROJECT_ROOT) -> list[str]:
    """dbt selectors (``path:<seed>+``) of the seeds too large for dbt to compare their contents."""
    return sorted(
        f"path:{path.relative_to(project_root).as_posix()}+"
        for path in (project_root / "seeds").rglob("*.csv")
        if path.stat().st_size > SEED_SIZE_COMPARED
    )


def dbt_project_sha256(project_root: Path = PROJECT_ROOT) -> str:
    return hashlib.sha256((project_root / "dbt_project.yml").read_bytes()).hexdigest()


def carry_over(published: Path, staging: Path) -> BuildState | None:
    """Copy the published file to ``staging`` and return the state it recorded (its ``meta``
    schema is dropped from the copy), or None (and no copy) when it recorded none. The published
    file itself is only read, as a plain file."""
    shutil.copyfile(published, staging)
    with duckdb.connect(str(staging)) as con:
        (catalog,) = con.execute("select current_database()").fetchone()
        previous = read_build_state(con, catalog)
        if previous is not None:
            con.execute("drop schema if exists meta cascade")
            con.execute("checkpoint")
    if previous is None:
        _remove_quietly(staging)
    return previous


def stale_incremental_models(previous: BuildState, state_dir: Path, target_path: Path, **dbt: object) -> list[str]:
    """The incremental models dbt's state comparison against ``previous`` finds stale
    (``STALE_INCREMENTAL``); ``state_dir`` receives the published manifest for ``--state``."""
    state_dir.mkdir(parents=True, exist_ok=True)
    (state_dir / "manifest.json").write_text(previous.manifest or "{}", encoding="utf-8")
    listed = run_dbt(
        ["--quiet", "ls", "--resource-type", "model", "--output", "name", "--select", *STALE_INCREMENTAL,
         "--state", str(state_dir)],
        target_path=target_path, capture=True, **dbt,
    )  # fmt: skip
    return sorted(line.strip() for line in listed.stdout.splitlines() if line.strip())


def drop_relations_not_in(manifest_path: Path, database: Path) -> list[str]:
    """Drop the tables and views of ``database`` that no model, seed or snapshot of the manifest
    defines (left by a model removed or renamed since the published build); returns their names."""
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    defined = {
        (node["schema"], node.get("alias") or node["name"])
        for node in manifest.get("nodes", {}).values()
        if node.get("resource_type") in ("model", "seed", "snapshot")
    }
    dropped = []
    with duckdb.connect(str(database)) as con:
        (catalog,) = con.execute("select current_database()").fetchone()
        relations = con.execute(
            "select schema_name, table_name, 'table' from duckdb_tables() where database_name = ? and not internal"
            " union all select schema_name, view_name, 'view' from duckdb_views()"
            " where database_name = ? and not internal",
            [catalog, catalog],
        ).fetchall()
        for schema, name, kind in relations:
            if (schema, name) not in defined:
                con.execute(f"drop {kind} if exists {_ident(schema)}.{_ident(name)}")
                dropped.append(f"{schema}.{name}")
        con.execute("checkpoint")
    return sorted(dropped)


def build_staging(
    warehouse: Path,
    staging: Path,
    target_path: Path,
    *,
    dbt_args: list[str] | None = None,
    full_refresh: bool = False,
    extra_env: dict[str, str] | None = None,
    capture: bool = False,
) -> BuildOutcome:
    """dbt build into ``staging``: from a copy of ``warehouse`` when it can, else from scratch.

    An incremental build selects ``CHANGED_AND_LANDED`` (and ``large_seeds``), or everything when
    dbt_project.yml changed; ``dbt_args`` replace that selection.
    """
    dbt = {"database": staging, "extra_env": extra_env}
    reason = "FULL_REFRESH requested" if full_refresh else f"no published file at {warehouse}"
    previous = None if full_refresh or not warehouse.exists() else carry_over(warehouse, staging)
    if not full_refresh and warehouse.exists() and previous is None:
        reason = f"{warehouse} records no dbt manifest (published by an older build)"
    if previous is not None:
        built_with = json.loads(previous.manifest or "{}").get("metadata", {}).get("dbt_version")
        if built_with != version("dbt-core"):
            reason = f"the published build was made with dbt {built_with}, this one with dbt {version('dbt-core')}"
        else:
            stale = stale_incremental_models(previous, target_path / "published_state", target_path, **dbt)
            if not stale:
                return _build_incremental(previous, target_path, dbt_args, capture=capture, **dbt)
            reason = (
                "the code of incremental models, or of what is upstream of them, changed since the published"
                f" build (dbt state:modified+): {', '.join(stale)}"
            )
        _remove_quietly(staging)
        _remove_quietly(staging.with_name(staging.name + ".wal"))
    print(f"[build] full build from scratch: {reason}", flush=True)
    run_dbt([*PRODUCTION_BUILD_ARGS, *(dbt_args or [])], target_path=target_path, capture=capture, **dbt)
    return BuildOutcome("full", reason, _state_of("full", target_path))


def _build_incremental(
    previous: BuildState, target_path: Path, dbt_args: list[str] | None, *, capture: bool, **dbt: object
) -> BuildOutcome:
    if dbt_args:
        selection, reason = list(dbt_args), "the selection asked for, into a copy of the published file"
    elif previous.dbt_project_sha256 != dbt_project_sha256():
        selection = []
        reason = "dbt_project.yml changed (dbt's state comparison cannot see vars): every model, incremental ones kept"
    else:
        selection = ["--select", *CHANGED_AND_LANDED, *large_seeds(), "--state", str(target_path / "published_state")]
        reason = "what changed since the published build (state:modified+) and what reads the landing zone"
    print(f"[build] incremental: {reason}: dbt {' '.join([*PRODUCTION_BUILD_ARGS, *selection])}", flush=True)
    run_dbt([*PRODUCTION_BUILD_ARGS, *selection], target_path=target_path, capture=capture, **dbt)
    for name in drop_relations_not_in(target_path / "manifest.json", dbt["database"]):
        print(f"[build] dropped {name}: the project no longer defines it", flush=True)
    return BuildOutcome("incremental", reason, _state_of("incremental", target_path))


def _state_of(mode: str, target_path: Path) -> BuildState:
    """What this build records for the next one: its mode, dbt's manifest, dbt_project.yml's checksum."""
    manifest = target_path / "manifest.json"
    return BuildState(
        mode=mode,
        manifest=manifest.read_text(encoding="utf-8") if manifest.exists() else None,
        dbt_project_sha256=dbt_project_sha256(),
    )


def build(warehouse: Path, dbt_args: list[str] | None = None, *, full_refresh: bool = False) -> int:
    """dbt build -> validate -> publish. Returns a process exit code."""
    warehouse = warehouse.resolve()
    staging = staging_path_for(warehouse)
    with build_lock(staging) as locked:
        if not locked:
            print(f"[build] another build of {warehouse} is running: {warehouse} was NOT replaced", file=sys.stderr)
            return 1
        for path in remove_stale(warehouse):
            print(f"[build] removed {path} (left by a build that was killed)", flush=True)
        inputs = inputs_checksum(project_checksum(), landing_root())
        if not full_refresh and not dbt_args and published_inputs_checksum(warehouse) == inputs:
            print(
                f"[build] nothing changed since the published build (dbt project, build code, expectations and"
                f" landing zone are the same): {warehouse} left as it is (FULL_REFRESH=1 rebuilds anyway)",
                flush=True,
            )
            return 0
        return _build_locked(warehouse, staging, dbt_args, full_refresh=full_refresh, inputs=inputs)


def _build_locked(
    warehouse: Path, staging: Path, dbt_args: list[str] | None, *, full_refresh: bool, inputs: str | None = None
) -> int:
    # imported here, not at the top: great_expectations and pandas take seconds to import, and a
    # build with nothing changed stops before it needs them
    from tradewh.bi_outputs import refresh_outputs
    from tradewh.validation import ValidationSetupError, install_data_docs, validate_warehouse

    target_path = staging.with_suffix(".target")
    _remove_quietly(staging)  # left by a build that was killed
    _remove_quietly(staging.with_name(staging.name + ".wal"))
    try:
        print(f"[build] dbt build into {staging}", flush=True)
        outcome = build_staging(warehouse, staging, target_path, dbt_args=dbt_args, full_refresh=full_refresh)
        print(f"[build] validating {staging}", flush=True)
        docs = staging.with_suffix(".data_docs")
        try:
            report = validate_warehouse(staging, data_docs_dir=docs)
        except ValidationSetupError as exc:
            print(f"[build] {exc}\n[build] validation could not run: {warehouse} was NOT replaced", file=sys.stderr)
            return 1
        print(report.summary(), flush=True)
        if not report.success:
            print(f"[build] validation failed: {warehouse} was NOT replaced (Data Docs: {docs})", file=sys.stderr)
            return 1
        outcome.state.inputs_checksum = None if dbt_args else inputs  # a partial build is never "the same"
        result = publish(staging, warehouse, state=outcome.state)
        install_data_docs(docs, warehouse.parent / "data_docs")
        print(f"[build] Data Docs {warehouse.parent / 'data_docs' / 'index.html'}", flush=True)
        print(
            f"[build] published {warehouse} (build {result.build_id}, {outcome.mode},"
            f" storage {result.storage_version})",
            flush=True,
        )
        return refresh_outputs(warehouse, staging=staging, target_path=target_path)
    except DbtError as exc:
        print(f"[build] {exc}\n[build] dbt build failed: {warehouse} was NOT replaced", file=sys.stderr)
        return 1
    except PublishError as exc:
        print(f"[build] {exc}\n[build] publication failed: {warehouse} was NOT replaced", file=sys.stderr)
        return 1
    except (OSError, duckdb.Error) as exc:
        problem = environment_problem(exc)
        print(f"{problem.render('build') if problem else f'[build] {exc}'}\n[build] {warehouse} was NOT replaced",
              file=sys.stderr)  # fmt: skip
        return EXIT_ENVIRONMENT if problem else 1
    finally:
        _remove_quietly(staging)
        _remove_quietly(staging.with_name(staging.name + ".wal"))


def _remove_quietly(path: Path) -> None:
    path.unlink(missing_ok=True)


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--warehouse", type=Path, default=DEFAULT_WAREHOUSE, help="the published file to replace")
    parser.add_argument(
        "--full-refresh",
        action="store_true",
        default=os.environ.get("FULL_REFRESH", "") not in ("", "0"),
        help="build from scratch instead of from a copy of the published file (also: FULL_REFRESH=1)",
    )
    parser.add_argument("dbt_args", nargs="*", help="extra arguments for `dbt build` (after --)")
    args = parser.parse_args(argv)
    return build(args.warehouse, args.dbt_args, full_refresh=args.full_refresh)
