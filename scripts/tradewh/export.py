"""Export every mart as Parquet, for tools that read files (Evidence, Rill, pandas, Spark, ...).

``export_marts(warehouse)`` writes ``<warehouse dir>/parquet/<mart>.parquet`` for every table in
the ``marts`` schema of the published warehouse, which it opens read-only, and ``build.json``
beside them: the build they were exported from (``meta.build_info``). The whole folder is
replaced at once: the files are written into a new folder ``.parquet-partial-<pid>-<hex>/``, which
is renamed ``.parquet-export-<pid>-<hex>/``, and ``parquet`` is a symbolic link to it, swapped with one
atomic rename. A reader sees the previous export or the new one, never a mix; an export killed
midway leaves the previous one whole (and a partial folder that the next build or ``make clean``
removes: ``tradewh.leftovers``).
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import duckdb
from tqdm import tqdm

from tradewh.cli import output_arguments
from tradewh.publish import build_stamp

MARTS_SCHEMA = "marts"
STAMP = "build.json"
"""Written beside the Parquet files: the build they come from, and each mart's rows."""


@dataclass(frozen=True)
class ExportedMart:
    """One Parquet file written by export_marts."""

    mart: str
    path: Path
    rows: int


def parquet_dir_for(warehouse: Path) -> Path:
    """``warehouse/parquet/`` beside the published file."""
    return Path(warehouse).resolve().parent / "parquet"


def read_only_connection(warehouse: Path) -> duckdb.DuckDBPyConnection:
    """Open the warehouse the way BI users should: read-only."""
    warehouse = Path(warehouse)
    if not warehouse.is_file():
        raise FileNotFoundError(f"no warehouse at {warehouse}: run `make build` first (or pass WAREHOUSE=path)")
    return duckdb.connect(str(warehouse), read_only=True)


def list_marts(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every table in the marts schema, by name."""
    rows = con.execute(
        "select table_name from duckdb_tables() where schema_name = ? and database_name = current_database()"
        " order by table_name",
        [MARTS_SCHEMA],
    ).fetchall()
    return [name for (name,) in rows]


def export_marts(warehouse: Path, out_dir: Path | None = None, progress: bool = True) -> list[ExportedMart]:
    """Write every mart of ``warehouse`` as ``<out_dir>/<mart>.parquet``; return what was written."""
    out_dir = Path(out_dir) if out_dir is not None else parquet_dir_for(warehouse)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    partial = out_dir.parent / f".{out_dir.name}-partial-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    partial.mkdir()
    try:
        exported = _write_folder(warehouse, partial, progress)
        final = out_dir.parent / f".{out_dir.name}-export-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        partial.rename(final)
        _swap_link(out_dir, final)
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return [ExportedMart(item.mart, out_dir / item.path.name, item.rows) for item in exported]


def _write_folder(warehouse: Path, folder: Path, progress: bool) -> list[ExportedMart]:
    con = read_only_connection(warehouse)
    try:
        marts = list_marts(con)
        if not marts:
            raise RuntimeError(f"{warehouse} has no tables in schema {MARTS_SCHEMA!r}: nothing to export")
        exported = []
        for mart in tqdm(marts, desc="export", unit="mart", disable=not progress):
            target = folder / f"{mart}.parquet"
            con.execute(
                f'copy (select * from {MARTS_SCHEMA}."{mart}") to '
                f"'{_literal(str(target))}' (format parquet, compression zstd)"
            )
            (rows,) = con.execute(f'select count(*) from {MARTS_SCHEMA}."{mart}"').fetchone()
            exported.append(ExportedMart(mart=mart, path=target, rows=int(rows)))
        stamp = build_stamp(con)
    finally:
        con.close()
    stamp["marts"] = {item.mart: item.rows for item in exported}
    (folder / STAMP).write_text(json.dumps(stamp, indent=2, default=str) + "\n", encoding="utf-8")
    return exported


def _swap_link(link: Path, target: Path) -> None:
    """Point ``link`` at ``target`` with one rename; remove what it pointed at before."""
    previous = link.parent / link.readlink() if link.is_symlink() else None
    if link.exists() and not link.is_symlink():  # a plain folder written by an older export
        legacy = link.parent / f".{link.name}-partial-{os.getpid()}-legacy"
        link.rename(legacy)
        previous = legacy
    fresh = link.parent / f".{link.name}-link-{os.getpid()}"
    fresh.unlink(missing_ok=True)
    fresh.symlink_to(target.name)
    fresh.replace(link)
    if previous is not None and previous.resolve() != target.resolve():
        shutil.rmtree(previous, ignore_errors=True)


def _literal(text: str) -> str:
    return text.replace("'", "''")


def main(argv: list[str] | None = None) -> int:
    args = output_arguments(
        argv, __doc__, warehouse_help="the DuckDB file to export (opened read-only)", default_folder="parquet"
    )
    try:
        exported = export_marts(args.warehouse, args.out)
    except (FileNotFoundError, RuntimeError, duckdb.Error) as exc:
        print(f"[export] {exc}")
        return 1
    for item in exported:
        print(f"[export] {item.path} ({item.rows} rows)")
    return 0
