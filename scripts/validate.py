#!/usr/bin/env python3
"""Validate a built warehouse with Great Expectations (the totals: see docs/validation.md).

Opens the warehouse read-only, runs every suite of the file context in expectations/, prints a
summary (suite, expectation, observed value, expected, result), writes Data Docs to the
warehouse's directory /data_docs/index.html, and exits

  0  every expectation passed
  1  an expectation failed or errored (an error inside GX, a missing table, a bad query)
  2  validation could not start (no warehouse file, no file context, a malformed spec, or a
     damaged warehouse file: one line says so before any expectation runs)
  3  an environment error: the disk is full or a permission is missing (tradewh.errors)

--write-suites regenerates expectations/expectations/*.json from expectations/checks.yml
(review the diff, then commit both); --check-suites only reports drift between the two.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import duckdb

from tradewh import PROJECT_ROOT
from tradewh.errors import EXIT_ENVIRONMENT, environment_problem
from tradewh.validation import ValidationSetupError, validate_warehouse
from tradewh.validation_spec import CONTEXT_DIR, SPEC_PATH, SpecError, load_spec, suite_drift, write_suites

DEFAULT_WAREHOUSE = PROJECT_ROOT / "warehouse" / "china_regional_trade.duckdb"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--warehouse", type=Path, default=DEFAULT_WAREHOUSE, help="DuckDB file to validate (read-only)")
    parser.add_argument("--data-docs-dir", type=Path, default=None, help="default: <warehouse dir>/data_docs")
    parser.add_argument("--no-data-docs", action="store_true", help="skip building Data Docs")
    parser.add_argument("--suite", action="append", help="run only this suite (repeatable; for debugging)")
    parser.add_argument("--write-suites", action="store_true", help=f"regenerate the suites from {SPEC_PATH.name}")
    parser.add_argument("--check-suites", action="store_true", help=f"exit 1 if suites differ from {SPEC_PATH.name}")
    args = parser.parse_args(argv)

    if args.write_suites or args.check_suites:
        try:
            checks = load_spec(SPEC_PATH)
        except SpecError as exc:
            print(f"[validate] {exc}", file=sys.stderr)
            return 2
        if args.write_suites:
            for path in write_suites(checks, CONTEXT_DIR):
                print(f"[validate] wrote {path.relative_to(PROJECT_ROOT)}")
            return 0
        drift = suite_drift(checks, CONTEXT_DIR)
        for problem in drift:
            print(f"[validate] {problem}", file=sys.stderr)
        return 1 if drift else 0

    started = time.monotonic()
    try:
        report = validate_warehouse(
            args.warehouse, data_docs=not args.no_data_docs, data_docs_dir=args.data_docs_dir, only=args.suite
        )
    except ValidationSetupError as exc:
        print(f"[validate] cannot validate: {exc}", file=sys.stderr)
        return 2
    except (OSError, duckdb.Error) as exc:
        problem = environment_problem(exc)
        if problem is None:
            raise
        print(problem.render("validate"), file=sys.stderr)
        return EXIT_ENVIRONMENT
    print(report.summary())
    print(f"[validate] {time.monotonic() - started:.1f}s")
    return 0 if report.success else 1


if __name__ == "__main__":
    sys.exit(main())
