"""Guards real use of the platform needs: each one fed bad data, refused by name, and the landing
zone byte-for-byte as it was. Bad inputs are derived from the real samples (tests/fixtures/gacc_platform/).
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from gacc_helpers import FIXTURES, dbt_detail, snapshot
from tradewh import PROJECT_ROOT
from tradewh.ingest_common import IngestError
from tradewh.ingest_gacc import ingest_gacc
from tradewh.ingest_gacc_land import retract

SAMPLES = Path(__file__).parent / "fixtures" / "gacc_platform"
CRUDE = SAMPLES / "zh_commodity_by_month_usd_crude_oil_imports_2024.csv"  # by month, GBK, quoted, trailing comma
FOUR_DIMS = SAMPLES / "zh_4dims_cny_cumulative_2026-01..03_excerpt.csv"  # cumulative, no date column


def lines(path: Path) -> list[str]:
    return path.read_bytes().decode("gb18030").splitlines()


def write(path: Path, text_lines: list[str]) -> Path:
    path.write_bytes(("\r\n".join(text_lines) + "\r\n").encode("gb18030"))
    return path


def replace_in_line(source: Path, target: Path, line: int, old: str, new: str) -> Path:
    text = lines(source)
    assert old in text[line - 1]
    text[line - 1] = text[line - 1].replace(old, new)
    return write(target, text)


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    root = tmp_path / "landing"
    ingest_gacc([FOUR_DIMS], flow="import", period="2026-01..2026-03", root=root)
    return root


def refused(landing: Path, files: list[Path], **options) -> str:
    before = snapshot(landing)
    with pytest.raises(IngestError) as caught:
        ingest_gacc(files, root=landing, **{"flow": "import", **options})
    assert snapshot(landing) == before, "the landing zone changed"
    return str(caught.value)


def test_a_part_of_exactly_10000_rows_is_refused_unless_allowed(landing: Path, tmp_path: Path) -> None:
    header = lines(CRUDE)[0]
    body = [f'"202401","{10_000_000 + i}","x","1","千克","0","?","1,000",' for i in range(10_000)]
    full = write(tmp_path / "full.csv", [header, *body])
    message = refused(landing, [full])
    assert f"{full}: exactly 10,000 data rows" in message
    assert "--allow-full-parts" in message
    assert ingest_gacc([full], flow="import", root=landing, allow_full_parts=True).status == "new"


def test_a_line_without_the_trailing_comma_is_refused_as_truncated(landing: Path, tmp_path: Path) -> None:
    text = lines(CRUDE)
    text[4] = text[4].rstrip(",")
    bad = write(tmp_path / "cut.csv", text)
    assert f"{bad}: line 5: no trailing comma where every other line has one" in refused(landing, [bad])


@pytest.mark.parametrize(
    ("amount", "reason"),
    [
        ("NaN", "not a finite number: 'NaN'"),
        ("inf", "not a finite number: 'inf'"),
        ("1_000_000", "underscores are not digit separators here: '1_000_000'"),
        ("1,000.125", "more than two decimals: '1,000.125'"),
        ("12,34", "not an amount"),
        ("9,999,999,999,999", "larger than China's whole trade in 1 month(s)"),
    ],
)
def test_bad_amounts_are_refused_by_name(landing: Path, tmp_path: Path, amount: str, reason: str) -> None:
    bad = replace_in_line(CRUDE, tmp_path / "bad.csv", 3, '"26,076,637,165"', f'"{amount}"')
    assert f"{bad}: line 3, column 美元: {reason}" in refused(landing, [bad])


def test_nul_bytes_are_refused(landing: Path, tmp_path: Path) -> None:
    data = CRUDE.read_bytes()
    bad = tmp_path / "nul.csv"
    at = data.index(b"202403")
    bad.write_bytes(data[:at] + b"\x00" + data[at:])
    assert f"{bad}: line 4: NUL byte at byte {at}" in refused(landing, [bad])


def test_an_hs_code_of_another_length_is_refused(landing: Path, tmp_path: Path) -> None:
    bad = replace_in_line(CRUDE, tmp_path / "bad.csv", 6, '"27090000"', '"2709"')
    message = refused(landing, [bad])
    assert f"{bad}: line 6, column 商品编码: HS code '2709' has 4 digits where the query's codes have 8" in message


def test_months_outside_the_fx_table_are_refused(landing: Path, tmp_path: Path) -> None:
    bad = replace_in_line(CRUDE, tmp_path / "bad.csv", 2, '"202401"', '"203001"')
    assert f"{bad}: line 2, column 数据年月: month '203001' (1 rows) is not in" in refused(landing, [bad])
    message = refused(landing, [FOUR_DIMS], period="2030-01..2030-03")
    assert (
        "--period 2030-01..2030-03: month(s) 2030-01, 2030-03 are not in seeds/reference/ref_fx_monthly.csv" in message
    )


def test_a_file_without_months_needs_a_period(landing: Path) -> None:
    assert "give --period YYYY-MM" in refused(landing, [FOUR_DIMS])
    assert "--period '2026-03..2026-01'" in refused(landing, [FOUR_DIMS], period="2026-03..2026-01")


def test_fewer_rows_than_the_superseded_vintage_needs_revision(landing: Path, tmp_path: Path) -> None:
    shorter = write(tmp_path / "shorter.csv", lines(FOUR_DIMS)[:-1])
    message = refused(landing, [shorter], period="2026-01..2026-03")
    assert "fewer rows or parts than the one it would supersede (rows 50 -> 49 (-1)" in message
    assert "--revision" in message
    command = [sys.executable, str(PROJECT_ROOT / "scripts" / "ingest.py"), "gacc", str(shorter), "--flow", "import"]
    command += ["--period", "2026-01..2026-03", "--landing-root", str(landing), "--revision"]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "revision: landed" in done.stdout
    assert "changed: rows 50 -> 49 (-1)" in done.stdout
    assert "changed: total " in done.stdout


def test_a_retraction_publishes_the_earlier_vintage_again(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    first = ingest_gacc([CRUDE], flow="import", root=landing)
    revised_file = replace_in_line(CRUDE, tmp_path / "revised.csv", 2, '"25,878,542,731"', '"25,000,000,000"')
    revised = ingest_gacc([revised_file], flow="import", root=landing)
    assert revised.status == "revision"

    def january() -> object:
        dbt_detail(tmp_path, landing)
        with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
            return con.execute(
                "select value_usd from marts.fct_region_product_trade_monthly "
                "where region_code = '000000' and year = 2024 and month = 1"
            ).fetchone()[0]

    assert january() == 25_000_000_000
    before = snapshot(landing / "gacc")
    withdrawn, published = retract(landing, revised.content_hash[:12], reason="test")
    assert (withdrawn, published) == (revised.path, first.path)
    assert snapshot(landing / "gacc") == before  # recorded beside, nothing deleted
    assert january() == 25_878_542_731
    with pytest.raises(IngestError, match="already retracted"):
        retract(landing, str(revised.path), reason="again")


def test_landing_events_land_in_the_order_of_their_times_even_when_the_clock_goes_back(tmp_path: Path) -> None:
    """A build's high-water mark (macros/gacc_incremental.sql) must never pass over an event that
    lands later: each vintage and retraction is stamped after every event already landed."""
    landing = tmp_path / "landing"
    later = dt.datetime(2031, 5, 1, 12, 0, tzinfo=dt.timezone.utc)
    first = ingest_gacc(
        [FIXTURES / "export_2020-01_usd.csv"], flow="export", period="2020-01", currency="usd", root=landing, now=later
    )
    second = ingest_gacc(
        [FIXTURES / "export_2020-02_usd.csv"], flow="export", period="2020-02", currency="usd", root=landing,
        now=later - dt.timedelta(days=30),
    )  # fmt: skip
    withdrawn, _ = retract(landing, str(second.path), "test", now=later - dt.timedelta(days=60))
    (retraction,) = landing.glob("gacc_retractions/**/*.parquet")
    stamps = [first.path.name[:22], second.path.name[:22], retraction.name[:22]]
    assert stamps[0] == "20310501T120000000000Z"
    assert stamps == sorted(stamps) and len(set(stamps)) == 3, stamps
    manifest = json.loads((second.path / "_vintage.json").read_text(encoding="utf-8"))
    assert manifest["ingested_at"].startswith("2031-05-01T12:00:00.000001"), "the manifest says the same time"
    assert withdrawn == second.path
