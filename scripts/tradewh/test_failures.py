"""Which figures a failed dbt test is about: the figure ids behind "Got 13 results".

dbt reports a failed data test by its name and a count. The figure tests (figure_values_in,
figure_plain_number, expression_is_true on the figure models, ...) return rows that carry a
``figure_id``; after a failed run this reads dbt's run_results.json, re-runs the compiled SQL of
each failed test read-only against the database dbt wrote, and names the figures.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

SHOWN = 20


def _figure_ids(connection: duckdb.DuckDBPyConnection, sql: str) -> list[str] | None:
    """The distinct figure ids of a test's failure rows; None when the rows carry none."""
    query = f"select * from ({sql}) as failures"
    try:
        columns = [d[0] for d in connection.execute(f"{query} limit 0").description]
        if "figure_id" not in columns:
            return None
        rows = connection.execute(f"select distinct figure_id from ({query}) order by 1").fetchall()
    except duckdb.Error:
        return None
    return [str(row[0]) for row in rows]


def failed_test_figures(target_path: Path, database: Path) -> list[str]:
    """One line per failed data test whose failure rows name figures: the test and the figure ids."""
    results_path = target_path / "run_results.json"
    if not results_path.exists() or not database.exists():
        return []
    results = json.loads(results_path.read_text(encoding="utf-8"))["results"]
    failed = [
        r
        for r in results
        if r["unique_id"].startswith("test.") and r["status"] in ("fail", "error", "warn") and r.get("compiled_code")
    ]
    if not failed:
        return []
    lines = []
    try:
        connection = duckdb.connect(str(database), read_only=True)
    except duckdb.Error:
        return []
    with connection:
        for result in failed:
            ids = _figure_ids(connection, result["compiled_code"])
            if ids:
                shown = ", ".join(ids[:SHOWN]) + (f" and {len(ids) - SHOWN} more" if len(ids) > SHOWN else "")
                name = result["unique_id"].split(".")[2]
                lines.append(f"{name}: figures {shown} ({result.get('message') or result['status']})")
    return lines
