#!/usr/bin/env python3
"""Build the warehouse on DuckDB and on Spark and compare every mart row for row (make test-spark)."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from tradewh import PROJECT_ROOT
from tradewh.spark_compare import REL_TOL, CheckLayout, build_and_compare, report


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=(
            "Portability check: build the seeds and every mart with dbt on DuckDB and on Apache Spark "
            "(the `spark` target of profiles.yml: a local PySpark session from .venv-spark), from the same "
            "GACC landing zone, then compare each mart row for row, sorted by its key (numbers within a "
            "relative tolerance). Prints which mart and which rows differ; exits 1 on any difference, 2 when "
            "a build fails. Everything is written under --work-dir, never to the published warehouse."
        ),
        epilog="Run through `make test-spark`, which creates .venv-spark first (requirements-spark.txt).",
    )
    parser.add_argument(
        "--work-dir",
        type=Path,
        default=PROJECT_ROOT / "warehouse" / "spark" / "check",
        help="folder for both builds, the Spark metastore and the exports (default: warehouse/spark/check; rebuilt)",
    )
    parser.add_argument(
        "--spark-python",
        type=Path,
        default=PROJECT_ROOT / ".venv-spark" / "bin" / "python",
        help="python of the environment with dbt-spark and PySpark (default: .venv-spark/bin/python)",
    )
    parser.add_argument(
        "--landing",
        default="fixtures",
        help="GACC landing zone both builds read: 'fixtures' (land tests/fixtures/gacc, the default, so the "
        "detail marts have rows), 'empty', or the path of an existing landing root",
    )
    parser.add_argument(
        "--with-tests",
        action="store_true",
        help="run the data and unit tests in both builds too (plain `dbt build`; slower on Spark)",
    )
    parser.add_argument(
        "--skip-build",
        action="store_true",
        help="compare the builds already in --work-dir (re-export the Spark marts only)",
    )
    parser.add_argument(
        "--schemas",
        default="marts,intermediate,staging",
        help="comma-separated schemas to compare (default: marts,intermediate,staging, i.e. every model; "
        "keys come from each model's primary-key test)",
    )
    parser.add_argument("--driver-memory", default="2g", help="Spark driver memory (default: 2g)")
    parser.add_argument(
        "--rel-tol", type=float, default=REL_TOL, help=f"relative tolerance for numbers (default: {REL_TOL})"
    )
    args = parser.parse_args(argv)
    if not args.spark_python.exists():
        print(f"test_spark: {args.spark_python} not found; `make test-spark` creates .venv-spark", file=sys.stderr)
        return 2
    started = time.monotonic()
    try:
        results = build_and_compare(
            CheckLayout(args.work_dir),
            args.spark_python,
            landing=args.landing,
            with_tests=args.with_tests,
            skip_build=args.skip_build,
            driver_memory=args.driver_memory,
            rel_tol=args.rel_tol,
            schemas=[schema.strip() for schema in args.schemas.split(",") if schema.strip()],
        )
    except RuntimeError as error:
        print(f"test_spark: {error}", file=sys.stderr)
        return 2
    print(report(results))
    print(f"test_spark: {time.monotonic() - started:.0f} s in all")
    differing = sum(not result.ok for result in results)
    # The plain closing line CI reads: one model, one test.
    print(f"test-spark: {len(results) - differing} passed, {differing} failed")
    return 0 if differing == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
