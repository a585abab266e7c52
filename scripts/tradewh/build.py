"""Build the warehouse into a new file, validate it, and only then publish it.

The published file (``warehouse/china_regional_trade.duckdb`` by default) is never written in
place: a failed build or validation leaves it byte-for-byte as it was.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path

from tradewh import PROJECT_ROOT
from tradewh.bi_outputs import refresh_outputs
from tradewh.dbt import DbtError, run_dbt
from tradewh.publish import PublishError, publish
from tradewh.validation import ValidationSetupError, install_data_docs, validate_warehouse

DEFAULT_WAREHOUSE = PROJECT_ROOT / "warehouse" / "china_regional_trade.duckdb"


def staging_path_for(warehouse: Path) -> Path:
    """A fresh file beside the published one (same file system, so the final rename is atomic)."""
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S")
    build_dir = warehouse.parent / ".build"
    build_dir.mkdir(parents=True, exist_ok=True)
    return build_dir / f"{warehouse.stem}.{stamp}.{os.getpid()}.duckdb"


def build(warehouse: Path, dbt_args: list[str] | None = None) -> int:
    """dbt build -> validate -> publish. Returns a process exit code."""
    warehouse = warehouse.resolve()
    staging = staging_path_for(warehouse)
    target_path = staging.with_suffix(".target")
    try:
        print(f"[build] dbt build into {staging}", flush=True)
        run_dbt(["build", *(dbt_args or [])], database=staging, target_path=target_path)
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
        result = publish(staging, warehouse)
        install_data_docs(docs, warehouse.parent / "data_docs")
        print(f"[build] Data Docs {warehouse.parent / 'data_docs' / 'index.html'}", flush=True)
        print(f"[build] published {warehouse} (build {result.build_id}, storage {result.storage_version})", flush=True)
        return refresh_outputs(warehouse, staging=staging, target_path=target_path)
    except DbtError as exc:
        print(f"[build] {exc}\n[build] dbt build failed: {warehouse} was NOT replaced", file=sys.stderr)
        return 1
    except PublishError as exc:
        print(f"[build] {exc}\n[build] publication failed: {warehouse} was NOT replaced", file=sys.stderr)
        return 1
    finally:
        _remove_quietly(staging)
        _remove_quietly(staging.with_name(staging.name + ".wal"))


def _remove_quietly(path: Path) -> None:
    path.unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--warehouse", type=Path, default=DEFAULT_WAREHOUSE, help="the published file to replace")
    parser.add_argument("dbt_args", nargs="*", help="extra arguments for `dbt build` (after --)")
    args = parser.parse_args(argv)
    return build(args.warehouse, args.dbt_args)
