"""The GACC detail tests check what a build loads: a monthly build tests the months it loaded, a
full refresh and `dbt test` on its own test all landed history, and bad landed data fails the
build that loads it, naming the test and the offending key."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from gacc_helpers import dbt_detail, land
from tradewh.dbt import DbtError

UNIQUE_TEST = "unique_combination_of_columns_stg_gacc__query_rows"
LANDED_SINCE = "where (ingested_at > coalesce((select max(landed_through_at) from"
"""The scoped test's filter: rows landed after int_gacc_query_vintages' high-water mark."""
COMPILED_DIR = Path("run", "china_regional_trade", "models", "staging", "gacc", "_gacc__models.yml")


def _duplicate_first_row(vintage_file: Path) -> None:
    """Corrupt a landed vintage in place: its first row twice (what the ingest would refuse)."""
    con = duckdb.connect()
    try:
        path = str(vintage_file).replace("'", "''")
        con.execute(f"create table rows as select * from read_parquet('{path}')")
        con.execute("insert into rows select * from (select * from rows limit 1)")
        con.execute(f"copy rows to '{path}' (format parquet)")
    finally:
        con.close()


def _vintage_file(landing: Path, period: str) -> Path:
    (found,) = landing.glob(f"gacc/flow=export/period={period}/currency=usd/grain=*/*/rows.parquet")
    return found


def _compiled_test(tmp: Path) -> str:
    """The uniqueness test's SQL as last run (dbt names the file by a hash: the name is long)."""
    (path,) = (tmp / "target" / COMPILED_DIR).glob("unique_combination_of_columns_*.sql")
    return path.read_text(encoding="utf-8")


@pytest.mark.slow
def test_monthly_builds_test_the_loaded_months_and_full_runs_test_everything(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    assert land(landing, ["export_2020-01_usd.csv"], "export", "2020-01") == "new"
    dbt_detail(tmp_path, landing)
    assert "where (true)" in _compiled_test(tmp_path), "the first build tests all it loads"

    # damage a month that is already loaded, then load a new one: the monthly build tests the
    # new month only (the rows landed after the high-water mark), so it passes, and says so in
    # its compiled SQL
    _duplicate_first_row(_vintage_file(landing, "2020-01"))
    assert land(landing, ["export_2020-02_usd.csv"], "export", "2020-02") == "new"
    dbt_detail(tmp_path, landing)
    assert LANDED_SINCE in _compiled_test(tmp_path)

    # `dbt test` on its own and a full refresh test the whole landing zone and find the damage
    for command, args in (("test", ()), ("build", ("--full-refresh",))):
        with pytest.raises(DbtError) as failed:
            dbt_detail(tmp_path, landing, *args, command=command)
        assert re.search(rf"Failure in test {UNIQUE_TEST}\w*", str(failed.value)), str(failed.value)[-2000:]
        assert "where (true)" in _compiled_test(tmp_path)


@pytest.mark.slow
def test_a_damaged_new_month_fails_the_build_that_loads_it(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    assert land(landing, ["export_2020-01_usd.csv"], "export", "2020-01") == "new"
    dbt_detail(tmp_path, landing)
    assert land(landing, ["export_2020-02_usd.csv"], "export", "2020-02") == "new"
    _duplicate_first_row(_vintage_file(landing, "2020-02"))
    with pytest.raises(DbtError) as failed:
        dbt_detail(tmp_path, landing)
    assert re.search(rf"Failure in test {UNIQUE_TEST}\w*", str(failed.value)), str(failed.value)[-2000:]
    assert LANDED_SINCE in _compiled_test(tmp_path)
    # the damaged month never reached the marts: the partner mart still holds January only
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True)
    try:
        months = con.execute("select distinct month from marts.fct_region_partner_trade_monthly").fetchall()
    finally:
        con.close()
    assert months == [(1,)]
