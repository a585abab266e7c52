"""The synthetic GACC export generator: deterministic, valid platform format, NBS totals."""

from __future__ import annotations

import csv
import filecmp
import io
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from tradewh import PROJECT_ROOT
from tradewh.baselines import partner_crosswalk
from tradewh.ingest_common import read_reference
from tradewh.synthetic import (
    FIELDS,
    VALUE_FIELD,
    SyntheticConfig,
    generate,
    iter_query_files,
    load_fx_monthly,
    load_manifest,
    load_nbs_totals_usd,
    load_provinces,
)

TRADE_MODE_CODES = {row["trade_mode_code"] for row in read_reference("ref_trade_modes")}
SMALL = SyntheticConfig(rows=20_000, rows_per_month=5_000, part_rows=1_000, gbk_share=0.4, bom_share=0.3)


@pytest.fixture(scope="module")
def small_dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(SMALL, tmp_path_factory.mktemp("synthetic") / "small", progress=False)


def _read_part(path: Path, encoding: str) -> list[list[str]]:
    data = path.read_bytes()
    if encoding == "utf-8-sig":
        assert data.startswith(b"\xef\xbb\xbf"), f"{path}: no BOM"
    else:
        assert not data.startswith(b"\xef\xbb\xbf"), f"{path}: unexpected BOM"
    if encoding == "gbk":
        with pytest.raises(UnicodeDecodeError):
            data.decode("utf-8")
    return list(csv.reader(io.StringIO(data.decode(encoding))))


def test_small_dataset_layout_and_manifest(small_dataset: Path) -> None:
    manifest = load_manifest(small_dataset)
    assert manifest["synthetic"] is True
    assert "SYNTHETIC" in (small_dataset / "README.md").read_text(encoding="utf-8")
    assert manifest["rows"] == 20_000
    assert manifest["months"] == ["2024-09", "2024-10", "2024-11", "2024-12"]
    assert {(q["flow"], q["month"]) for q in manifest["queries"]} == {
        (flow, month) for flow in ("export", "import") for month in manifest["months"]
    }
    assert sum(q["rows"] for q in manifest["queries"]) == 20_000
    encodings = Counter(q["encoding"] for q in manifest["queries"])
    assert encodings["gbk"] and encodings["utf-8-sig"] and encodings["utf-8"], encodings
    for query in manifest["queries"]:
        assert Path(query["files"][0]).name == "download.csv"
        assert all((small_dataset / name).is_file() for name in query["files"])


def test_parts_are_valid_platform_files(small_dataset: Path) -> None:
    provinces = {p.customs_code for p in load_provinces()}
    crosswalk = partner_crosswalk()
    for query, paths in iter_query_files(small_dataset):
        keys: set[tuple[str, ...]] = set()
        rows_in_query = 0
        assert len(paths) > 1, "small parts should split every query"
        for path in paths:
            rows = _read_part(path, query["encoding"])
            # the platform's format: every field quoted, a trailing comma (an empty last column)
            raw = path.read_bytes().decode("gbk" if query["encoding"] == "gbk" else "utf-8-sig").splitlines()
            assert all(line.startswith('"') and line.endswith('",') for line in raw), path
            assert rows[0] == [*FIELDS, VALUE_FIELD[query["currency"]], ""], path
            body = rows[1:]
            assert 0 < len(body) <= SMALL.part_rows, path
            rows_in_query += len(body)
            for line_no, row in enumerate(body, start=2):
                where = f"{path}:{line_no}"
                assert len(row) == 15 and row[-1] == "", where
                data_month, hs, _, partner_code, _, mode, _, province, _, q1, unit1, q2, unit2, value, _ = row
                assert data_month == query["month"].replace("-", ""), where
                assert len(hs) == 8 and hs.isdigit(), where
                assert crosswalk.get(partner_code), f"{where}: partner code {partner_code} has no ISO3"
                assert mode in TRADE_MODE_CODES, where
                assert province in provinces, where
                assert int(value.replace(",", "")) > 0 and int(q1) > 0 and unit1, where
                assert f"{int(value.replace(',', '')):,}" == value, f"{where}: thousands separators"
                assert (q2 == "0") == (unit2 == "?"), where
                key = (hs, partner_code, mode, province)
                assert key not in keys, f"{where}: duplicated row key {key}"
                keys.add(key)
        assert rows_in_query == query["rows"]


def test_generation_is_deterministic(small_dataset: Path, tmp_path: Path) -> None:
    again = generate(SMALL, tmp_path / "again", progress=False)
    left = sorted(p.relative_to(small_dataset) for p in small_dataset.rglob("*") if p.is_file())
    right = sorted(p.relative_to(again) for p in again.rglob("*") if p.is_file())
    assert left == right
    for relative in left:
        assert filecmp.cmp(small_dataset / relative, again / relative, shallow=False), relative
    other = generate(SyntheticConfig(rows=20_000, rows_per_month=5_000, seed=7), tmp_path / "other", progress=False)
    first = next(iter_query_files(other))[1][0]
    assert first.read_bytes() != (small_dataset / "queries" / first.parent.name / first.name).read_bytes()


def test_cached_dataset_is_reused(small_dataset: Path) -> None:
    manifest = small_dataset / "MANIFEST.json"
    before = manifest.stat().st_mtime_ns
    assert generate(SMALL, small_dataset, progress=False) == small_dataset
    assert manifest.stat().st_mtime_ns == before


def test_newest_month_does_not_depend_on_history(tmp_path: Path) -> None:
    short = generate(SyntheticConfig(rows=1_000, rows_per_month=500), tmp_path / "short", progress=False)
    long = generate(SyntheticConfig(rows=1_500, rows_per_month=500), tmp_path / "long", progress=False)
    newest = "export_2024-12_usd"
    comparison = filecmp.dircmp(short / "queries" / newest, long / "queries" / newest)
    assert comparison.left_list and not comparison.diff_files and not comparison.left_only


def _province_year_totals(dataset: Path) -> dict[tuple[str, int], float]:
    fx = load_fx_monthly()
    totals: dict[tuple[str, int], float] = Counter()
    for query, paths in iter_query_files(dataset):
        year, month = map(int, query["month"].split("-"))
        for path in paths:
            for row in _read_part(path, query["encoding"])[1:]:
                value = int(row[13].replace(",", ""))
                totals[row[7] + "0000", year] += value if query["currency"] == "usd" else value / fx[year, month]
    return totals


def test_province_totals_match_nbs_exactly(tmp_path: Path) -> None:
    config = SyntheticConfig(rows=20_000, start="2023-01", end="2023-12")
    dataset = generate(config, tmp_path / "y2023", progress=False)
    assert load_manifest(dataset)["complete_years"] == [2023]
    nbs = load_nbs_totals_usd()
    totals = _province_year_totals(dataset)
    assert len(totals) == 31
    for key, value in totals.items():
        assert value == nbs[key], key  # whole dollars, exactly


def test_yuan_queries_match_nbs_within_rounding(tmp_path: Path) -> None:
    config = SyntheticConfig(rows=6_000, start="2022-01", end="2022-12", cny_share=0.5)
    dataset = generate(config, tmp_path / "cny", progress=False)
    manifest = load_manifest(dataset)
    assert {q["currency"] for q in manifest["queries"]} == {"usd", "cny"}
    nbs = load_nbs_totals_usd()
    for (region, year), value in _province_year_totals(dataset).items():
        # each yuan row is rounded to a whole yuan: at most 0.5 yuan (< 0.1 dollar) per row
        assert abs(value - nbs[region, year]) <= 0.1 * config.rows, region


def test_bad_configs_are_refused() -> None:
    with pytest.raises(ValueError, match="part_rows"):
        SyntheticConfig(rows=1_000, part_rows=10_001)
    with pytest.raises(ValueError, match="at least 62"):
        SyntheticConfig(rows=10)
    with pytest.raises(ValueError, match="NBS"):
        generate(SyntheticConfig(rows=1_000, end="2030-01"), Path("/nonexistent/never-written"), progress=False)


def test_cli_help_and_failure() -> None:
    script = PROJECT_ROOT / "scripts" / "generate_synthetic.py"
    result = subprocess.run([sys.executable, str(script), "--help"], capture_output=True, text=True, check=False)
    assert result.returncode == 0 and "SYNTHETIC" in result.stdout
    result = subprocess.run([sys.executable, str(script), "--rows", "5"], capture_output=True, text=True, check=False)
    assert result.returncode != 0 and "at least 62" in result.stderr
