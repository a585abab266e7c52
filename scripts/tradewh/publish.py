"""Publish a built and validated warehouse so that BI tools left connected never notice.

``publish(staging, warehouse)`` turns the file dbt just built into the file users open:

1. It writes a *new* file next to the published one (same directory, so the same file system)
   with ``ATTACH ... (STORAGE_VERSION 'v1.4.0')`` and ``COPY FROM DATABASE``, so DuckDB 1.4 and
   later can open it whatever DuckDB version built it. DuckDB 1.4 is the long-term-support line,
   and the version most BI drivers bundle at the time of writing.
2. It adds ``meta.build_info`` (one row: build id, time, git commit, DuckDB and storage version,
   full or incremental build) and ``meta.table_row_counts``, so a BI user can see which build
   they are looking at, plus ``meta.dbt_manifest``: dbt's manifest of this build, which the next
   build compares its project with (``state:modified``, ``tradewh.build``).
3. It checks that no view names its own catalog (so the file works under any name and ATTACH
   alias), that every table has the same rows as the staging file, and that every table and
   column comment (the dbt descriptions, persisted as comments) survived; a comment that did not
   is written again with ``COMMENT ON``.
4. ``CHECKPOINT`` and ``DETACH``: the new file is complete on its own, with no ``.wal`` beside it.
   It is flushed to disk (fsync) and made read-only on the file system (mode 0444).
5. The published file, if any, is kept as ``<dir>/.previous/<name>`` (a hard link: no copy), then
   ``os.replace`` swaps the new file in: one atomic rename.

Why readers never notice: a reader that already has the old file open keeps reading the old inode
(Linux keeps an unlinked file alive while it is open), so its view stays consistent until it
reconnects. A reader that opens the path after the rename gets the new file; the path always
names a complete file. The build never opens the published path for writing, so it never waits
for, or fights over, the file lock a reader holds, and readers (which only take shared read
locks) never see a lock error because of a build.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import stat
import subprocess
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from tradewh import PROJECT_ROOT, fsync_path

STORAGE_VERSION = "v1.4.0"
"""The oldest DuckDB whose storage format the published file uses (DuckDB 1.4, the LTS line)."""

META_SCHEMA = "meta"
PREVIOUS_DIR = ".previous"


class PublishError(RuntimeError):
    """The new file could not be made safe to publish; the published file was left untouched."""


@dataclass
class BuildState:
    """What a build records for the next one to compare itself with (``tradewh.build``)."""

    mode: str = "full"
    """'full' (built from scratch) or 'incremental' (from a copy of the published file)."""
    manifest: str | None = None
    """dbt's manifest.json of the build (text): the next build's ``--state``."""
    dbt_project_sha256: str | None = None
    """Checksum of dbt_project.yml: its vars, which dbt's state comparison cannot see."""
    inputs_checksum: str | None = None
    """Fingerprint of everything a build reads (``tradewh.build.inputs_checksum``): when the next
    build's is the same, nothing changed and the published file is left as it is."""


@dataclass
class PublishResult:
    """What was published."""

    warehouse: Path
    build_id: str
    storage_version: str
    row_counts: dict[str, int] = field(default_factory=dict)
    comments_reapplied: int = 0
    previous: Path | None = None


def previous_path_for(warehouse: Path) -> Path:
    """Where the last published file is kept after a new one replaces it."""
    return warehouse.parent / PREVIOUS_DIR / warehouse.name


def publish(
    staging: Path,
    warehouse: Path,
    *,
    storage_version: str = STORAGE_VERSION,
    build_id: str | None = None,
    keep_previous: bool = True,
    state: BuildState | None = None,
) -> PublishResult:
    """Copy ``staging`` into a compatible new file and atomically make it ``warehouse``.

    ``state``, when given, is recorded in ``meta`` so that the next build can start from a copy
    of this file (``read_build_state``).
    """
    staging = Path(staging).resolve()
    warehouse = Path(warehouse).resolve()
    if not staging.is_file():
        raise PublishError(f"nothing to publish: {staging} does not exist")
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    build_id = build_id or _new_build_id()
    candidate = warehouse.parent / f".{warehouse.name}.publishing-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        result = _write_candidate(
            staging,
            candidate,
            warehouse=warehouse,
            storage_version=storage_version,
            build_id=build_id,
            state=state,
        )
        fsync_path(candidate)
        candidate.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
        if keep_previous and warehouse.exists():
            result.previous = _keep_previous(warehouse)
        _remove_stale_wal(warehouse)
        candidate.replace(warehouse)
        fsync_path(warehouse.parent)
        return result
    finally:
        for leftover in (candidate, candidate.with_name(candidate.name + ".wal")):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()


def _new_build_id() -> str:
    now = dt.datetime.now(dt.timezone.utc)
    return f"{now:%Y%m%dT%H%M%S}Z-{uuid.uuid4().hex[:8]}"


def _write_candidate(
    staging: Path,
    candidate: Path,
    *,
    warehouse: Path,
    storage_version: str,
    build_id: str,
    state: BuildState | None,
) -> PublishResult:
    con = duckdb.connect(":memory:")
    try:
        con.execute(f"attach '{_quote_literal(str(staging))}' as src (read_only)")
        con.execute(
            f"attach '{_quote_literal(str(candidate))}' as dst (storage_version '{_quote_literal(storage_version)}')"
        )
        con.execute("copy from database src to dst")
        _check_views_self_contained(con, {staging.name.split(".")[0], warehouse.name.split(".")[0]})
        row_counts = _check_row_counts(con)
        reapplied = _restore_comments(con)
        _write_meta(
            con,
            build_id=build_id,
            staging=staging,
            warehouse=warehouse,
            storage_version=storage_version,
            row_counts=row_counts,
            state=state,
        )
        tags = con.execute("select tags from duckdb_databases() where database_name = 'dst'").fetchone()
        written = (tags[0] or {}).get("storage_version", "") if tags else ""
        if not written.startswith(storage_version):
            raise PublishError(f"{candidate} was written with storage version {written!r}, not {storage_version!r}")
        con.execute("checkpoint dst")
        con.execute("detach dst")
    except duckdb.Error as exc:
        raise PublishError(f"could not write {candidate} from {staging}: {exc}") from exc
    finally:
        con.close()
    wal = candidate.with_name(candidate.name + ".wal")
    if wal.exists():
        raise PublishError(f"{wal} is left after CHECKPOINT and DETACH: the new file is not complete on its own")
    return PublishResult(
        warehouse=warehouse,
        build_id=build_id,
        storage_version=storage_version,
        row_counts=row_counts,
        comments_reapplied=reapplied,
    )


def _user_tables(con: duckdb.DuckDBPyConnection, database: str) -> list[tuple[str, str]]:
    return con.execute(
        "select schema_name, table_name from duckdb_tables()"
        " where database_name = ? and not internal and not temporary order by 1, 2",
        [database],
    ).fetchall()


def _check_row_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    src_tables = _user_tables(con, "src")
    dst_tables = _user_tables(con, "dst")
    if src_tables != dst_tables:
        missing = sorted(set(src_tables) - set(dst_tables))
        raise PublishError(f"tables missing after COPY FROM DATABASE: {missing}")
    counts: dict[str, int] = {}
    for schema, table in src_tables:
        name = f"{_ident(schema)}.{_ident(table)}"
        (src_n,) = con.execute(f"select count(*) from src.{name}").fetchone()
        (dst_n,) = con.execute(f"select count(*) from dst.{name}").fetchone()
        if src_n != dst_n:
            raise PublishError(f"{schema}.{table}: {src_n} rows built but {dst_n} copied")
        counts[f"{schema}.{table}"] = int(src_n)
    return counts


def _restore_comments(con: duckdb.DuckDBPyConnection) -> int:
    """Write again any table, view or column comment that did not survive the copy."""
    relation_comments = """
        select schema_name, table_name, 'table' as kind, comment from duckdb_tables()
        where database_name = ? and comment is not null and not internal
        union all
        select schema_name, view_name, 'view', comment from duckdb_views()
        where database_name = ? and comment is not null and not internal
    """
    column_comments = """
        select schema_name, table_name, column_name, comment from duckdb_columns()
        where database_name = ? and comment is not null and not internal
    """
    reapplied = 0
    src = con.execute(relation_comments, ["src", "src"]).fetchall()
    dst = {(s, t): c for s, t, _, c in con.execute(relation_comments, ["dst", "dst"]).fetchall()}
    for schema, name, kind, comment in src:
        if dst.get((schema, name)) != comment:
            con.execute(f"comment on {kind} dst.{_ident(schema)}.{_ident(name)} is '{_quote_literal(comment)}'")
            reapplied += 1
    src_cols = con.execute(column_comments, ["src"]).fetchall()
    dst_cols = {(s, t, c): x for s, t, c, x in con.execute(column_comments, ["dst"]).fetchall()}
    for schema, table, column, comment in src_cols:
        if dst_cols.get((schema, table, column)) != comment:
            target = f"dst.{_ident(schema)}.{_ident(table)}.{_ident(column)}"
            con.execute(f"comment on column {target} is '{_quote_literal(comment)}'")
            reapplied += 1
    return reapplied


def _check_views_self_contained(con: duckdb.DuckDBPyConnection, catalogs: set[str]) -> None:
    """Every view of ``dst`` must work under any file name and ATTACH alias: none may name a catalog
    (the staging file's or the published file's: ``macros/relation_names.sql`` leaves it out), and
    each must bind where only ``dst``'s own schemas can answer."""
    schemas = {name for (name,) in con.execute("select schema_name from duckdb_schemas() where database_name = 'dst'")
               .fetchall()}  # fmt: skip
    catalogs = catalogs - schemas  # a schema-qualified name is what we want, whatever the catalog is called
    names = "|".join(re.escape(catalog) for catalog in sorted(catalogs)) or "(?!)"
    pattern = re.compile(rf'(?<![\w"])"?(?:{names})"?\s*\.', re.IGNORECASE)
    problems = []
    views = con.execute("select schema_name, view_name, sql from duckdb_views() where database_name = 'dst'")
    for schema, name, sql in views.fetchall():
        if pattern.search(sql or ""):
            problems.append(f"{schema}.{name} names its catalog ({', '.join(sorted(catalogs))})")
            continue
        try:
            con.execute(f"select * from dst.{_ident(schema)}.{_ident(name)} limit 0")
        except duckdb.Error as exc:
            problems.append(f"{schema}.{name} does not work on its own: {str(exc).splitlines()[0]}")
    if problems:
        raise PublishError("views that would break under another file name or alias: " + "; ".join(problems))


def _write_meta(
    con: duckdb.DuckDBPyConnection,
    *,
    build_id: str,
    staging: Path,
    warehouse: Path,
    storage_version: str,
    row_counts: dict[str, int],
    state: BuildState | None,
) -> None:
    (duckdb_version,) = con.execute("select version()").fetchone()
    con.execute(f"create schema if not exists dst.{META_SCHEMA}")
    con.execute(
        f"""
        create or replace table dst.{META_SCHEMA}.build_info (
            build_id varchar not null primary key,
            published_at_utc timestamp not null,
            warehouse_name varchar not null,
            git_commit varchar,
            duckdb_version varchar not null,
            storage_version varchar not null,
            table_count integer not null,
            total_rows bigint not null,
            build_mode varchar,
            dbt_project_sha256 varchar,
            inputs_checksum varchar
        )
        """
    )
    con.execute(
        f"insert into dst.{META_SCHEMA}.build_info values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            build_id,
            dt.datetime.now(dt.timezone.utc).replace(tzinfo=None),
            warehouse.name,
            _git_commit(),
            duckdb_version,
            storage_version,
            len(row_counts),
            sum(row_counts.values()),
            state.mode if state else None,
            state.dbt_project_sha256 if state else None,
            state.inputs_checksum if state else None,
        ],
    )
    con.execute(f"create or replace table dst.{META_SCHEMA}.dbt_manifest (manifest_json varchar not null)")
    if state and state.manifest:
        con.execute(f"insert into dst.{META_SCHEMA}.dbt_manifest values (?)", [state.manifest])
    con.execute(
        f"""
        create or replace table dst.{META_SCHEMA}.table_row_counts (
            build_id varchar not null,
            schema_name varchar not null,
            table_name varchar not null,
            row_count bigint not null,
            primary key (schema_name, table_name)
        )
        """
    )
    rows = [(build_id, *name.split(".", 1), n) for name, n in row_counts.items()]
    if rows:
        con.executemany(f"insert into dst.{META_SCHEMA}.table_row_counts values (?, ?, ?, ?)", rows)
    comments = {
        "build_info": "One row describing the build published in this file: when, from which commit, in which format.",
        "table_row_counts": "Rows in every table of this build, counted when it was published (a reader can "
        "compare them with what it sees).",
        "dbt_manifest": "dbt's manifest.json of this build (one row, or none): the next build compares the "
        "project with it (dbt's state:modified) to choose what it must rebuild.",
    }
    for table, comment in comments.items():
        con.execute(f"comment on table dst.{META_SCHEMA}.{table} is '{_quote_literal(comment)}'")
    columns = {
        "build_info.build_id": "Unique id of this build: UTC time it was published plus a random suffix.",
        "build_info.published_at_utc": "When this file was published, in UTC.",
        "build_info.warehouse_name": "File name the build was published as.",
        "build_info.git_commit": "Commit of the project the build was made from (null outside git).",
        "build_info.duckdb_version": "DuckDB version that wrote this file.",
        "build_info.storage_version": "Storage format of this file: DuckDB versions from this one on can open it.",
        "build_info.table_count": "Number of tables in the build (meta tables excluded).",
        "build_info.total_rows": "Rows in all those tables together.",
        "build_info.build_mode": "'full' (built from scratch) or 'incremental' (started from the previous "
        "published file: only what changed since, and the newly landed periods, were built).",
        "build_info.dbt_project_sha256": "Checksum of dbt_project.yml: when it differs, the next build rebuilds "
        "every model (dbt's state comparison cannot see a change of vars).",
        "build_info.inputs_checksum": "Checksum of everything a build reads (the dbt project, the build and "
        "validation code, the expectations, the landing zone): a build whose inputs are equal publishes nothing.",
        "table_row_counts.build_id": "The build these counts belong to (meta.build_info.build_id).",
        "table_row_counts.schema_name": "Schema of the table.",
        "table_row_counts.table_name": "Name of the table.",
        "table_row_counts.row_count": "Rows in the table when the build was published.",
        "dbt_manifest.manifest_json": "The manifest, as dbt wrote it (JSON text).",
    }
    for column, comment in columns.items():
        con.execute(f"comment on column dst.{META_SCHEMA}.{column} is '{_quote_literal(comment)}'")


def build_stamp(con: duckdb.DuckDBPyConnection) -> dict[str, str | None]:
    """``build_id`` and ``published_at_utc`` (ISO text) of the published file ``con`` reads, from
    ``meta.build_info``; both None for a file without it. Pages and exports made from a build
    carry these (the Parquet folder's build.json, the docs page; the report should too)."""
    try:
        row = con.execute("select build_id, published_at_utc from meta.build_info").fetchone()
    except duckdb.CatalogException:
        row = None
    build_id, published = row or (None, None)
    return {"build_id": build_id, "published_at_utc": published.isoformat() if published else None}


def published_inputs_checksum(warehouse: Path) -> str | None:
    """The ``inputs_checksum`` the published file recorded (None: no file, or an older one)."""
    if not Path(warehouse).is_file():
        return None
    try:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            (value,) = con.execute(f"select inputs_checksum from {META_SCHEMA}.build_info").fetchone()
    except (duckdb.Error, TypeError):  # no such table or column, an empty table: an older file
        return None
    return value


def build_label(stamp: dict[str, str | None]) -> str:
    """``build <id>, published <YYYY-MM-DD HH:MM> UTC`` for a page footer or a banner."""
    if not stamp.get("build_id"):
        return "no build id (the file has no meta.build_info)"
    published = (stamp.get("published_at_utc") or "")[:16].replace("T", " ")
    return f"build {stamp['build_id']}, published {published} UTC"


def read_build_state(con: duckdb.DuckDBPyConnection, database: str) -> BuildState | None:
    """The state a published file recorded (None if it holds no dbt manifest: an older file)."""
    tables = {
        row[0]
        for row in con.execute(
            "select table_name from duckdb_tables() where database_name = ? and schema_name = ?",
            [database, META_SCHEMA],
        ).fetchall()
    }
    if "dbt_manifest" not in tables:
        return None
    manifest = con.execute(f"select manifest_json from {_ident(database)}.{META_SCHEMA}.dbt_manifest").fetchone()
    if manifest is None:
        return None
    mode, project = con.execute(
        f"select build_mode, dbt_project_sha256 from {_ident(database)}.{META_SCHEMA}.build_info"
    ).fetchone()
    return BuildState(mode=mode or "full", manifest=manifest[0], dbt_project_sha256=project)


def _git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=False, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0:
        return None
    return out.stdout.strip() or None


def _keep_previous(warehouse: Path) -> Path | None:
    """Hard-link the published file as .previous/<name> (same inode, so no copy and no extra space)."""
    previous = previous_path_for(warehouse)
    previous.parent.mkdir(exist_ok=True)
    link = previous.with_name(f".{previous.name}.{os.getpid()}")
    with contextlib.suppress(FileNotFoundError):
        link.unlink()
    try:
        os.link(warehouse, link)
    except OSError as exc:  # a file system without hard links: keep nothing rather than copy
        print(f"[publish] could not keep the previous file: {exc}", flush=True)
        return None
    link.replace(previous)
    return previous


def _remove_stale_wal(warehouse: Path) -> None:
    """A .wal beside the published path would be replayed onto the new file by the next writer: drop it."""
    wal = warehouse.with_name(warehouse.name + ".wal")
    if wal.exists():
        print(f"[publish] removing stale {wal} (someone opened the published file read-write)", flush=True)
        wal.unlink()


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _quote_literal(text: str) -> str:
    return text.replace("'", "''")
