"""Compare the marts of two builds (DuckDB and Spark) row for row.

Pure Python on purpose: it runs in the default test suite without Spark, and in either virtual
environment. A mart is a :class:`Table` (column names and rows); both sides are sorted by the
mart's key (its primary-key test in ``models/marts/_marts__*.yml``) and matched key by key.
Numbers are equal within a relative tolerance (1e-9 by default: DuckDB and Spark may add the same
doubles in a different order); text, dates and booleans must be equal exactly.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from tradewh import PROJECT_ROOT

if TYPE_CHECKING:
    from tradewh.ingest_gacc_land import IngestResult

REL_TOL = 1e-9
# Below this, two numbers are equal whatever their ratio (0 vs 1e-15 after a different summation
# order); far below any amount, rate or percentage the marts hold.
ABS_TOL = 1e-12
MODELS_DIR = PROJECT_ROOT / "models"
BUILD_COLUMNS = frozenset({"landed_through_at"})
"""Columns that say when a build ran, not what the data is: the incremental models' high-water
mark (null on Spark, where every build is a full one). Left out of the comparison."""


@dataclass(frozen=True)
class Table:
    """One side's copy of a mart: column names in order and the rows as tuples."""

    columns: tuple[str, ...]
    rows: list[tuple[object, ...]]


def without_build_columns(table: Table) -> Table:
    """``table`` without its ``BUILD_COLUMNS``."""
    keep = [i for i, column in enumerate(table.columns) if column not in BUILD_COLUMNS]
    if len(keep) == len(table.columns):
        return table
    return Table(tuple(table.columns[i] for i in keep), [tuple(row[i] for i in keep) for row in table.rows])


@dataclass
class MartComparison:
    """The outcome for one mart: what differs, in words a person can act on."""

    mart: str
    key: tuple[str, ...]
    left_rows: int
    right_rows: int
    differences: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.differences


def normalise(value: object) -> object:
    """One representation per kind of value: numbers as float, dates as ISO text."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int | float | Decimal):
        return float(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def values_equal(left: object, right: object, rel_tol: float = REL_TOL) -> bool:
    """Equal after :func:`normalise`; numbers within ``rel_tol`` relative (or ABS_TOL absolute)."""
    left, right = normalise(left), normalise(right)
    if left is None or right is None:
        return left is None and right is None
    if isinstance(left, bool) or isinstance(right, bool):
        return left is right
    if isinstance(left, float) and isinstance(right, float):
        if math.isnan(left) or math.isnan(right):
            return math.isnan(left) and math.isnan(right)
        return math.isclose(left, right, rel_tol=rel_tol, abs_tol=ABS_TOL)
    return left == right


def _sort_key(values: Iterable[object]) -> tuple[tuple[int, str, object], ...]:
    """Sorts any mix of values, nulls first, without comparing a number with a string."""
    key = []
    for raw in values:
        value = normalise(raw)
        if value is None:
            key.append((0, "", ""))
        else:
            key.append((1, type(value).__name__, value))
    return tuple(key)


def _describe(key: Sequence[str], values: Sequence[object]) -> str:
    return ", ".join(f"{name}={value!r}" for name, value in zip(key, values, strict=True))


def compare_tables(
    mart: str,
    left: Table,
    right: Table,
    key: Sequence[str] | None = None,
    *,
    rel_tol: float = REL_TOL,
    names: tuple[str, str] = ("duckdb", "spark"),
    max_reported: int = 20,
) -> MartComparison:
    """Compare two copies of ``mart`` row for row, matching rows on ``key`` (all columns if none)."""
    left_name, right_name = names
    result = MartComparison(mart, tuple(key or left.columns), len(left.rows), len(right.rows))
    problems = result.differences
    if left.columns != right.columns:
        only_left = [c for c in left.columns if c not in right.columns]
        only_right = [c for c in right.columns if c not in left.columns]
        if only_left or only_right:
            problems.append(f"columns differ: only on {left_name} {only_left}, only on {right_name} {only_right}")
        else:
            problems.append(
                f"column order differs: {left_name} {list(left.columns)}, {right_name} {list(right.columns)}"
            )
    columns = [c for c in left.columns if c in right.columns]
    key_columns = [c for c in result.key if c in columns]
    if len(key_columns) != len(result.key):
        problems.append(f"key columns {list(result.key)} missing on one side; matching rows on all common columns")
        key_columns = columns
    if len(left.rows) != len(right.rows):
        problems.append(f"row count differs: {left_name} {len(left.rows)}, {right_name} {len(right.rows)}")

    def index(table: Table, side: str) -> dict[tuple[object, ...], tuple[object, ...]]:
        positions = [table.columns.index(c) for c in columns]
        key_positions = [columns.index(c) for c in key_columns]
        indexed: dict[tuple[object, ...], tuple[object, ...]] = {}
        for raw in sorted(table.rows, key=lambda row: _sort_key(row[p] for p in positions)):
            row = tuple(raw[p] for p in positions)
            row_key = tuple(normalise(row[p]) for p in key_positions)
            if row_key in indexed:
                problems.append(f"duplicate key on {side}: {_describe(key_columns, row_key)}")
            indexed[row_key] = row
        return indexed

    left_rows, right_rows = index(left, left_name), index(right, right_name)
    row_problems: list[str] = []
    for row_key in sorted(set(left_rows) | set(right_rows), key=_sort_key):
        where = _describe(key_columns, row_key)
        if row_key not in right_rows:
            row_problems.append(f"row only on {left_name}: {where}")
            continue
        if row_key not in left_rows:
            row_problems.append(f"row only on {right_name}: {where}")
            continue
        for column, a, b in zip(columns, left_rows[row_key], right_rows[row_key], strict=True):
            if not values_equal(a, b, rel_tol):
                row_problems.append(f"row {where}: {column}: {left_name} {a!r} != {right_name} {b!r}")
    problems.extend(row_problems[:max_reported])
    if len(row_problems) > max_reported:
        problems.append(f"... and {len(row_problems) - max_reported} more row differences")
    return result


def mart_keys(models_dir: Path = MODELS_DIR) -> dict[str, tuple[str, ...]]:
    """Each model's key, read from its primary-key test in the `_*.yml` files under models/:
    unique_combination_of_columns, else a column with a `unique` test. Models with neither are
    left out (compared on all columns)."""
    import yaml

    keys: dict[str, tuple[str, ...]] = {}
    for path in sorted(models_dir.rglob("_*.yml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for model in document.get("models") or []:
            name = model["name"]
            for test in model.get("data_tests") or []:
                if isinstance(test, Mapping) and "unique_combination_of_columns" in test:
                    spec = test["unique_combination_of_columns"]
                    arguments = spec.get("arguments", spec)
                    keys[name] = tuple(arguments["combination_of_columns"])
            if name in keys:
                continue
            for column in model.get("columns") or []:
                tests = column.get("data_tests") or []
                if "unique" in tests or any(isinstance(t, Mapping) and "unique" in t for t in tests):
                    keys[name] = (column["name"],)
                    break
    return keys


def compare_marts(
    left: Mapping[str, Table],
    right: Mapping[str, Table],
    keys: Mapping[str, Sequence[str]],
    *,
    rel_tol: float = REL_TOL,
    names: tuple[str, str] = ("duckdb", "spark"),
) -> list[MartComparison]:
    """Compare every mart either side has; a mart missing on one side is a difference."""
    results = []
    for mart in sorted(set(left) | set(right)):
        if mart not in left or mart not in right:
            missing = names[0] if mart not in left else names[1]
            comparison = MartComparison(mart, tuple(keys.get(mart, ())), 0, 0)
            comparison.differences.append(f"mart missing on {missing}")
            results.append(comparison)
            continue
        results.append(compare_tables(mart, left[mart], right[mart], keys.get(mart), rel_tol=rel_tol, names=names))
    return results


def report(results: Sequence[MartComparison], names: tuple[str, str] = ("duckdb", "spark")) -> str:
    """A plain-text report: one line per mart, then the differences of those that differ."""
    lines = []
    for result in results:
        status = "same" if result.ok else "DIFFERENT"
        lines.append(
            f"{result.mart:<40} {status:<9} {names[0]} {result.left_rows} rows, {names[1]} {result.right_rows} rows"
            f" (key: {', '.join(result.key) or 'all columns'})"
        )
    for result in results:
        if not result.ok:
            lines.append(f"\n{result.mart}: {len(result.differences)} difference(s)")
            lines.extend(f"  {line}" for line in result.differences)
    differing = sum(not r.ok for r in results)
    lines.append(f"\n{len(results) - differing} of {len(results)} models identical; {differing} differ")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Reading the two builds, and running them (scripts/test_spark.py, `make test-spark`).
# ---------------------------------------------------------------------------------------------


def read_duckdb_marts(database: Path, schema: str = "marts") -> dict[str, Table]:
    """Every table and view of ``schema`` in a DuckDB file, read-only."""
    import duckdb

    tables: dict[str, Table] = {}
    with duckdb.connect(str(database), read_only=True) as con:
        names = [
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables where table_schema = ?",
                [schema],
            ).fetchall()
        ]
        for name in sorted(names):
            cursor = con.execute(f'select * from "{schema}"."{name}"')
            columns = tuple(d[0] for d in cursor.description)
            tables[name] = Table(columns, cursor.fetchall())
    return tables


def read_spark_export(folder: Path) -> dict[str, Table]:
    """The marts written by tradewh.spark_export: manifest.json plus <mart>/*.parquet."""
    import json

    import duckdb

    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    tables: dict[str, Table] = {}
    with duckdb.connect() as con:
        for name, entry in sorted(manifest.items()):
            columns = tuple(entry["columns"])
            files = sorted(str(p) for p in (folder / name).glob("*.parquet"))
            rows: list[tuple[object, ...]] = []
            if entry["rows"] and files:
                cursor = con.execute("select * from read_parquet(?)", [files])
                rows = cursor.fetchall()
                columns = tuple(d[0] for d in cursor.description)
            if len(rows) != entry["rows"]:
                raise RuntimeError(f"{folder / name}: {len(rows)} rows read, the export counted {entry['rows']}")
            tables[name] = Table(columns, rows)
    return tables


@dataclass(frozen=True)
class CheckLayout:
    """Where one `make test-spark` run keeps its files (all under ``root``, rebuilt each run)."""

    root: Path

    @property
    def landing(self) -> Path:
        return self.root / "landing"

    @property
    def duckdb_file(self) -> Path:
        return self.root / "duckdb" / "warehouse.duckdb"

    @property
    def duckdb_target(self) -> Path:
        return self.root / "duckdb" / "target"

    @property
    def spark_dir(self) -> Path:
        return self.root / "spark"

    @property
    def spark_target(self) -> Path:
        return self.root / "spark-target"

    @property
    def export(self) -> Path:
        return self.root / "spark-export"


FIXTURES_COMPLETE = ("partner", "trade_mode", "region")
"""The hand-made GACC fixtures stand for whole queries in these dimensions (--complete)."""


def land_fixtures(landing: Path, *, revised: bool = True) -> IngestResult:
    """The GACC test fixtures (tests/fixtures/gacc), each declared complete in FIXTURES_COMPLETE:
    export July 2023 in US dollars (two parts, UTF-8 with BOM and GBK), then, if ``revised``, its
    revision; import July 2023 in yuan (GBK); export January and February 2020. The detail marts
    then have rows to compare, the bloc mart included, a revision and both currencies. Returns the
    result of the first export July 2023 vintage (its status and content hash)."""
    from tradewh.ingest_gacc import ingest_gacc

    fixtures = PROJECT_ROOT / "tests" / "fixtures" / "gacc"

    def land(files: list[str], flow: str, period: str, currency: str = "usd") -> IngestResult:
        paths = [fixtures / name for name in files]
        return ingest_gacc(
            paths, flow=flow, period=period, currency=currency, root=landing, complete=list(FIXTURES_COMPLETE)
        )

    first = land(["export_2023-07_usd_part1.csv", "export_2023-07_usd_part2.csv"], "export", "2023-07")
    if revised:
        land(["revised_export_2023-07_usd_part1.csv", "revised_export_2023-07_usd_part2.csv"], "export", "2023-07")
    land(["import_2023-07_cny.csv"], "import", "2023-07", "cny")
    for month in ("2020-01", "2020-02"):
        land([f"export_{month}_usd.csv"], "export", month)
    return first


def dbt_commands(with_tests: bool) -> list[list[str]]:
    """`dbt seed`, then every model (with the data and unit tests too if asked). Two runs, as
    in `make build`: staging reads the raw seeds through source(), which orders nothing."""
    second = ["build", "--exclude", "resource_type:seed"] if with_tests else ["run"]
    return [["seed"], second]


def spark_env(layout: CheckLayout, landing: Path, driver_memory: str) -> dict[str, str]:
    import os

    env = dict(os.environ)
    env.update(
        {
            "DBT_PROFILES_DIR": str(PROJECT_ROOT),
            "DBT_TARGET": "spark",
            "DBT_SPARK_DIR": str(layout.spark_dir.resolve()),
            "DBT_TARGET_PATH": str(layout.spark_target.resolve()),
            "DBT_LOG_PATH": str((layout.spark_target / "logs").resolve()),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "TRADEWH_LANDING_ROOT": str(landing.resolve()),
            "SPARK_DRIVER_MEMORY": driver_memory,
            "PYTHONPATH": str(PROJECT_ROOT / "scripts"),
        }
    )
    return env


def run_step(title: str, command: Sequence[str], env: Mapping[str, str] | None = None) -> float:
    """Run one command in the project directory, its output streamed; raise if it fails."""
    import subprocess
    import time

    print(f"\n== {title}\n   $ {' '.join(command)}", flush=True)
    started = time.monotonic()
    completed = subprocess.run(list(command), cwd=PROJECT_ROOT, env=dict(env) if env else None, check=False)
    elapsed = time.monotonic() - started
    if completed.returncode != 0:
        raise RuntimeError(f"{title} failed (exit code {completed.returncode}) after {elapsed:.0f} s")
    print(f"   {title}: {elapsed:.0f} s", flush=True)
    return elapsed


def build_and_compare(
    layout: CheckLayout,
    spark_python: Path,
    *,
    landing: str = "fixtures",
    with_tests: bool = False,
    skip_build: bool = False,
    driver_memory: str = "2g",
    rel_tol: float = REL_TOL,
    schemas: Sequence[str] = ("marts",),
) -> list[MartComparison]:
    """Build seeds and marts on DuckDB and on Spark from the same landing zone, export the Spark
    marts (and the models of any other of ``schemas``) and compare them with the DuckDB ones.
    Returns one comparison per model; models outside `marts` are named `<schema>.<model>`."""
    import shutil
    import sys

    from tradewh.dbt import run_dbt

    spark_bin = spark_python.parent
    landing_root = layout.landing if landing in ("fixtures", "empty") else Path(landing)
    if not skip_build:
        for stale in (layout.landing, layout.duckdb_file.parent, layout.spark_dir, layout.spark_target, layout.export):
            if stale.exists() and stale != landing_root.resolve():
                shutil.rmtree(stale)
        layout.root.mkdir(parents=True, exist_ok=True)
        if landing == "fixtures":
            print(f"== landing the GACC test fixtures in {layout.landing}", flush=True)
            land_fixtures(layout.landing)
        layout.duckdb_file.parent.mkdir(parents=True, exist_ok=True)
        for command in dbt_commands(with_tests):
            print(f"\n== DuckDB: dbt {' '.join(command)} into {layout.duckdb_file}", flush=True)
            run_dbt(
                command,
                database=layout.duckdb_file,
                target_path=layout.duckdb_target,
                extra_env={"DBT_TARGET": "duckdb", "TRADEWH_LANDING_ROOT": str(landing_root.resolve())},
            )
        env = spark_env(layout, landing_root, driver_memory)
        nice = ["nice", "-n", "10"] if shutil.which("nice") else []
        for command in dbt_commands(with_tests):
            run_step(f"Spark: dbt {' '.join(command)}", [*nice, str(spark_bin / "dbt"), *command], env)
    env = spark_env(layout, landing_root, driver_memory)
    nice = ["nice", "-n", "10"] if shutil.which("nice") else []
    if layout.export.exists():
        shutil.rmtree(layout.export)
    run_step(
        "Spark: export the marts",
        [
            *nice,
            str(spark_python),
            "-m",
            "tradewh.spark_export",
            "--spark-dir",
            str(layout.spark_dir),
            "--out",
            str(layout.export),
            "--driver-memory",
            driver_memory,
            *[argument for schema in schemas for argument in ("--schema", schema)],
        ],
        env,
    )
    print("\n== comparing", flush=True)
    sys.stdout.flush()
    duck: dict[str, Table] = {}
    spark: dict[str, Table] = {}
    keys: dict[str, tuple[str, ...]] = {}
    model_keys = mart_keys()
    # dbt models only: an engine's own tables in the same schema are not compared, nor the
    # columns that say when a build ran (BUILD_COLUMNS)
    models = model_names()
    for schema in schemas:
        prefix = "" if schema == "marts" else f"{schema}."
        for side, tables in ((duck, read_duckdb_marts(layout.duckdb_file, schema)),
                             (spark, read_spark_export(layout.export / schema))):  # fmt: skip
            side.update({prefix + n: without_build_columns(t) for n, t in tables.items() if n in models})
        keys.update({prefix + n: k for n, k in model_keys.items()})
    return compare_marts(duck, spark, keys, rel_tol=rel_tol)


def model_names(models_dir: Path = MODELS_DIR) -> set[str]:
    """The names of the project's dbt models (their SQL files under models/)."""
    return {path.stem for path in models_dir.rglob("*.sql")}
