"""The DuckDB-vs-Spark mart comparison (tradewh.spark_compare), without Spark: two tables that
differ must fail and say which mart and which row; equal ones (up to the tolerance) must pass."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from tradewh.spark_compare import (
    Table,
    compare_marts,
    compare_tables,
    mart_keys,
    model_names,
    read_duckdb_marts,
    read_spark_export,
    report,
    without_build_columns,
)

COLUMNS = ("region_code", "year", "value_cny", "published_on", "is_published")
ROWS = [
    ("650000", 2023, Decimal("183160000000.00"), dt.date(2023, 8, 20), True),
    ("540000", 2023, Decimal("1540000000.00"), None, False),
]


def test_identical_tables_in_any_order_pass() -> None:
    result = compare_tables("fct_x", Table(COLUMNS, ROWS), Table(COLUMNS, ROWS[::-1]), ("region_code", "year"))
    assert result.ok, result.differences
    assert (result.left_rows, result.right_rows) == (2, 2)


def test_numbers_within_the_relative_tolerance_pass_across_types() -> None:
    spark_rows = [(r[0], r[1], float(r[2]) * (1 + 1e-12), r[3], r[4]) for r in ROWS]
    result = compare_tables("fct_x", Table(COLUMNS, ROWS), Table(COLUMNS, spark_rows), ("region_code", "year"))
    assert result.ok, result.differences


def test_a_differing_value_fails_naming_the_mart_the_row_and_the_column() -> None:
    spark_rows = [ROWS[0], ("540000", 2023, Decimal("1540001000.00"), None, False)]
    result = compare_tables("fct_x", Table(COLUMNS, ROWS), Table(COLUMNS, spark_rows), ("region_code", "year"))
    assert not result.ok
    assert result.differences == [
        "row region_code='540000', year=2023.0: value_cny: duckdb Decimal('1540000000.00') "
        "!= spark Decimal('1540001000.00')"
    ]
    text = report([result])
    assert "fct_x" in text
    assert "DIFFERENT" in text
    assert "region_code='540000'" in text


def test_null_text_and_boolean_differences_fail() -> None:
    spark_rows = [
        ("650000", 2023, ROWS[0][2], dt.date(2023, 8, 20), False),
        ("540000", 2023, ROWS[1][2], "None", False),
    ]
    result = compare_tables("fct_x", Table(COLUMNS, ROWS), Table(COLUMNS, spark_rows), ("region_code", "year"))
    assert len(result.differences) == 2
    assert any("is_published: duckdb True != spark False" in d for d in result.differences)
    assert any("published_on: duckdb None != spark 'None'" in d for d in result.differences)


def test_missing_and_extra_rows_and_columns_are_named() -> None:
    spark = Table(COLUMNS[:-1], [(*ROWS[0][:-1],), ("110000", 2023, Decimal(1), None)])
    result = compare_tables("fct_x", Table(COLUMNS, ROWS), spark, ("region_code", "year"))
    assert "columns differ: only on duckdb ['is_published'], only on spark []" in result.differences
    assert "row only on duckdb: region_code='540000', year=2023.0" in result.differences
    assert "row only on spark: region_code='110000', year=2023.0" in result.differences


def test_a_mart_missing_on_one_side_fails() -> None:
    results = compare_marts({"dim_a": Table(("a",), []), "dim_b": Table(("a",), [])}, {"dim_a": Table(("a",), [])}, {})
    assert [(r.mart, r.ok) for r in results] == [("dim_a", True), ("dim_b", False)]
    assert results[1].differences == ["mart missing on spark"]


def test_every_mart_has_a_key_from_its_primary_key_test() -> None:
    keys = mart_keys()
    assert keys["dim_region"] == ("region_code",)
    assert keys["fct_province_trade_annual"] == ("region_code", "year")
    marts = {p.stem for p in (Path(__file__).resolve().parents[1] / "models" / "marts").glob("*.sql")}
    assert marts <= set(keys), f"marts without a key: {sorted(marts - set(keys))}"


def test_the_readers_round_trip_through_duckdb_and_parquet(tmp_path: Path) -> None:
    """Both readers return the same Table for the same data: a DuckDB mart and its Parquet export."""
    database = tmp_path / "w.duckdb"
    export = tmp_path / "export"
    (export / "fct_x").mkdir(parents=True)
    (export / "dim_empty").mkdir()
    with duckdb.connect(str(database)) as con:
        con.execute("create schema marts")
        con.execute(
            "create table marts.fct_x (region_code varchar, year integer, value_cny decimal(38, 2), "
            "published_on date, is_published boolean)"
        )
        con.executemany("insert into marts.fct_x values (?, ?, ?, ?, ?)", ROWS)
        con.execute("create table marts.dim_empty (a varchar)")
        con.execute(f"copy marts.fct_x to '{export / 'fct_x' / 'part-0.parquet'}' (format parquet)")
    manifest = {"fct_x": {"columns": list(COLUMNS), "rows": 2}, "dim_empty": {"columns": ["a"], "rows": 0}}
    (export / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    duck, spark = read_duckdb_marts(database), read_spark_export(export)
    assert set(duck) == set(spark) == {"fct_x", "dim_empty"}
    results = compare_marts(duck, spark, {"fct_x": ("region_code", "year")})
    assert all(r.ok for r in results), report(results)


@pytest.mark.parametrize(
    ("left", "right"), [(0.0, 1e-15), (None, None), ("a", "a"), (dt.date(2020, 1, 1), "2020-01-01")]
)
def test_values_that_count_as_equal(left: object, right: object) -> None:
    assert compare_tables("m", Table(("k", "v"), [(1, left)]), Table(("k", "v"), [(1, right)]), ("k",)).ok


def test_only_dbt_models_are_compared_and_not_the_columns_that_say_when_a_build_ran() -> None:
    names = model_names()
    assert {"dim_region", "int_region_trade_ytd", "stg_gacc__query_rows"} <= names
    assert "table_row_counts" not in names
    built = Table(("k", "landed_through_at", "v"), [(1, dt.datetime(2026, 1, 1), 2.0)])
    assert without_build_columns(built) == Table(("k", "v"), [(1, 2.0)])
    assert compare_tables("m", without_build_columns(built), Table(("k", "v"), [(1, 2.0)]), ("k",)).ok
