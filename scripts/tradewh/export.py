"""Export every mart as Parquet, for tools that read files (Evidence, Rill, pandas, Spark, ...).

``export_marts(warehouse)`` writes ``<warehouse dir>/parquet/<mart>.parquet`` for every table in
the ``marts`` schema of the published warehouse, which it opens read-only. Each file is written
under a temporary name and renamed into place, so a tool reading the folder never sees half a
file; Parquet files of marts that no longer exist are removed.
"""

from __future__ import annotations

import argparse
import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

import duckdb
from tqdm import tqdm

MARTS_SCHEMA = "marts"


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
    out_dir.mkdir(parents=True, exist_ok=True)
    exported: list[ExportedMart] = []
    con = read_only_connection(warehouse)
    try:
        marts = list_marts(con)
        if not marts:
            raise RuntimeError(f"{warehouse} has no tables in schema {MARTS_SCHEMA!r}: nothing to export")
        for mart in tqdm(marts, desc="export", unit="mart", disable=not progress):
            target = out_dir / f"{mart}.parquet"
            partial = out_dir / f".{mart}.parquet.partial-{os.getpid()}"
            try:
                con.execute(
                    f'copy (select * from {MARTS_SCHEMA}."{mart}") to '
                    f"'{_literal(str(partial))}' (format parquet, compression zstd)"
                )
                partial.replace(target)
            finally:
                with contextlib.suppress(FileNotFoundError):
                    partial.unlink()
            (rows,) = con.execute(f'select count(*) from {MARTS_SCHEMA}."{mart}"').fetchone()
            exported.append(ExportedMart(mart=mart, path=target, rows=int(rows)))
    finally:
        con.close()
    current = {item.path.name for item in exported}
    for stale in out_dir.glob("*.parquet"):
        if stale.name not in current:
            stale.unlink()
    return exported


def _literal(text: str) -> str:
    return text.replace("'", "''")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--warehouse", type=Path, required=True, help="the DuckDB file to export (opened read-only)")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: parquet/ beside the warehouse)")
    args = parser.parse_args(argv)
    try:
        exported = export_marts(args.warehouse, args.out)
    except (FileNotFoundError, RuntimeError, duckdb.Error) as exc:
        print(f"[export] {exc}")
        return 1
    for item in exported:
        print(f"[export] {item.path} ({item.rows} rows)")
    return 0
