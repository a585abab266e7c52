"""`ingest.py region-table` on the 18 real tables (tests/fixtures/gacc_region_tables, copies of
../shared/data/gacc_region_tables): every month lands, the committed seed is exactly what the
files give, the same month again changes nothing, a corrected table is a new vintage, and every
kind of bad input is refused by name with the seed byte-for-byte unchanged."""

from __future__ import annotations

import csv
import datetime as dt
import io
import subprocess
import sys
from pathlib import Path

import pytest

from tradewh import PROJECT_ROOT
from tradewh.ingest_common import IngestError
from tradewh.ingest_region_table import SEED_COLUMNS, TABLE_SEED, ingest_region_tables

FIXTURES = Path(__file__).parent / "fixtures" / "gacc_region_tables"
MONTHS = sorted(FIXTURES.glob("20*.csv"))
NOW = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)


@pytest.fixture
def seed(tmp_path: Path) -> Path:
    path = tmp_path / "gacc_region_table.csv"
    path.write_text(",".join(SEED_COLUMNS) + "\n", encoding="utf-8")
    return path


def seed_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def altered(tmp_path: Path, source: Path, change, name: str | None = None) -> Path:
    """A copy of ``source`` (BOM, CRLF kept) with ``change(lines)`` applied to its text lines."""
    lines = source.read_bytes().decode("utf-8-sig").split("\r\n")
    change(lines)
    target = tmp_path / (name or source.name)
    target.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode("utf-8"))
    return target


def replace_cell(line_index: int, column: int, value: str):
    def change(lines: list[str]) -> None:
        cells = next(csv.reader([lines[line_index]]))
        cells[column] = value
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="").writerow(cells)
        lines[line_index] = buffer.getvalue()

    return change


def test_there_are_18_real_months() -> None:
    assert [path.stem for path in MONTHS][0::17] == ["2024-01", "2025-06"]
    assert len(MONTHS) == 18


def test_all_18_months_land_and_give_the_committed_seed(seed: Path) -> None:
    outcomes = ingest_region_tables(MONTHS, seed=seed, now=NOW)
    assert [o.status for o in outcomes] == ["new"] * 18
    ours = [{k: v for k, v in row.items() if k != "ingested_at"} for row in seed_rows(seed)]
    committed = [{k: v for k, v in row.items() if k != "ingested_at"} for row in seed_rows(TABLE_SEED)]
    assert ours == committed
    # every place of every file is a row: count them straight from the files
    expected = 0
    for path in MONTHS:
        rows = list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))
        expected += sum(1 for row in rows[3:] if row and not row[0].startswith("注："))
    assert len(ours) == expected


def test_cells_are_kept_verbatim(seed: Path) -> None:
    ingest_region_tables([FIXTURES / "2025-06.csv"], seed=seed, now=NOW)
    rows = list(csv.reader(io.StringIO((FIXTURES / "2025-06.csv").read_bytes().decode("utf-8-sig"))))
    xinjiang = next(row for row in rows if row[0] == "新疆维吾尔自治区")
    landed = next(row for row in seed_rows(seed) if row["place_as_printed"] == "新疆维吾尔自治区")
    assert [landed[c] for c in SEED_COLUMNS[8:]] == xinjiang[1:]
    assert landed["period"] == "2025-06" and landed["unit_as_printed"] == "万人民币"


def test_the_same_month_again_changes_nothing(seed: Path) -> None:
    ingest_region_tables(MONTHS[:2], seed=seed, now=NOW)
    before = seed.read_bytes()
    outcomes = ingest_region_tables(MONTHS[:2], seed=seed, now=NOW + dt.timedelta(days=1))
    assert [o.status for o in outcomes] == ["unchanged", "unchanged"]
    assert seed.read_bytes() == before


def test_a_corrected_table_is_a_new_vintage_and_the_old_one_stays(seed: Path, tmp_path: Path) -> None:
    ingest_region_tables([FIXTURES / "2024-07.csv"], seed=seed, now=NOW)
    first = seed_rows(seed)
    corrected = altered(tmp_path, FIXTURES / "2024-07.csv", replace_cell(4, 1, "1"))
    (outcome,) = ingest_region_tables([corrected], seed=seed, now=NOW + dt.timedelta(days=1))
    assert (outcome.status, outcome.vintage) == ("revision", 2)
    rows = seed_rows(seed)
    assert rows[: len(first)] == first
    second = [row for row in rows if row["vintage"] == "2"]
    assert len(second) == len(first)
    assert {row["total_month"] for row in second if row["line_number"] == "5"} == {"1"}


def test_no_line_ending_or_quoting_changes_in_what_was_there(seed: Path) -> None:
    ingest_region_tables(MONTHS[:1], seed=seed, now=NOW)
    before = seed.read_bytes()
    ingest_region_tables(MONTHS[1:2], seed=seed, now=NOW)
    after = seed.read_bytes()
    assert after.startswith(before)
    assert b"\r" not in after


REFUSALS = [
    ("unit", replace_cell(0, 7, "单位：千美元"), "unknown unit '千美元'"),
    ("header_row_2", replace_cell(1, 3, "出口额"), "line 2, column 4: '出口额'"),
    ("header_month", replace_cell(2, 1, "6月"), "line 3, column 2: '6月', expected '7月'"),
    ("number", replace_cell(10, 2, "12,345"), "column 3 (total_ytd): '12,345' is not a whole number"),
    ("percent", replace_cell(10, 7, "n/a"), "column 8 (total_ytd_yoy_pct): 'n/a' is not a percentage"),
    ("place", replace_cell(6, 0, "火星经济技术开发区"), "unknown place '火星经济技术开发区'"),
    ("province_missing", lambda lines: lines.pop(4), "province 110000 is missing"),
]


@pytest.mark.parametrize(("label", "change", "message"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_bad_input_is_refused_by_name_and_nothing_is_written(
    seed: Path, tmp_path: Path, label: str, change, message: str
) -> None:
    ingest_region_tables([FIXTURES / "2024-06.csv"], seed=seed, now=NOW)
    before = seed.read_bytes()
    bad = altered(tmp_path, FIXTURES / "2024-07.csv", change)
    # a good month in the same call is not written either: all or nothing
    with pytest.raises(IngestError) as refused:
        ingest_region_tables([FIXTURES / "2024-08.csv", bad], seed=seed, now=NOW)
    assert message in refused.value.render()
    assert str(bad) in refused.value.render()
    assert seed.read_bytes() == before


def test_a_month_it_cannot_tell_is_refused(seed: Path, tmp_path: Path) -> None:
    unnamed = tmp_path / "table.csv"
    unnamed.write_bytes((FIXTURES / "2024-07.csv").read_bytes())
    with pytest.raises(IngestError, match="cannot tell the month: file name 'table'"):
        ingest_region_tables([unnamed], seed=seed)
    with pytest.raises(IngestError, match="line 3, column 2: '7月', expected '8月'"):
        ingest_region_tables([unnamed], seed=seed, period="2024-08")
    (outcome,) = ingest_region_tables([unnamed], seed=seed, period="2024-07", now=NOW)
    assert outcome.table.period == "2024-07"


def test_a_place_under_the_wrong_province_is_refused(seed: Path, tmp_path: Path) -> None:
    def move_zone(lines: list[str]) -> None:
        # 中关村 (Beijing) printed after 天津市
        zone = lines.pop(5)
        lines.insert(7, zone)

    bad = altered(tmp_path, FIXTURES / "2024-07.csv", move_zone)
    with pytest.raises(IngestError, match="'中关村国家自主创新示范区' is under province 120000"):
        ingest_region_tables([bad], seed=seed)


def test_cli_lands_and_refuses(seed: Path, tmp_path: Path) -> None:
    command = [sys.executable, str(PROJECT_ROOT / "scripts" / "ingest.py"), "region-table", "--seed", str(seed)]
    ok = subprocess.run([*command, str(MONTHS[0])], capture_output=True, text=True, check=False)
    assert ok.returncode == 0, ok.stderr
    assert "landed as vintage 1" in ok.stdout
    again = subprocess.run([*command, str(MONTHS[0])], capture_output=True, text=True, check=False)
    assert "unchanged" in again.stdout
    bad = altered(tmp_path, MONTHS[1], replace_cell(0, 8, "单位：万美元"))
    refused = subprocess.run([*command, str(bad)], capture_output=True, text=True, check=False)
    assert refused.returncode == 1
    assert "unknown unit '万美元'" in refused.stderr and "Nothing was written." in refused.stderr
