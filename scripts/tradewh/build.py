"""Build the warehouse into a new file, validate it, and only then publish it.

The published file (``warehouse/china_regional_trade.duckdb`` by default) is never written in
place: a failed build or validation leaves it byte-for-byte as it was.

Incremental builds: when a published file exists, the build starts from a plain copy of it (the
published file is immutable once written: ``tradewh.publish`` replaces it by an atomic rename, so
copying it while readers hold it open is safe). Only the incremental models' tables and their
bookkeeping are carried over (``meta.incremental_relations`` of the published file); every other
table and view is dropped from the copy and built again, so the incremental GACC detail models
process only the newly landed periods. The published file records a checksum of the code those
tables were built with (the incremental models and everything upstream of them, from dbt's
manifest); when the code's checksum differs, the build says why and starts again from scratch.
``full_refresh=True`` (``make build FULL_REFRESH=1``) always builds from scratch.

Nothing changed: the published file also records ``inputs_checksum`` (the project checksum, the
build, validation and publication code, the expectations, and the landing zone's files). When it
equals the current one, ``make build`` says so and stops within seconds: the published file keeps
its bytes and build id.

Landing-only builds: the published file also records a checksum of the whole dbt project's source
(``project_checksum``: dbt_project.yml, profiles.yml, models, seeds, macros, singular tests, the
dbt version). When it equals the current one, nothing but the landing zone can have changed, so
the copy is kept whole and dbt builds only what reads the landing zone (``LANDING_ONLY_ARGS``:
``--select source:gacc+``, the GACC models and their tests): a monthly refresh does not rebuild
the seeds and the published-figures side. Validation still checks the whole file.
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
from pathlib import Path

import duckdb

from tradewh import PROJECT_ROOT
from tradewh.dbt import LANDING_ONLY_ARGS, PRODUCTION_BUILD_ARGS, DbtError, run_dbt
from tradewh.errors import EXIT_ENVIRONMENT, environment_problem
from tradewh.ingest_common import landing_root
from tradewh.leftovers import remove_stale
from tradewh.locking import locked
from tradewh.publish import (
    IncrementalState,
    PublishError,
    publish,
    published_inputs_checksum,
    read_incremental_state,
)

DEFAULT_WAREHOUSE = PROJECT_ROOT / "warehouse" / "china_regional_trade.duckdb"

STATE_TABLES: tuple[tuple[str, str], ...] = (("intermediate", "gacc_incremental_state"),)
"""Bookkeeping tables of the incremental models that are not dbt nodes (macros/gacc_incremental.sql)."""

PROJECT_SOURCES: tuple[str, ...] = ("dbt_project.yml", "profiles.yml", "models", "seeds", "macros", "tests/dbt")
"""Everything dbt reads to build the warehouse, for ``project_checksum``."""

BUILD_SOURCES: tuple[str, ...] = ("scripts/tradewh", "expectations")
"""Besides the dbt project, what shapes the published file: the build, validation and publication
code and the Great Expectations suites (for ``inputs_checksum``)."""

CHECKSUMMED_MACRO_FILES = "macros/gacc_*.sql"
"""Macro files always in the checksum, whether or not dbt lists them as a model's dependency (the
incremental post-hook is rendered from a string, so dbt cannot see what it calls)."""


@dataclass
class BuildOutcome:
    """How the staging file was built."""

    mode: str  # "incremental" or "full"
    reason: str
    state: IncrementalState


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


def incremental_checksum(manifest: dict, project_root: Path = PROJECT_ROOT) -> IncrementalState:
    """Checksum of the code the incremental models' tables depend on, and the tables to carry over.

    In the checksum: every model using the incremental materialization (its SQL file checksum and
    its configuration), every node upstream of them (models and seeds: their file checksums;
    sources: their names), this project's macros they call (recursively), every
    ``macros/gacc_*.sql`` file, and the dbt version. Any change there can make carried-over rows
    stale, so it triggers a build from scratch.
    """
    nodes = manifest.get("nodes", {})
    sources = manifest.get("sources", {})
    macros = manifest.get("macros", {})
    parents = manifest.get("parent_map", {})
    project = manifest.get("metadata", {}).get("project_name")
    incremental = sorted(
        uid
        for uid, node in nodes.items()
        if node.get("resource_type") == "model" and node.get("config", {}).get("materialized") == "incremental"
    )
    upstream: set[str] = set()
    pending = list(incremental)
    while pending:
        for parent in parents.get(pending.pop(), []):
            if parent not in upstream:
                upstream.add(parent)
                pending.append(parent)
    digest = hashlib.sha256()

    def add(*parts: str) -> None:
        digest.update(("\x1f".join(parts) + "\x1e").encode("utf-8"))

    add("dbt", str(manifest.get("metadata", {}).get("dbt_version")))
    used_macros: set[str] = set()
    for uid in sorted(set(incremental) | upstream):
        node = nodes.get(uid) or sources.get(uid) or {}
        add(uid, str(node.get("checksum", {}).get("checksum", "")))
        if uid in incremental:
            add(uid, "config", json.dumps(node.get("config", {}), sort_keys=True, default=str))
        used_macros.update(node.get("depends_on", {}).get("macros", []))
    pending = list(used_macros)
    while pending:
        for called in macros.get(pending.pop(), {}).get("depends_on", {}).get("macros", []):
            if called not in used_macros:
                used_macros.add(called)
                pending.append(called)
    for uid in sorted(used_macros):
        macro = macros.get(uid, {})
        if macro.get("package_name") == project:
            add(uid, hashlib.sha256(macro.get("macro_sql", "").encode("utf-8")).hexdigest())
    for path in sorted(project_root.glob(CHECKSUMMED_MACRO_FILES)):
        add(path.relative_to(project_root).as_posix(), hashlib.sha256(path.read_bytes()).hexdigest())
    relations = [(nodes[uid]["schema"], nodes[uid].get("alias") or nodes[uid]["name"]) for uid in incremental]
    return IncrementalState(checksum=digest.hexdigest(), relations=sorted({*relations, *STATE_TABLES}))


def project_checksum(project_root: Path = PROJECT_ROOT) -> str:
    """Checksum of every file dbt reads to build the warehouse (``PROJECT_SOURCES``) and the dbt
    version: equal checksums mean the same models, seeds, tests and macros."""
    from importlib.metadata import version

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


def manifest_state(target_path: Path) -> IncrementalState:
    """The incremental state of the code dbt just built with (its manifest.json)."""
    manifest_path = target_path / "manifest.json"
    if not manifest_path.exists():  # recorded as unknown: the next build is a full one
        print(f"[build] warning: no {manifest_path}: no incremental checksum recorded", flush=True)
        return IncrementalState(checksum=None)
    return incremental_checksum(json.loads(manifest_path.read_text(encoding="utf-8")))


def carry_over(published: Path, staging: Path, project: str | None = None) -> IncrementalState | None:
    """Copy the published file to ``staging`` and keep only its incremental tables, or everything
    when it was built from the project checksum ``project`` (a landing-only build; its ``mode``
    is then "landing").

    Returns the incremental state the published file recorded, or None (and no copy) when it
    recorded none. The published file itself is only read, as a plain file.
    """
    shutil.copyfile(published, staging)
    con = duckdb.connect(str(staging))
    try:
        (catalog,) = con.execute("select current_database()").fetchone()
        previous = read_incremental_state(con, catalog)
        if previous is None:
            con.close()
            _remove_quietly(staging)
            return None
        con.execute("drop schema if exists meta cascade")
        if project is not None and previous.project_checksum == project:
            con.execute("checkpoint")
            previous.mode = "landing"
            return previous
        keep = {tuple(relation) for relation in previous.relations}
        views = con.execute(
            "select schema_name, view_name from duckdb_views() where database_name = ? and not internal",
            [catalog],
        ).fetchall()
        for schema, name in views:
            con.execute(f"drop view {_ident(schema)}.{_ident(name)}")
        tables = con.execute(
            "select schema_name, table_name from duckdb_tables() where database_name = ? and not internal",
            [catalog],
        ).fetchall()
        for schema, name in tables:
            if (schema, name) not in keep:
                con.execute(f"drop table {_ident(schema)}.{_ident(name)}")
        con.execute("checkpoint")
        return previous
    finally:
        con.close()


def build_staging(
    warehouse: Path,
    staging: Path,
    target_path: Path,
    *,
    dbt_args: list[str] | None = None,
    landing_only_args: list[str] | tuple[str, ...] | None = None,
    full_refresh: bool = False,
    extra_env: dict[str, str] | None = None,
    capture: bool = False,
) -> BuildOutcome:
    """dbt build into ``staging``: from a copy of ``warehouse`` when it can, else from scratch.

    ``landing_only_args`` (default ``LANDING_ONLY_ARGS`` unless ``dbt_args`` are given) is the
    dbt selection of a landing-only build, used when the project is unchanged since the
    published build; None never builds landing-only.
    """
    args = [*PRODUCTION_BUILD_ARGS, *(dbt_args or [])]
    if landing_only_args is None and not dbt_args:
        landing_only_args = LANDING_ONLY_ARGS
    project = project_checksum()
    previous: IncrementalState | None = None
    reason = "FULL_REFRESH requested" if full_refresh else f"no published file at {warehouse}"
    if not full_refresh and warehouse.exists():
        previous = carry_over(warehouse, staging, project if landing_only_args is not None else None)
        if previous is None:
            reason = f"{warehouse} records no incremental checksum (published by an older build)"
    if previous is not None and previous.mode == "landing" and landing_only_args is not None:
        print(f"[build] landing only (project unchanged): dbt build {' '.join(landing_only_args)}", flush=True)
        run_dbt(
            [*PRODUCTION_BUILD_ARGS, *landing_only_args],
            database=staging,
            target_path=target_path,
            extra_env=extra_env,
            capture=capture,
        )
        current = _as_mode(manifest_state(target_path), "landing", project)
        return BuildOutcome("landing", "project unchanged: only what reads the landing zone was built", current)
    if previous is not None:
        print(f"[build] incremental: dbt build into a copy of {warehouse}", flush=True)
        failure: DbtError | None = None
        try:
            run_dbt(args, database=staging, target_path=target_path, extra_env=extra_env, capture=capture)
        except DbtError as exc:
            if not (target_path / "manifest.json").exists():
                raise  # dbt did not even parse the project
            failure = exc
        current = manifest_state(target_path)
        if current.checksum == previous.checksum:
            if failure is not None:
                raise failure
            return BuildOutcome(
                "incremental", "only newly landed periods processed", _as_mode(current, "incremental", project)
            )
        reason = (
            f"the incremental models' code changed since the published build (checksum {previous.checksum[:12]}"
            f" -> {current.checksum[:12]}): its carried-over tables may be stale"
        )
        _remove_quietly(staging)
        _remove_quietly(staging.with_name(staging.name + ".wal"))
    print(f"[build] full build from scratch: {reason}", flush=True)
    run_dbt(args, database=staging, target_path=target_path, extra_env=extra_env, capture=capture)
    return BuildOutcome("full", reason, _as_mode(manifest_state(target_path), "full", project))


def _as_mode(state: IncrementalState, mode: str, project: str) -> IncrementalState:
    state.mode = mode
    state.project_checksum = project if state.checksum is not None else None
    return state


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
        result = publish(staging, warehouse, incremental=outcome.state)
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
