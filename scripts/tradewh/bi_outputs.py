"""What ``make build`` regenerates after each publication: Parquet exports, the docs site, the report.

They are written after the warehouse is published, from the published file (read-only) and, for
the docs site, from the staging file dbt just built and its target folder; the Parquet folder and
the docs page carry the published build's id (``tradewh.publish.build_stamp``). A failure here does not
unpublish the warehouse (it already passed validation); the build says what failed and exits 1.
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb

from tradewh.dbt import DbtError
from tradewh.docs_site import docs_dir_for, generate_docs
from tradewh.export import export_marts
from tradewh.publish import build_stamp
from tradewh.report import build_report


def refresh_outputs(warehouse: Path, staging: Path, target_path: Path) -> int:
    """Export, docs and report for a freshly published ``warehouse``; 0 when all were written."""
    failed: list[str] = []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        stamp = build_stamp(con)
    try:
        exported = export_marts(warehouse, progress=False)
        print(f"[build] exported {len(exported)} marts to {exported[0].path.parent}", flush=True)
    except (OSError, RuntimeError, duckdb.Error) as exc:
        failed.append(f"Parquet export: {exc}")
    try:
        page = generate_docs(staging, target_path, docs_dir_for(warehouse), compile_models=False, stamp=stamp)
        print(f"[build] docs site {page}", flush=True)
    except (OSError, DbtError) as exc:
        failed.append(f"docs site: {exc}")
    try:
        page, report = build_report(warehouse)
        print(f"[build] report {page}", flush=True)
        for name, reason in report.unavailable.items():
            print(f"[build] warning: report section {name} not drawn: {reason}", file=sys.stderr, flush=True)
    except (OSError, duckdb.Error) as exc:
        failed.append(f"report: {exc}")
    for message in failed:
        print(f"[build] {warehouse} is published, but the {message}", file=sys.stderr, flush=True)
    return 1 if failed else 0
