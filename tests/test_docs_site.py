"""The dbt docs site (warehouse/docs/index.html, written by make build / make docs): one
self-contained page listing every mart with its columns, descriptions and lineage, opened in
headless Chromium."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from bi_helpers import SharedBuild, png_stats, require_build, run_chromium, shared_build
from tradewh import PROJECT_ROOT

PROJECT = "china_regional_trade"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> SharedBuild:
    return require_build(shared_build(tmp_path_factory))


@pytest.fixture(scope="module")
def marts(built: SharedBuild) -> dict[str, dict[str, str]]:
    """Every mart in the published warehouse, with its column comments (the dbt descriptions)."""
    with duckdb.connect(str(built.warehouse), read_only=True) as con:
        rows = con.execute(
            "select table_name, column_name, comment from duckdb_columns() where schema_name = 'marts'"
        ).fetchall()
    out: dict[str, dict[str, str]] = {}
    for table, column, comment in rows:
        out.setdefault(table, {})[column] = comment or ""
    return out


def test_docs_page_is_one_self_contained_file_with_every_mart(built: SharedBuild, marts: dict) -> None:
    page = built.folder / "docs" / "index.html"
    html = page.read_text(encoding="utf-8")
    assert len(marts) >= 8
    for mart, columns in marts.items():
        assert f"model.{PROJECT}.{mart}" in html, f"{mart} is not in the docs site"
        for column, comment in columns.items():
            assert comment, f"marts.{mart}.{column} has no description"
            assert json.dumps(comment)[1:-1] in html or json.dumps(comment, ensure_ascii=False)[1:-1] in html, (
                f"the description of {mart}.{column} is not in the docs site"
            )
    with duckdb.connect(str(built.warehouse), read_only=True) as con:
        (build_id,) = con.execute("select build_id from meta.build_info").fetchone()
    assert f'<meta name="tradewh-build-id" content="{build_id}">' in html, "the page says which build it describes"
    assert "<script src=" not in html.replace('<script src="data:', ""), "no external script"
    assert '<link rel="stylesheet" href="http' not in html


def test_docs_site_in_chromium_lists_the_marts_with_columns_and_lineage(
    built: SharedBuild, marts: dict, tmp_path: Path
) -> None:
    page = (built.folder / "docs" / "index.html").as_uri()
    mart = "fct_province_trade_annual"
    shot = tmp_path / "docs-model.png"
    dom, requests = run_chromium(
        f"{page}#!/model/model.{PROJECT}.{mart}", tmp_path, screenshot=shot, dump_dom=True, window=(1400, 1800),
        budget_ms=6000,
    )  # fmt: skip
    assert requests == [], f"the docs site fetched {requests}"
    with duckdb.connect(str(built.warehouse), read_only=True) as con:
        (build_id,) = con.execute("select build_id from meta.build_info").fetchone()
    assert f"build {build_id}, published" in dom, "the build id is on the page a reader sees"
    for name in marts:
        assert name in dom, f"the sidebar does not list {name}"
    for heading in ("Columns", "Description", "Depends On", "Referenced By"):
        assert heading in dom
    for column in marts[mart]:
        assert column in dom
    assert "int_province_trade_annual" in dom or "dim_region" in dom, "lineage: the parents are listed"
    stats = png_stats(shot)
    assert stats.colours > 200 and stats.non_white_share > 0.02, stats  # text on white: little ink, many tones
    shutil_copy_for_humans(shot, built.folder / "docs" / "screenshot-model.png")

    graph = tmp_path / "docs-lineage.png"
    run_chromium(f"{page}#!/model/model.{PROJECT}.{mart}?g_v=1", tmp_path, screenshot=graph, window=(1400, 1000),
                 budget_ms=8000)  # fmt: skip
    lineage = png_stats(graph)
    assert lineage.non_white_share > 0.6, f"the lineage graph did not open: {lineage}"
    assert lineage.colours > 100, f"the lineage graph drew no nodes: {lineage}"
    shutil_copy_for_humans(graph, built.folder / "docs" / "screenshot-lineage.png")


def shutil_copy_for_humans(source: Path, target: Path) -> None:
    """Keep the screenshot beside the page it shows, for a person to look at after the run."""
    target.write_bytes(source.read_bytes())


def test_make_docs_regenerates_the_page_from_a_copy_of_the_published_file(built: SharedBuild, tmp_path: Path) -> None:
    before = built.warehouse.stat()
    proc = subprocess.run(
        [sys.executable, "scripts/build_docs.py", "--warehouse", str(built.warehouse), "--out", str(tmp_path)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (tmp_path / "index.html").stat().st_size > 100_000
    with duckdb.connect(str(built.warehouse), read_only=True) as con:
        (build_id,) = con.execute("select build_id from meta.build_info").fetchone()
    assert f'content="{build_id}"' in (tmp_path / "index.html").read_text(encoding="utf-8")
    after = built.warehouse.stat()
    assert (after.st_ino, after.st_mtime_ns, after.st_size) == (before.st_ino, before.st_mtime_ns, before.st_size)
    assert not built.warehouse.with_name(built.warehouse.name + ".wal").exists(), "dbt never opened the published file"
