"""The benchmark: memory measurement, baselines, and a smoke run of the whole bench at 20,000 rows."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tradewh import PROJECT_ROOT
from tradewh.baselines import OUTPUTS, duckdb_floor, pandas_baseline
from tradewh.bench import DOCS_BEGIN, DOCS_END, write_docs
from tradewh.bench_memory import run_measured
from tradewh.synthetic import SyntheticConfig, generate

ALLOCATE = "x = bytearray({mb} * 2**20); import time; time.sleep(0.4)"


def test_peak_rss_counts_the_whole_process_tree() -> None:
    parent = (
        "import subprocess, sys; x = bytearray(150 * 2**20); "
        f"subprocess.run([sys.executable, '-c', {ALLOCATE.format(mb=250)!r}], check=True)"
    )
    measured, _ = run_measured([sys.executable, "-c", parent])
    assert measured.returncode == 0
    # parent 150 MB + child 250 MB at the same time: more than either alone
    assert measured.peak_rss_mb > 400, measured
    assert measured.maxrss_bytes / 2**20 > 250


def test_baselines_agree(tmp_path: Path) -> None:
    config = SyntheticConfig(rows=6_000, rows_per_month=3_000, cny_share=0.5, gbk_share=0.5)
    dataset = generate(config, tmp_path / "data", progress=False)
    duckdb_floor(dataset, tmp_path / "floor")
    pandas_baseline(dataset, tmp_path / "pandas")
    for name in OUTPUTS:
        floor, pandas = (f"read_parquet('{tmp_path / which / name}.parquet')" for which in ("floor", "pandas"))
        keys = (
            "region_code, period_start, flow, "
            + {
                "region_partner_monthly": "partner_iso3",
                "region_chapter_monthly": "hs_chapter",
                "region_trade_mode_monthly": "trade_mode_code",
            }[name]
        )
        diff = duckdb.sql(
            f"""
            select count(*) from {floor} as f full outer join {pandas} as p using ({keys})
            where f.value_usd is null or p.value_usd is null
                or abs(f.value_usd - p.value_usd) > 1e-6 * f.value_usd
                or abs(f.value_cny - p.value_cny) > 1e-6 * f.value_cny
            """
        ).fetchone()[0]
        assert diff == 0, name
    total = duckdb.sql(f"select sum(value_usd) from read_parquet('{tmp_path}/floor/region_partner_monthly.parquet')")
    assert total.fetchone()[0] > 0


def test_write_docs_keeps_the_text_around_the_table(tmp_path: Path) -> None:
    docs = tmp_path / "benchmarks.md"
    docs.write_text(f"# Benchmarks\n\nintro\n\n{DOCS_BEGIN}\nold\n{DOCS_END}\n\noutro\n", encoding="utf-8")
    result = {
        "rows": 1000, "csv_mb": 0.1, "ingest_s": 1.0, "full_build_s": 2.0, "incremental_month_s": 0.5,
        "validate_s": None, "duckdb_floor_s": 0.2, "pandas_s": 0.4, "peak_rss_mb": 100.0,
        "ratios": {"ingest_plus_build_vs_floor": 15.0, "incremental_vs_full_build": 0.25,
                   "ingest_throughput_vs_read_csv": 0.1},
        "command": "scripts/bench.py --rows 1000", "finished_at": "2026-01-01T00:00:00Z",
        "machine": {"loadavg_at_start": [0.5, 0.5, 0.5]},
    }  # fmt: skip
    (tmp_path / "results_1000.json").write_text(json.dumps(result), encoding="utf-8")
    write_docs(tmp_path, docs)
    text = docs.read_text(encoding="utf-8")
    assert "intro" in text and "outro" in text and "old" not in text
    assert "| 1,000 | 0.1 | 1.0 | 2.0 | 0.5 | - |" in text
    assert "`scripts/bench.py --rows 1000`" in text


@pytest.mark.slow
def test_bench_smoke_run(tmp_path: Path) -> None:
    """Generate 20,000 rows, ingest, build, build one month incrementally, baselines: under ~90 s."""
    bench_dir = tmp_path / "bench"
    command = [
        sys.executable, str(PROJECT_ROOT / "scripts" / "bench.py"),
        "--rows", "20000", "--rows-per-month", "5000", "--nice", "0",
        "--data-dir", str(tmp_path / "synthetic"), "--bench-dir", str(bench_dir),
        "--select", "+fct_region_partner_trade_monthly", "--skip-validate", "--incremental-repeats", "2",
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    results = json.loads((bench_dir / "results.json").read_text(encoding="utf-8"))
    assert results["synthetic"] is True
    assert results["rows"] == 20_000 and results["months"] == 4
    assert results["rows_newest_month"] == 5_000
    for key in ("ingest_s", "full_build_s", "incremental_month_s", "duckdb_floor_s", "pandas_s", "peak_rss_mb"):
        assert isinstance(results[key], float) and results[key] > 0, key
    assert results["validate_s"] is None
    assert results["machine"]["cores"] >= 1 and results["versions"]["duckdb"]
    assert results["cross_check"]["ok"], results["cross_check"]
    assert results["incremental_equals_full_build"] is True
    # the incremental build refreshed the new month only, not the history
    refreshed = results["steps"]["incremental_month"]["output"]["refreshed_periods"]
    assert refreshed and set(map(tuple, refreshed.values())) == {("2024-12",)}, refreshed
    assert len(results["steps"]["incremental_month"]["output"]["runs_seconds"]) == 2
    # everything the bench wrote is under its own folders, never the published warehouse
    assert Path(results["bench_dir"]).is_relative_to(bench_dir)
    assert Path(results["dataset"]).is_relative_to(tmp_path / "synthetic")
    assert "SYNTHETIC benchmark" in result.stdout
