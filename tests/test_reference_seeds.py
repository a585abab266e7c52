"""The generated reference seeds are exactly what the generator produces from the pinned packages."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from generate_reference_seeds import main as generate
from tradewh import PROJECT_ROOT

SEEDS = PROJECT_ROOT / "seeds" / "reference"


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("reference")
    assert generate(["--out-dir", str(out)]) == 0
    return out


@pytest.mark.parametrize("name", ["ref_fx_monthly.csv", "ref_countries.csv"])
def test_committed_seed_matches_generator(regenerated: Path, name: str) -> None:
    assert (regenerated / name).read_bytes() == (SEEDS / name).read_bytes(), (
        f"seeds/reference/{name} differs from what scripts/generate_reference_seeds.py writes: "
        "regenerate it and review the diff"
    )


def test_monthly_rates_are_plausible_and_complete(regenerated: Path) -> None:
    rows = list(csv.DictReader((regenerated / "ref_fx_monthly.csv").open(encoding="utf-8")))
    months = {(int(row["year"]), int(row["month"])) for row in rows}
    assert {(2023, month) for month in range(1, 13)} <= months
    rate_2023 = [float(row["cny_per_usd"]) for row in rows if row["year"] == "2023"]
    # The PBOC's 2023 average central parity was 7.0467; ECB cross rates sit within about 1%.
    assert sum(rate_2023) / 12 == pytest.approx(7.0467, rel=0.01)
    assert all(int(row["ecb_days"]) >= 15 for row in rows)


def test_countries_have_codes_and_chinese_names(regenerated: Path) -> None:
    rows = {row["iso3"]: row for row in csv.DictReader((regenerated / "ref_countries.csv").open(encoding="utf-8"))}
    assert len(rows) >= 249
    assert rows["KAZ"]["name_zh"] == "哈萨克斯坦"
    assert rows["AND"]["iso_numeric"] == "020"  # codes keep their leading zeros


def test_refuses_to_write_an_empty_seed(tmp_path: Path) -> None:
    from tradewh.reference import write_csv

    with pytest.raises(ValueError, match="empty seed"):
        write_csv([], tmp_path / "x.csv")
    assert not (tmp_path / "x.csv").exists()
