"""`scripts/ingest.py figure`: a published figure is validated, then appended atomically."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tradewh import PROJECT_ROOT
from tradewh.ingest_common import IngestError
from tradewh.ingest_figures import FIGURES_SEED, add_figure

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


def test_a_valid_figure_is_appended_and_nothing_else_changes(seed: Path) -> None:
    before = seed.read_bytes()
    row = add_figure(GOOD, seed=seed)
    after = seed.read_bytes()
    assert after.startswith(before)
    appended = list(csv.DictReader(io.StringIO(after.decode())))[-1]
    assert appended["figure_id"] == "xj-test-01"
    assert appended["currency"] == "CNY"  # from the unit
    assert appended["value"] == "40.5"
    assert appended["region_as_printed"] == "新疆"
    assert row == appended


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"region_as_printed": "Atlantis"}, "unknown region 'Atlantis'"),
        ({"unit_as_printed": "bananas"}, "unknown unit 'bananas'"),
        ({"period_end": "2024-03-30"}, "a ytd period runs from 1 January to a month's end"),
        ({"period_kind": "month"}, "a month runs from its first to its last day"),
        ({"period_start": "2024-02-30"}, "'2024-02-30' is not a date"),
        ({"partner_scope": "mars"}, "unknown scope 'mars'"),
        ({"product": "spaceships"}, "unknown product 'spaceships'"),
        ({"currency": "USD"}, "'USD' but unit 'billion yuan' is in CNY"),
        ({"value": "forty"}, "column value: 'forty' is not a number"),
        ({"value": "-3"}, "column value: '-3' must be greater than zero"),
        ({"qualifier": "roughly"}, "column qualifier: 'roughly'"),
        ({"published_on": "2024-03-01"}, "is before the period ends"),
        ({"figure_id": "xj-01"}, "'xj-01' is already in the seed"),
        ({"source": ""}, "column source: required"),
    ],
)
def test_a_bad_figure_is_refused_and_the_seed_is_unchanged(seed: Path, change: dict, expected: str) -> None:
    before = seed.read_bytes()
    with pytest.raises(IngestError) as caught:
        add_figure({**GOOD, **change}, seed=seed)
    assert expected in str(caught.value)
    assert seed.read_bytes() == before


def test_cli_appends_and_refuses(seed: Path) -> None:
    script = str(PROJECT_ROOT / "scripts" / "ingest.py")
    options = [item for key, value in GOOD.items() for item in (f"--{key.replace('_', '-')}", value)]
    ok = subprocess.run(
        [sys.executable, script, "figure", *options, "--seed", str(seed)], capture_output=True, text=True, check=False
    )
    assert ok.returncode == 0, ok.stderr
    assert "appended figure xj-test-01" in ok.stdout
    before = seed.read_bytes()
    again = subprocess.run(
        [sys.executable, script, "figure", *options, "--seed", str(seed)], capture_output=True, text=True, check=False
    )
    assert again.returncode == 1
    assert "figure xj-test-01: column figure_id: 'xj-test-01' is already in the seed" in again.stderr
    assert seed.read_bytes() == before
