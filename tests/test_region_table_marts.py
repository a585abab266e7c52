"""GACC's region table in the built warehouse, against the real files (tests/fixtures/
gacc_region_tables) read here with the csv module: national and province values, every place
kept, the checks (each catches an altered copy), vintages, the press and NBS comparisons."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import duckdb
import pytest

from region_table_corruptions import REGION_TABLE_CORRUPTIONS, TableCorruption
from tradewh.validation import validate_warehouse

FIXTURES = Path(__file__).parent / "fixtures" / "gacc_region_tables"
PLACES = {"000000": "总值", "440000": "广东省", "650000": "新疆维吾尔自治区", "540000": "西藏自治区"}
COLUMNS = {("total", "month"): 1, ("total", "ytd"): 2, ("export", "month"): 3, ("export", "ytd"): 4}
COLUMNS |= {("import", "month"): 5, ("import", "ytd"): 6}
GROWTH = {"total": 7, "export": 8, "import": 9}


def table(period: str) -> dict[str, list[str]]:
    """One month's file as {place: its nine cells}."""
    rows = csv.reader(io.StringIO((FIXTURES / f"{period}.csv").read_bytes().decode("utf-8-sig")))
    return {row[0]: row for row in list(rows)[3:] if row and not row[0].startswith("注：")}


def yuan(cell: str) -> float | None:
    return None if cell == "-" else float(cell) * 10000


@pytest.fixture
def reader(built_warehouse: Path):
    with duckdb.connect(str(built_warehouse), read_only=True) as connection:
        yield connection


@pytest.mark.parametrize("period", ["2024-01", "2024-06", "2024-12", "2025-06"])
@pytest.mark.parametrize("region_code", list(PLACES))
def test_ytd_and_month_values_are_the_files(reader, period: str, region_code: str) -> None:
    cells = table(period)[PLACES[region_code]]
    year, month = int(period[:4]), int(period[5:])
    for flow in ("total", "export", "import"):
        ytd = reader.execute(
            "select value_cny, yoy_pct_reported, is_value_usd_converted from marts.fct_region_official_trade_ytd "
            "where region_code = ? and year = ? and month_end = ? and flow = ?",
            [region_code, year, month, flow],
        ).fetchall()
        growth = cells[GROWTH[flow]]
        assert ytd == [(yuan(cells[COLUMNS[flow, "ytd"]]), None if growth == "-" else float(growth), True)]
        monthly = reader.execute(
            "select value_cny from marts.fct_region_official_trade_monthly "
            "where region_code = ? and year = ? and month = ? and flow = ?",
            [region_code, year, month, flow],
        ).fetchall()
        assert monthly == [(yuan(cells[COLUMNS[flow, "month"]]),)]


def test_national_2024_is_customs_43_85_trillion(reader) -> None:
    value = reader.execute(
        "select value_cny from marts.fct_region_official_trade_ytd "
        "where region_code = '000000' and year = 2024 and month_end = 12 and flow = 'total'"
    ).fetchone()[0]
    assert value == yuan(table("2024-12")["总值"][2])
    assert round(value / 1e12, 2) == 43.85


def test_january_and_february_are_separate_months(reader) -> None:
    january, february = (table(p)["新疆维吾尔自治区"] for p in ("2025-01", "2025-02"))
    rows = reader.execute(
        "select month, value_cny, value_cny_from_ytd from marts.fct_region_official_trade_monthly "
        "where region_code = '650000' and year = 2025 and month <= 2 and flow = 'total' order by month"
    ).fetchall()
    assert rows == [
        (1, yuan(january[1]), yuan(january[2])),
        (2, yuan(february[1]), yuan(february[2]) - yuan(january[2])),
    ]


def test_usd_is_converted_at_the_months_rate(reader) -> None:
    value_cny, value_usd, rate = reader.execute(
        "select value_cny, value_usd, cny_per_usd from marts.fct_region_official_trade_monthly "
        "where region_code = '440000' and year = 2024 and month = 6 and flow = 'total'"
    ).fetchone()
    fx = reader.execute("select cny_per_usd from reference.ref_fx_monthly where year = 2024 and month = 6").fetchone()
    assert rate == pytest.approx(float(fx[0]))
    assert value_usd == pytest.approx(value_cny / float(fx[0]))


@pytest.mark.parametrize("period", ["2024-11", "2024-12", "2025-06"])
def test_every_place_is_kept_with_its_province(reader, period: str) -> None:
    year, month = int(period[:4]), int(period[5:])
    printed = set(table(period))
    landed = reader.execute(
        "select region_name_zh, region_level, parent_region_code from marts.fct_region_official_trade_ytd "
        "where year = ? and month_end = ? and flow = 'total'",
        [year, month],
    ).fetchall()
    names = {row[0] for row in landed if row[1] not in ("national", "province")}
    provinces = [row for row in landed if row[1] == "province"]
    assert len(provinces) == 31
    assert len(landed) == len(printed)
    assert names <= printed and len(names) == len(printed) - 32
    assert all(row[2] and row[2].endswith("0000") for row in landed if row[1] not in ("national", "province"))


def test_cities_carry_their_gbt2260_code(reader) -> None:
    rows = dict(
        reader.execute(
            "select region_name_zh, gbt2260_code from marts.dim_region "
            "where region_name_zh in ('石河子市', '二连浩特市', '乌鲁木齐市', '雄安新区')"
        ).fetchall()
    )
    assert rows == {"石河子市": "659001", "二连浩特市": "152501", "乌鲁木齐市": "650100", "雄安新区": None}


def test_province_month_report_has_31_ranked_provinces(reader) -> None:
    cells = table("2025-06")
    rows = reader.execute(
        "select region_name_zh, national_rank_ytd, value_ytd_cny, share_of_national_ytd_pct "
        "from marts.rpt_province_trade_monthly where year = 2025 and month = 6 order by national_rank_ytd"
    ).fetchall()
    assert len(rows) == 31 and [r[1] for r in rows] == list(range(1, 32))
    provinces = {name: yuan(cells[name][2]) for name, *_ in rows}
    assert [r[0] for r in rows] == sorted(provinces, key=provinces.get, reverse=True)
    assert rows[0][3] == pytest.approx(100 * provinces[rows[0][0]] / yuan(cells["总值"][2]))


def test_clean_tables_pass_the_table_checks_within_rounding(reader) -> None:
    counts = dict(
        reader.execute(
            "select rule_code, count(*) from marts.rpt_figure_issues where rule_code like 'table_%' group by 1"
        ).fetchall()
    )
    # the real tables add up (provinces, flows, parts); customs revise earlier months and growth bases
    assert set(counts) == {"table_month_revised", "table_growth_mismatch"}


def _copy(built_warehouse: Path, tmp_path: Path) -> Path:
    copy = tmp_path / built_warehouse.name
    shutil.copyfile(built_warehouse, copy)
    return copy


def _apply(path: Path, statements: tuple[str, ...]) -> None:
    with duckdb.connect(str(path)) as connection:
        for statement in statements:
            connection.execute(statement)
        connection.execute("checkpoint")


RULE_CASES = [case for case in REGION_TABLE_CORRUPTIONS if case.rule_code]


@pytest.mark.parametrize("case", RULE_CASES, ids=lambda case: case.rule_code)
def test_each_check_catches_its_altered_figure(built_warehouse: Path, tmp_path: Path, case: TableCorruption) -> None:
    with duckdb.connect(str(built_warehouse), read_only=True) as clean:
        listed = clean.execute(
            "select count(*) from marts.rpt_figure_issues where figure_id = ? and rule_code = ?",
            [case.figure_id, case.rule_code],
        ).fetchone()[0]
    assert listed == 0, "the clean build must not list the figure this case alters"
    copy = _copy(built_warehouse, tmp_path)
    _apply(copy, case.statements)
    with duckdb.connect(str(copy), read_only=True) as connection:
        caught = connection.execute(
            "select observed_value, expected_value, explanation from intermediate.int_region_table_checks "
            "where figure_id = ? and rule_code = ?",
            [case.figure_id, case.rule_code],
        ).fetchall()
    assert len(caught) == 1, f"{case.rule_code} did not list {case.figure_id}"
    observed, expected, explanation = caught[0]
    assert observed != expected and explanation
    report = validate_warehouse(copy, data_docs=False, only=[case.target.split(".")[0]])
    assert case.target in {outcome.expectation for outcome in report.failures}, report.summary()


def test_a_corrected_table_supersedes_and_the_old_vintage_stays_queryable(
    built_warehouse: Path, tmp_path: Path
) -> None:
    copy = _copy(built_warehouse, tmp_path)
    _apply(
        copy,
        (
            "insert into raw.gacc_region_table select * replace (2 as vintage, 'corrected' as content_hash) "
            "from raw.gacc_region_table where period = '2024-07'",
            "update raw.gacc_region_table set total_month = '1' "
            "where period = '2024-07' and vintage = 2 and place_as_printed = '北京市'",
        ),
    )
    beijing = table("2024-07")["北京市"]
    with duckdb.connect(str(copy), read_only=True) as connection:
        vintages = connection.execute(
            "select vintage, is_latest from intermediate.int_region_table_vintages "
            "where year = 2024 and month = 7 order by vintage"
        ).fetchall()
        published = connection.execute(
            "select value_month_cny, vintage from intermediate.int_region_table_trade "
            "where region_code = '110000' and year = 2024 and month = 7 and flow = 'total'"
        ).fetchall()
        earlier = connection.execute(
            "select value_month_cny from staging.stg_gacc_region_table__rows "
            "where place_as_printed = '北京市' and year = 2024 and month = 7 and vintage = 1 and flow = 'total'"
        ).fetchall()
    assert vintages == [(1, False), (2, True)]
    assert published == [(10000.0, 2)]
    assert [float(v) for (v,) in earlier] == [yuan(beijing[1])]


def test_a_press_figure_beyond_its_rounding_is_an_issue_with_both_numbers(
    built_warehouse: Path, tmp_path: Path
) -> None:
    copy = _copy(built_warehouse, tmp_path)
    columns = "figure_id, region_as_printed, period_kind, period_start, period_end, flow, partner_scope, product"
    columns += ", value_as_printed, value, unit_as_printed, currency, source_kind, source, published_on"
    _apply(
        copy,
        (
            f"insert into raw.customs_published_figures ({columns}) values ('test-xj-h1-2025', 'Xinjiang', 'ytd', "
            "'2025-01-01', '2025-06-30', 'total', 'world', 'all', '200 billion yuan', '200', 'billion yuan', "
            "'CNY', 'press', 'example.org/xinjiang-h1-2025', '2025-07-20')",
        ),
    )
    table_value = yuan(table("2025-06")["新疆维吾尔自治区"][2])
    with duckdb.connect(str(copy), read_only=True) as connection:
        issue = connection.execute(
            "select observed_value, expected_value, compared_figure_id from intermediate.int_region_table_checks "
            "where figure_id = 'test-xj-h1-2025' and rule_code = 'press_vs_official_table'"
        ).fetchall()
    assert issue == [(200e9, table_value, "grt:2025-06:650000:total:ytd")]


def test_nbs_2024_is_reconciled_with_the_december_table_and_a060201_stays_apart(reader) -> None:
    nbs = {
        row["region_code"]: row
        for row in csv.DictReader(
            (Path(__file__).parents[1] / "seeds/raw/nbs_trade_by_province_two_concepts_annual.csv").open(
                encoding="utf-8"
            )
        )
        if row["year"] == "2024"
    }
    december = table("2024-12")
    rows = reader.execute(
        "select region_code, region_name_zh, value_usd, value_usd_destination_source, customs_table_value_cny, "
        "gap_vs_customs_table_pct from marts.fct_province_trade_annual where year = 2024"
    ).fetchall()
    assert len(rows) == 31
    for code, name, value_usd, second, table_cny, gap in rows:
        assert value_usd == pytest.approx(float(nbs[code]["A060101_value"]) * 1000)
        assert second == pytest.approx(float(nbs[code]["A060201_value"]) * 1000)
        assert table_cny == yuan(december[name][2])
        assert gap is not None


@pytest.mark.parametrize(
    "case", [case for case in REGION_TABLE_CORRUPTIONS if not case.rule_code], ids=lambda case: case.target
)
def test_an_empty_table_fails_every_has_comparisons(
    built_warehouse: Path, tmp_path: Path, case: TableCorruption
) -> None:
    copy = _copy(built_warehouse, tmp_path)
    _apply(copy, case.statements)
    report = validate_warehouse(copy, data_docs=False, only=[case.target.split(".")[0]])
    assert case.target in {outcome.expectation for outcome in report.failures}, report.summary()
