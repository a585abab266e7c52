"""From landed GACC queries to the detail marts: a dbt build into a temporary warehouse.

The fixture queries (tests/fixtures/gacc/) are landed into a temporary landing zone: export July
2023 in US dollars (two parts, UTF-8 with BOM and GBK), import July 2023 in yuan (GBK), export
January and February 2020 (gacc_helpers.land_fixture_months), and then the revision of export July
2023. Only the GACC models and their parents are built.
"""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from gacc_helpers import MARTS, REVISED_EXPORT_JULY_2023, dbt_detail, ingest_fixture, land_fixture_months
from tradewh import PROJECT_ROOT


def build(tmp: Path, landing: Path) -> duckdb.DuckDBPyConnection:
    dbt_detail(tmp, landing)
    return duckdb.connect(str(tmp / "warehouse.duckdb"), read_only=True)


def july_rate() -> float:
    with (PROJECT_ROOT / "seeds" / "reference" / "ref_fx_monthly.csv").open(encoding="utf-8") as handle:
        return next(float(r["cny_per_usd"]) for r in csv.DictReader(handle) if (r["year"], r["month"]) == ("2023", "7"))


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    tmp = tmp_path_factory.mktemp("gacc_marts")
    landing = tmp / "landing"
    first = land_fixture_months(landing)
    revised = ingest_fixture(landing, REVISED_EXPORT_JULY_2023, "export", "2023-07")
    assert (first.status, revised.status) == ("new", "revision")
    con = build(tmp, landing)
    con.execute(
        "create temp table hashes as select ? as first_hash, ? as revised_hash",
        [first.content_hash, revised.content_hash],
    )
    yield con
    con.close()


def one(con: duckdb.DuckDBPyConnection, sql: str, *params: object) -> tuple:
    rows = con.execute(sql, list(params)).fetchall()
    assert len(rows) == 1, rows
    return rows[0]


def test_region_totals_come_from_the_published_revision(warehouse: duckdb.DuckDBPyConnection) -> None:
    xinjiang = one(
        warehouse,
        "select sum(value_usd), bool_and(is_value_cny_converted), bool_or(is_value_usd_converted) "
        "from marts.fct_region_partner_trade_monthly "
        "where region_code = '650000' and year = 2023 and month = 7 and flow = 'export'",
    )
    # first vintage 1,662,345.50; the revision adds 100,000 (Kazakhstan EVs) and 150,000 (excavators)
    assert float(xinjiang[0]) == pytest.approx(1_912_345.50)
    assert xinjiang[1:] == (True, False)
    kazakhstan = one(
        warehouse,
        "select value_usd, value_cny from marts.fct_region_partner_trade_monthly "
        "where region_code = '650000' and year = 2023 and month = 7 and flow = 'export' and partner_iso3 = 'KAZ'",
    )
    assert float(kazakhstan[0]) == 1_250_000
    assert float(kazakhstan[1]) == pytest.approx(1_250_000 * july_rate(), abs=0.02)
    xizang = one(
        warehouse,
        "select partner_iso3, value_usd from marts.fct_region_partner_trade_monthly where region_code = '540000'",
    )
    assert xizang == ("NPL", 80000)


def test_yuan_only_import_gets_dollars_at_the_months_rate(warehouse: duckdb.DuckDBPyConnection) -> None:
    row = one(
        warehouse,
        "select value_cny, value_usd, is_value_usd_converted, is_value_cny_converted "
        "from marts.fct_region_partner_trade_monthly "
        "where region_code = '650000' and year = 2023 and month = 7 and flow = 'import' and partner_iso3 = 'KAZ'",
    )
    assert float(row[0]) == 3_500_000
    assert float(row[1]) == pytest.approx(3_500_000 / july_rate(), abs=0.01)
    assert row[2:] == (True, False)
    total = one(
        warehouse,
        "select sum(value_cny) from marts.fct_region_partner_trade_monthly "
        "where region_code = '650000' and year = 2023 and month = 7 and flow = 'total'",
    )
    export_cny = one(
        warehouse,
        "select sum(value_cny) from marts.fct_region_partner_trade_monthly "
        "where region_code = '650000' and year = 2023 and month = 7 and flow = 'export'",
    )
    assert float(total[0]) == pytest.approx(float(export_cny[0]) + 3_570_000)


def test_bloc_membership_as_of_the_month(warehouse: duckdb.DuckDBPyConnection) -> None:
    eu = warehouse.execute(
        "select month, value_usd, partner_count from marts.fct_region_bloc_trade_monthly "
        "where region_code = '650000' and year = 2020 and bloc_code = 'eu' and flow = 'export' order by month"
    ).fetchall()
    assert eu == [(1, 100000, 2), (2, 60000, 1)]  # the UK (40,000) counts in January only
    central_asia = one(
        warehouse,
        "select value_usd, partner_count from marts.fct_region_bloc_trade_monthly "
        "where region_code = '650000' and year = 2023 and month = 7 and flow = 'export' "
        "and bloc_code = 'central_asia_5'",
    )
    # KAZ 1,250,000 + KGZ 200,000 + UZB 25,000 + TJK 5,000
    assert central_asia == (1_480_000, 4)
    over_world = warehouse.execute(
        """
        select b.region_code, b.year, b.month, b.flow, b.bloc_code
        from marts.fct_region_bloc_trade_monthly as b
        join (
            select region_code, year, month, flow, sum(value_usd) as world
            from marts.fct_region_partner_trade_monthly group by all
        ) as w using (region_code, year, month, flow)
        where b.value_usd > w.world
        """
    ).fetchall()
    assert over_world == []


def test_product_groups(warehouse: duckdb.DuckDBPyConnection) -> None:
    groups = dict(
        warehouse.execute(
            "select product_group, sum(value_usd) from marts.fct_region_product_trade_monthly "
            "where region_code = '650000' and year = 2023 and month = 7 and flow = 'export' group by all"
        ).fetchall()
    )
    assert groups == {
        "electric_vehicles": 1_100_000,
        "lithium_batteries": 200_000,
        "solar_cells": 305_000,  # 854142 + 854143
        "fertilizers": 25_000,
        "other": 12_345.5 + 120_000 + 150_000,
    }
    chapters = warehouse.execute(
        "select distinct hs_chapter from marts.fct_region_product_trade_monthly where product_group = 'other' "
        "and region_code = '650000' and flow = 'export' and year = 2023 order by 1"
    ).fetchall()
    assert chapters == [("03",), ("61",), ("84",)]  # '03' keeps its leading zero


def test_trade_modes(warehouse: duckdb.DuckDBPyConnection) -> None:
    modes = {
        row[0]: row[1:]
        for row in warehouse.execute(
            "select trade_mode_code, trade_mode_name, trade_mode_name_en, value_usd "
            "from marts.fct_region_trade_mode_monthly "
            "where region_code = '650000' and year = 2023 and month = 7 and flow = 'export'"
        ).fetchall()
    }
    # the platform's 2-digit statistical codes (ref_trade_modes), names as the platform prints them
    assert modes["19"] == ("边境小额贸易", "Border Trade", 200_000)
    assert modes["39"] == ("其他", "Other", 120_000 + 5_000)
    assert modes["10"][2] == 1_100_000 + 300_000 + 25_000 + 12_345.5 + 150_000


def test_partner_product_and_mode_marts_agree(warehouse: duckdb.DuckDBPyConnection) -> None:
    """The marts add up to the same totals. A converted value is its mart row's reported sum at
    the month's rate, rounded once to a cent, so a currency that was converted somewhere agrees
    to within half a cent per row; the export rows of July 2023, landed in US dollars only,
    agree to the cent in US dollars."""
    totals = warehouse.execute(
        """
        with marts as (
            select 'partner' as mart, * from marts.fct_region_partner_trade_monthly
            union all by name select 'product' as mart, * from marts.fct_region_product_trade_monthly
            union all by name select 'mode' as mart, * from marts.fct_region_trade_mode_monthly
        )
        select
            mart,
            sum(value_usd),
            sum(value_cny),
            sum(value_usd) filter (where flow = 'export' and period_start = '2023-07-01'),
            bool_or(is_value_usd_converted) filter (where flow = 'export' and period_start = '2023-07-01'),
            count(*)
        from marts group by mart order by mart
        """
    ).fetchall()
    tolerance = max(row[5] for row in totals) * Decimal("0.005")
    for column in (1, 2):
        values = [row[column] for row in totals]
        assert max(values) - min(values) <= tolerance, totals
    assert len({row[3] for row in totals}) == 1, totals
    assert not any(row[4] for row in totals), "July 2023 exports were landed in US dollars"


def test_the_earlier_vintage_stays_queryable(warehouse: duckdb.DuckDBPyConnection) -> None:
    first_hash, revised_hash = warehouse.execute("select first_hash, revised_hash from hashes").fetchone()
    vintages = warehouse.execute(
        "select query_hash, vintage_number, is_published, superseded_by_query_hash, row_count, "
        "value_total_in_query_currency from intermediate.int_gacc_query_vintages "
        "where flow = 'export' and period = '2023-07' and region_code = '650000' order by vintage_number"
    ).fetchall()
    assert vintages == [
        (first_hash, 1, False, revised_hash, 8, pytest.approx(1_662_345.50)),
        (revised_hash, 2, True, None, 9, pytest.approx(1_912_345.50)),
    ]
    old_kazakhstan_evs = one(
        warehouse,
        "select value_usd from staging.stg_gacc__query_rows "
        "where query_hash = ? and partner_iso3 = 'KAZ' and hs_code = '87038000'",
        first_hash,
    )
    assert float(old_kazakhstan_evs[0]) == 1_000_000


def test_an_empty_landing_zone_builds_empty_marts(tmp_path: Path) -> None:
    con = build(tmp_path, tmp_path / "no-landing-yet")
    try:
        for mart in MARTS:
            assert con.execute(f"select count(*) from marts.{mart}").fetchone() == (0,)
        columns = con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'marts' and table_name = 'fct_region_partner_trade_monthly' order by ordinal_position"
        ).fetchall()
        assert ("partner_iso3", "VARCHAR") in columns
        assert ("value_usd", "DECIMAL(38,2)") in columns
    finally:
        con.close()
