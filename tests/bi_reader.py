"""A BI-style reader for the publication tests, run as its own process.

    python tests/bi_reader.py WAREHOUSE MODE STOP_FILE RESULT_JSON

MODE ``hold``: open the warehouse read-only once and query it in a loop on that one connection
(a dashboard left connected). MODE ``poll``: open a new read-only connection for every query (a
tool that reconnects). Each query, inside one transaction, reads ``meta.build_info`` and
``meta.table_row_counts`` and counts the rows of every table listed there: a whole build has the
counts its build recorded. Any exception or mismatch is recorded as an error; the loop ends when
STOP_FILE exists (or after 15 minutes) and writes what it saw to RESULT_JSON.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import duckdb

MAX_SECONDS = 900


def observe(con: duckdb.DuckDBPyConnection) -> tuple[str, int, list[str]]:
    """(build id, tables checked, problems) for one consistent look at the warehouse."""
    con.execute("begin transaction")
    try:
        (build_id,) = con.execute("select build_id from meta.build_info").fetchone()
        recorded = con.execute("select schema_name, table_name, row_count from meta.table_row_counts").fetchall()
        problems = []
        for schema, table, expected in recorded:
            (actual,) = con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()
            if actual != expected:
                problems.append(f"{build_id}: {schema}.{table} has {actual} rows, its build recorded {expected}")
        return build_id, len(recorded), problems
    finally:
        con.execute("commit")


def main() -> int:
    warehouse, mode, stop_file, result_file = sys.argv[1], sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4])
    observations: list[tuple[float, str, int]] = []
    errors: list[str] = []
    held = duckdb.connect(warehouse, read_only=True) if mode == "hold" else None
    started = time.monotonic()
    while not stop_file.exists() and time.monotonic() - started < MAX_SECONDS:
        try:
            con = held or duckdb.connect(warehouse, read_only=True)
            try:
                build_id, tables, problems = observe(con)
            finally:
                if held is None:
                    con.close()
            observations.append((time.time(), build_id, tables))
            errors.extend(problems)
        except Exception as exc:  # noqa: BLE001  every failure, whatever its type, is what the test counts
            errors.append(f"{time.time():.3f} {type(exc).__name__}: {exc}")
        time.sleep(0.02)
    if held is not None:
        held.close()
    result_file.write_text(json.dumps({"mode": mode, "observations": observations, "errors": errors}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
