"""`scripts/ingest.py figure` and `figures`: published figures are checked, then appended atomically.

Every test works on copies of the real files: the seed as committed and the two files of real
figures in tests/fixtures/figures/ (copies of shared/data/published_figures.csv, CRLF, and
published_figures_more_provinces.csv, the 58 Heilongjiang and Guangxi figures).
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tradewh import PROJECT_ROOT
from tradewh.figure_checks import load_references, printed_numbers
from tradewh.ingest_common import IngestError
from tradewh.ingest_figures import FIGURES_SEED, add_figure, add_figures, read_figures_file

FIXTURES = PROJECT_ROOT / "tests" / "fixtures" / "figures"
ORIGINAL_SEED = FIXTURES / "published_figures.csv"  # the seed before issue 13: 99 figures, CRLF
MORE_PROVINCES = FIXTURES / "published_figures_more_provinces.csv"
ALIASES = PROJECT_ROOT / "seeds" / "reference" / "ref_region_aliases.csv"
SCRIPT = str(PROJECT_ROOT / "scripts" / "ingest.py")
FULL_WIDTH_100 = "\uff11\uff10\uff10"  # "100" in full-width digits
FULL_WIDTH_12 = "\uff11\uff12"

GOOD = {
    "figure_id": "xj-test-01",
    "region_as_printed": "新疆",
    "period_kind": "ytd",
    "period_start": "2024-01-01",
    "period_end": "2024-03-31",
    "flow": "total",
    "partner_scope": "central_asia_5",
    "product": "all",
    "value_as_printed": "over 40.5 billion yuan",
    "value": "40.5",
    "unit_as_printed": "billion yuan",
    "qualifier": "over",
    "yoy_pct": "12.3",
    "source_kind": "press",
    "source": "example.org/xinjiang-q1",
    "published_on": "2024-04-20",
}


@pytest.fixture
def seed(tmp_path: Path) -> Path:
    copy = tmp_path / "customs_published_figures.csv"
    shutil.copyfile(FIGURES_SEED, copy)
    return copy


def sniffed_rows(path: Path) -> int:
    """Rows DuckDB's CSV sniffer reads from ``path`` (what `dbt seed` relies on)."""
    with duckdb.connect() as connection:
        return connection.execute("select count(*) from read_csv(?)", [str(path)]).fetchone()[0]


def test_the_real_seed_is_crlf_and_an_lf_row_appended_breaks_the_sniffer(tmp_path: Path) -> None:
    # The bug of issue 13, reproduced on a copy of the real seed: what the old command wrote.
    assert ORIGINAL_SEED.read_bytes().count(b"\r\n") == 100
    broken = tmp_path / "broken.csv"
    real_row = MORE_PROVINCES.read_bytes().split(b"\r\n")[1]  # hl-01, as the old command wrote it: LF
    broken.write_bytes(ORIGINAL_SEED.read_bytes() + real_row + b"\n")
    with pytest.raises(duckdb.Error):
        sniffed_rows(broken)


def test_an_appended_figure_keeps_the_seeds_line_endings_and_the_sniffer_reads_it(seed: Path) -> None:
    before = seed.read_bytes()
    lines_before = before.count(b"\r\n")
    row = add_figure(GOOD, seed=seed)
    after = seed.read_bytes()
    assert after.startswith(before)
    assert after.count(b"\r\n") == lines_before + 1
    assert b"\n" not in after.replace(b"\r\n", b"")  # no bare LF anywhere
    assert sniffed_rows(seed) == lines_before  # header + rows - header + the new row
    appended = list(csv.DictReader(io.StringIO(after.decode(), newline="")))[-1]
    assert appended["currency"] == "CNY"  # from the unit
    assert appended == row


def test_a_round_trip_of_the_real_seed_is_byte_identical(tmp_path: Path) -> None:
    original = ORIGINAL_SEED.read_bytes()
    figures = read_figures_file(ORIGINAL_SEED)
    head = tmp_path / "customs_published_figures.csv"
    head.write_bytes(b"".join(original.splitlines(keepends=True)[:41]))  # header and 40 figures
    add_figures(figures[40:], seed=head)
    assert head.read_bytes() == original


def test_the_58_real_figures_go_in_through_figures_giving_the_committed_seed(tmp_path: Path) -> None:
    seed = tmp_path / "customs_published_figures.csv"
    shutil.copyfile(ORIGINAL_SEED, seed)
    result = subprocess.run(
        [sys.executable, SCRIPT, "figures", str(MORE_PROVINCES), "--seed", str(seed)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "appended 58 figures" in result.stdout
    assert seed.read_bytes() == FIGURES_SEED.read_bytes()
    assert sniffed_rows(seed) == 157


def test_region_aliases_keep_their_crlf_when_a_row_is_appended(tmp_path: Path) -> None:
    from tradewh.seed_io import append_rows

    aliases = tmp_path / "ref_region_aliases.csv"
    shutil.copyfile(ALIASES, aliases)
    before = aliases.read_bytes()
    assert before.count(b"\r\n") == before.count(b"\n") > 100
    append_rows(aliases, [{"alias": "Harbin Province", "region_code": "230000"}])
    after = aliases.read_bytes()
    assert after == before + b"Harbin Province,230000\r\n"
    assert sniffed_rows(aliases) == before.count(b"\r\n")


def test_every_seed_has_one_kind_of_line_ending() -> None:
    # A hand edit that mixes LF into a CRLF seed breaks DuckDB's sniffer, as the append did.
    for path in sorted((PROJECT_ROOT / "seeds").rglob("*.csv")):
        raw = path.read_bytes()
        crlf = raw.count(b"\r\n")
        assert crlf in (0, raw.count(b"\n")), f"{path}: mixes CRLF and LF line endings"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"region_as_printed": "Atlantis"}, "column region_as_printed: unknown value 'Atlantis'"),
        ({"unit_as_printed": "bananas"}, "column unit_as_printed: unknown value 'bananas'"),
        ({"period_end": "2024-03-30"}, "a ytd period runs from 1 January to a month's end"),
        ({"period_kind": "month"}, "a month runs from its first to its last day"),
        ({"period_start": "2024-02-30"}, "column period_start: '2024-02-30' is not a date"),
        ({"partner_scope": "mars"}, "column partner_scope: unknown value 'mars'"),
        ({"partner_scope": "XXX"}, "column partner_scope: unknown value 'XXX'"),
        ({"product": "spaceships"}, "column product: unknown value 'spaceships'"),
        ({"currency": "USD"}, "'USD' but unit 'billion yuan' is in CNY"),
        ({"value": "forty"}, "column value: 'forty' is not a plain positive number"),
        ({"value": "-3"}, "column value: '-3' is not a plain positive number"),
        ({"value": "0"}, "column value: '0' must be greater than zero"),
        ({"value": "1e20"}, "column value: '1e20' is not a plain positive number"),
        ({"value": "inf"}, "column value: 'inf' is not a plain positive number"),
        ({"value": "nan"}, "column value: 'nan' is not a plain positive number"),
        (
            {"value": FULL_WIDTH_100, "value_as_printed": FULL_WIDTH_100 + " billion yuan"},
            f"column value: '{FULL_WIDTH_100}' is not a plain",
        ),
        ({"value": "25.33", "value_as_printed": "253.3 billion yuan"}, "'25.33' is not the number printed"),
        (
            {"value": "9000", "value_as_printed": "9000 trillion yuan", "unit_as_printed": "trillion yuan"},
            "larger than China's whole trade in 2024",
        ),
        ({"yoy_pct": "-100.5"}, "column yoy_pct: -100.5 is below -100"),
        ({"yoy_pct": "1e20"}, "column yoy_pct: '1e20' is not a number in ASCII digits"),
        ({"yoy_pct": FULL_WIDTH_12}, f"column yoy_pct: '{FULL_WIDTH_12}' is not a number"),
        ({"yoy_pct": "123456789"}, "column yoy_pct: '123456789' does not fit decimal(9, 2)"),
        ({"growth_multiple": "inf"}, "column growth_multiple: 'inf' is not a number"),
        ({"qualifier": "roughly"}, "column qualifier: unknown value 'roughly'"),
        (
            {"period_start": "2031-01-01", "period_end": "2031-03-31", "published_on": "2031-04-20"},
            "no monthly exchange rate for 2031-01-01..2031-03-31",
        ),
        ({"published_on": "2024-03-01"}, "is before the period ends"),
        ({"figure_id": "xj-01"}, "'xj-01' is already in the seed"),
        ({"source": ""}, "column source: required"),
        ({"value": "", "value_as_printed": "", "unit_as_printed": "", "yoy_pct": ""}, "a value or a growth rate"),
        ({"value": ""}, "column value: required when a value is given"),
    ],
)
def test_a_bad_figure_is_refused_naming_id_column_and_value(seed: Path, change: dict, expected: str) -> None:
    before = seed.read_bytes()
    with pytest.raises(IngestError) as caught:
        add_figure({**GOOD, **change}, seed=seed)
    assert expected in str(caught.value)
    assert f"figure {change.get('figure_id', GOOD['figure_id'])}:" in str(caught.value)
    assert seed.read_bytes() == before


@pytest.mark.parametrize(
    ("change", "column"),
    [
        ({"partner_scope": "RUS"}, "partner_scope"),  # any ISO3 country, not a hand-kept list
        ({"partner_scope": "asean"}, "partner_scope"),
        ({"product": "new_energy_vehicles"}, "product"),
        ({"product": "fresh_durian"}, "product"),
        ({"value": "", "value_as_printed": "", "unit_as_printed": "", "growth_multiple": "2.1"}, "growth only"),
        ({"region_as_printed": "heilongjiang"}, "region_as_printed"),  # aliases match case-insensitively
    ],
)
def test_real_kinds_of_figure_are_accepted(seed: Path, change: dict, column: str) -> None:
    row = add_figure({**GOOD, **change}, seed=seed)
    assert row["figure_id"] == GOOD["figure_id"], column


def test_the_checks_read_the_accepted_values_from_the_build_s_tests(tmp_path: Path) -> None:
    # One place: a value the source test of _customs__sources.yml accepts, ingest accepts, and
    # only that. Here the YAML of a copy is narrowed and ingest follows it.
    refs = load_references()
    assert refs.rules["flow"].allowed == {"total", "export", "import"}
    assert refs.rules["partner_scope"].admits("RUS") and refs.rules["partner_scope"].admits("world")
    sources = tmp_path / "_customs__sources.yml"
    text = (PROJECT_ROOT / "models" / "staging" / "customs" / "_customs__sources.yml").read_text(encoding="utf-8")
    sources.write_text(text.replace('values: ["total", "export", "import"]', 'values: ["total"]'), encoding="utf-8")
    narrowed = load_references(sources_yml=sources)
    assert narrowed.rules["flow"].allowed == {"total"}


def test_printed_numbers_read_the_languages_of_real_releases() -> None:
    assert printed_numbers("117,2 млрд юаней") >= {__import__("decimal").Decimal("117.2")}
    for text, number in [
        ("265,15 Milliarden Yuan", "265.15"),
        ("1천770억 8천만원", "1770.8"),
        ("316억 6천만원", "316.6"),
        ("2579.8亿元人民币", "2579.8"),
        ("~39.44 bn USD", "39.44"),
        ("1,154.7 billion yuan", "1154.7"),
    ]:
        assert __import__("decimal").Decimal(number) in printed_numbers(text), text


def figures_file(path: Path, figures: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(GOOD))
        writer.writeheader()
        writer.writerows(figures)
    return path


def run_figures(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, SCRIPT, "figures", *args], capture_output=True, text=True, check=False)


def test_figures_is_all_or_nothing_and_names_every_refusal(seed: Path, tmp_path: Path) -> None:
    figures = [
        {**GOOD, "figure_id": "t-1"},
        {**GOOD, "figure_id": "t-2", "value": "1e20"},
        {**GOOD, "figure_id": "t-3", "partner_scope": "XXX"},
        {**GOOD, "figure_id": "t-1"},  # twice in one file
    ]
    before = seed.read_bytes()
    result = run_figures(str(figures_file(tmp_path / "in.csv", figures)), "--seed", str(seed))
    assert result.returncode == 1
    assert "figure t-2: column value: '1e20'" in result.stderr
    assert "figure t-3: column partner_scope: unknown value 'XXX'" in result.stderr
    assert "figure t-1: column figure_id: 't-1' is already in the seed" in result.stderr
    assert "nothing was written" in result.stderr
    assert seed.read_bytes() == before


def test_figures_dry_run_writes_nothing_and_a_real_run_appends_all(seed: Path, tmp_path: Path) -> None:
    figures = figures_file(tmp_path / "in.csv", [{**GOOD, "figure_id": f"t-{n}"} for n in range(3)])
    before = seed.read_bytes()
    dry = run_figures(str(figures), "--seed", str(seed), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "valid (dry run, nothing written): 3 figures: t-0, t-1, t-2" in dry.stdout
    assert seed.read_bytes() == before
    done = run_figures(str(figures), "--seed", str(seed))
    assert done.returncode == 0, done.stderr
    assert [row["figure_id"] for row in read_figures_file(seed)][-3:] == ["t-0", "t-1", "t-2"]


def test_cli_figure_appends_and_refuses(seed: Path) -> None:
    options = [item for key, value in GOOD.items() for item in (f"--{key.replace('_', '-')}", value)]
    command = [sys.executable, SCRIPT, "figure", *options, "--seed", str(seed)]
    ok = subprocess.run(command, capture_output=True, text=True, check=False)
    assert ok.returncode == 0, ok.stderr
    assert "appended figure xj-test-01" in ok.stdout
    before = seed.read_bytes()
    again = subprocess.run(command, capture_output=True, text=True, check=False)
    assert again.returncode == 1
    assert "figure xj-test-01: column figure_id: 'xj-test-01' is already in the seed" in again.stderr
    assert seed.read_bytes() == before
