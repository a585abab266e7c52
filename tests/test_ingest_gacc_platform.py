"""Real downloads from the GACC online query platform (tests/fixtures/gacc_platform/, copied from
the shared data's gacc_platform/samples; see its README for where each comes from).

Every sample ingests, and the marts show its totals. The expected totals are computed here from
the CSV bytes with Python's csv module (independently of the ingest's DuckDB parser).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from gacc_helpers import dbt_detail
from tradewh.ingest_gacc import ingest_gacc

SAMPLES = Path(__file__).parent / "fixtures" / "gacc_platform"
CRUDE_CNY = SAMPLES / "zh_commodity_by_month_cny_crude_oil_imports_2024.csv"
CRUDE_USD = SAMPLES / "zh_commodity_by_month_usd_crude_oil_imports_2024.csv"
EN_BY_MONTH = SAMPLES / "en_4dims_usd_by_month_2026-01..03_excerpt.csv"
EN_BY_MONTH_SMALL = SAMPLES / "en_4dims_usd_by_month_2026-01..03.csv"
EN_COMMODITY = SAMPLES / "en_commodity_only_usd_single_month.csv"
ZH_CUMULATIVE = SAMPLES / "zh_4dims_cny_cumulative_2026-01..03.csv"
ZH_CUMULATIVE_EXCERPT = SAMPLES / "zh_4dims_cny_cumulative_2026-01..03_excerpt.csv"


def hand_rows(path: Path) -> list[dict[str, str]]:
    """The file's rows by header, decoded as GB18030 (the platform's encoding), trailing column dropped."""
    rows = list(csv.reader(io.StringIO(path.read_bytes().decode("gb18030"))))
    header = rows[0][:-1] if rows[0][-1] == "" else rows[0]
    return [dict(zip(header, row, strict=False)) for row in rows[1:] if row]


def hand_total(path: Path, by: str | None = None) -> dict[str, Decimal]:
    """Sum of the amount (the last column), thousands separators removed; by a column if given."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for row in hand_rows(path):
        amount = list(row.values())[-1]
        totals[row[by] if by else ""] += Decimal(amount.replace(",", ""))
    return dict(totals)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    tmp = tmp_path_factory.mktemp("gacc_platform")
    landing = tmp / "landing"
    ingest_gacc([CRUDE_CNY], flow="import", root=landing)
    ingest_gacc([CRUDE_USD], flow="import", root=landing)
    ingest_gacc([EN_BY_MONTH], flow="import", root=landing)
    # the README says "one month" without saying which: landed as January 2026 here
    ingest_gacc([EN_COMMODITY], flow="import", period="2026-01", root=landing)
    ingest_gacc([ZH_CUMULATIVE_EXCERPT], flow="import", period="2026-01..2026-03", root=landing)
    dbt_detail(tmp, landing)
    con = duckdb.connect(str(tmp / "warehouse.duckdb"), read_only=True)
    yield con
    con.close()


def test_every_sample_ingests(tmp_path: Path) -> None:
    periods = {ZH_CUMULATIVE: "2026-01..2026-03", ZH_CUMULATIVE_EXCERPT: "2026-01..2026-03", EN_COMMODITY: "2026-01"}
    for sample in sorted(SAMPLES.glob("*.csv")):
        result = ingest_gacc([sample], flow="import", period=periods.get(sample), root=tmp_path / sample.stem)
        assert result.status == "new", sample
        assert result.rows == len(hand_rows(sample)), sample
        assert Decimal(str(result.value_total)) == hand_total(sample)[""], sample


def test_crude_oil_by_month_in_both_currencies(warehouse: duckdb.DuckDBPyConnection) -> None:
    cny, usd = hand_total(CRUDE_CNY, by="数据年月"), hand_total(CRUDE_USD, by="数据年月")
    rows = warehouse.execute(
        "select year * 100 + month, value_cny, value_usd, is_value_cny_converted, is_value_usd_converted "
        "from marts.fct_region_product_trade_monthly "
        "where region_code = '000000' and flow = 'import' and hs_chapter = '27' order by 1"
    ).fetchall()
    assert [str(r[0]) for r in rows] == sorted(cny)
    for month, value_cny, value_usd, cny_converted, usd_converted in rows:
        assert (value_cny, value_usd) == (cny[str(month)], usd[str(month)])
        assert not cny_converted and not usd_converted
    assert sum(cny.values()) == Decimal("2313531569382")  # the 2024 total, printed by the ingest too


def test_customs_exchange_rate_from_the_two_crude_oil_files(warehouse: duckdb.DuckDBPyConnection) -> None:
    cny, usd = hand_total(CRUDE_CNY, by="数据年月"), hand_total(CRUDE_USD, by="数据年月")
    rates = warehouse.execute(
        "select year * 100 + month, customs_cny_per_usd, gap_percent from intermediate.int_gacc_customs_fx_rates "
        "where region_code = '000000' order by 1"
    ).fetchall()
    assert len(rates) == 12
    for month, rate, gap in rates:
        assert rate == pytest.approx(float(cny[str(month)] / usd[str(month)]))
        assert -3 < gap < 3


def test_english_by_month_file_by_month_and_province(warehouse: duckdb.DuckDBPyConnection) -> None:
    expected: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for row in hand_rows(EN_BY_MONTH):
        expected[(row["Date of data"], row["Locations of importers and exporters code"])] += Decimal(
            row["US dollar"].replace(",", "")
        )
    rows = warehouse.execute(
        "select cast(year * 100 + month as varchar), substr(region_code, 1, 2), sum(value_usd) "
        "from marts.fct_region_product_trade_monthly where region_code <> '000000' and flow = 'import' "
        "group by 1, 2"
    ).fetchall()
    assert {(m, r): v for m, r, v in rows} == dict(expected)
    # the trade-mode mart has the same query, by the platform's 2-digit codes
    modes = dict(
        warehouse.execute(
            "select trade_mode_code, sum(value_usd) from marts.fct_region_trade_mode_monthly "
            "where region_code <> '000000' group by 1"
        ).fetchall()
    )
    assert modes == hand_total(EN_BY_MONTH, by="Customs Regime code")


def test_commodity_only_file_is_national(warehouse: duckdb.DuckDBPyConnection) -> None:
    total = warehouse.execute(
        "select sum(value_usd) from marts.fct_region_product_trade_monthly "
        "where region_code = '000000' and year = 2026 and month = 1 and hs_chapter = '29'"
    ).fetchone()[0]
    assert total == hand_total(EN_COMMODITY)[""]


def test_a_filtered_partner_list_gives_no_bloc_totals(warehouse: duckdb.DuckDBPyConnection) -> None:
    """No --complete partner at ingest: partner rows are there, flagged, and no bloc sums them."""
    flags = warehouse.execute(
        "select distinct is_partner_coverage_complete from marts.fct_region_partner_trade_monthly"
    ).fetchall()
    assert flags == [(False,)]
    assert warehouse.execute("select count(*) from marts.fct_region_bloc_trade_monthly").fetchone()[0] == 0


def test_cumulative_query_lands_as_a_range(warehouse: duckdb.DuckDBPyConnection) -> None:
    rows = warehouse.execute(
        "select period, period_kind, month_from, month, grain, sum(value_total_in_query_currency) "
        "from intermediate.int_gacc_query_vintages where currency = 'cny' and year = 2026 group by all"
    ).fetchall()
    assert rows == [
        ("2026-01..2026-03", "range", 1, 3, "hs8-partner-trade_mode-region", hand_total(ZH_CUMULATIVE_EXCERPT)[""])
    ]
    # a cumulative value is not a month's: it does not reach the monthly marts
    cny_rows = warehouse.execute(
        "select count(*) from marts.fct_region_product_trade_monthly where year = 2026 and not is_value_cny_converted"
    ).fetchone()[0]
    assert cny_rows == 0


def test_months_come_from_differencing_consecutive_cumulative_queries(tmp_path: Path) -> None:
    """January..March minus January..February is March, key by key (the 01..02 file is derived
    from the real 01..03 one: every amount times 2/3, rounded down)."""
    text = ZH_CUMULATIVE_EXCERPT.read_bytes().decode("gb18030").splitlines()
    rows = list(csv.reader(text))
    earlier = [text[0]]
    for row in rows[1:]:
        amount = int(row[-2].replace(",", ""))
        earlier.append(",".join(f'"{v}"' for v in [*row[:-2], f"{amount * 2 // 3:,}"]) + ",")
    february = tmp_path / "cumulative_2026-01..02.csv"
    february.write_bytes(("\r\n".join(earlier) + "\r\n").encode("gb18030"))
    landing = tmp_path / "landing"
    ingest_gacc([ZH_CUMULATIVE_EXCERPT], flow="import", period="2026-01..2026-03", root=landing)
    ingest_gacc([february], flow="import", period="2026-01..2026-02", root=landing)
    dbt_detail(tmp_path, landing)
    expected = hand_total(ZH_CUMULATIVE_EXCERPT)[""] - hand_total(february)[""]
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        months = con.execute(
            "select month, sum(value_cny) from marts.fct_region_product_trade_monthly "
            "where year = 2026 and flow = 'import' group by 1"
        ).fetchall()
    assert months == [(3, expected)]


def test_overlapping_queries_of_different_grains_are_compared(tmp_path: Path) -> None:
    """A national commodity-only query summed by hand from the 4-dimension English file agrees
    with it; a changed amount in it is listed, with the two grains and the key."""
    totals: dict[tuple[str, str], int] = defaultdict(int)
    for row in hand_rows(EN_BY_MONTH):
        totals[row["Date of data"], row["Commodity code"]] += int(row["US dollar"].replace(",", ""))
    header = '"数据年月","商品编码","商品名称","美元",'

    def national(change: int) -> list[str]:
        lines = [header]
        for index, ((month, code), value) in enumerate(sorted(totals.items())):
            lines.append(f'"{month}","{code}","x","{value + (change if index == 0 else 0):,}",')
        return lines

    landing = tmp_path / "landing"
    ingest_gacc([EN_BY_MONTH], flow="import", root=landing, complete=["partner", "trade_mode", "region"])
    agreeing = tmp_path / "national.csv"
    agreeing.write_bytes(("\r\n".join(national(0)) + "\r\n").encode("gb18030"))
    ingest_gacc([agreeing], flow="import", root=landing)
    dbt_detail(tmp_path, landing)
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from intermediate.int_gacc_grain_overlaps").fetchone()[0] == 0

    revised = tmp_path / "revised" / "national.csv"
    revised.parent.mkdir()
    revised.write_bytes(("\r\n".join(national(1_000)) + "\r\n").encode("gb18030"))
    ingest_gacc([revised], flow="import", root=landing)
    dbt_detail(tmp_path, landing)
    (month, code), value = sorted(totals.items())[0]
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        listed = con.execute(
            "select year * 100 + month, coarse_grain, fine_grain, region_code, hs_code, coarse_value, fine_value "
            "from intermediate.int_gacc_grain_overlaps"
        ).fetchall()
    assert listed == [(int(month), "hs8", "hs8-partner-trade_mode-region", "000000", code, value + 1_000, value)]
