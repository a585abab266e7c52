"""The offline report (warehouse/report/index.html): self-contained, no network requests, every
section drawn from the marts, and the charts really drew in headless Chromium."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from bi_helpers import SharedBuild, png_stats, require_build, run_chromium, shared_build
from tradewh import PROJECT_ROOT, svg
from tradewh.report import SECTIONS

SECTION_IDS = ("totals", "growth", "frontier", "regions", "blocs", "monthly", "issues")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> SharedBuild:
    return require_build(shared_build(tmp_path_factory))


@pytest.fixture(scope="module")
def report_html(built: SharedBuild) -> str:
    return (built.folder / "report" / "index.html").read_text(encoding="utf-8")


def test_nice_ticks_cover_the_range_with_round_steps() -> None:
    assert svg.nice_ticks(0, 1279) == [0, 500, 1000, 1500]
    assert svg.nice_ticks(-18.6, 23.0, 6) == [-20, -10, 0, 10, 20, 30]
    assert svg.nice_ticks(0, 2, 3) == [0, 1, 2]
    assert svg.nice_ticks(0.0, 0.0) == [0.0, 0.25, 0.5, 0.75, 1.0]
    ticks = svg.nice_ticks(3.7, 96.2)
    assert ticks[0] <= 3.7 and ticks[-1] >= 96.2
    assert svg.tick(1000.0) == "1,000" and svg.tick(2.5) == "2.5" and svg.fmt(-18.6, 1) == "\u221218.6"


def test_report_is_self_contained(report_html: str) -> None:
    assert "<script" not in report_html, "no JavaScript at all"
    assert "<link" not in report_html and "@import" not in report_html
    assert not re.search(r"url\((?!#)", report_html), "CSS/SVG url() only to fragments inside the page"
    links = re.findall(r"""(?:src|href)\s*=\s*["']([^"'#][^"']*)""", report_html)
    assert links == ["../docs/index.html"], f"references outside the page: {links}"
    assert not re.search(r"\bsrc\s*=", report_html), "nothing is loaded into the page"
    assert "default-src 'none'" in report_html, "a CSP forbids any fetch even if one crept in"
    assert set(re.findall(r"https?://[^\s\"'<>]+", report_html)) <= {"http://www.w3.org/2000/svg"}


def test_report_has_every_section_with_a_takeaway_and_the_failed_figures(report_html: str) -> None:
    assert len(SECTIONS) == len(SECTION_IDS)
    for section in SECTION_IDS:
        assert f"<section id='{section}'>" in report_html, f"section {section} was not drawn"
    assert "class='unavailable'" not in report_html
    assert report_html.count("class='takeaway'") == len(SECTION_IDS)
    assert report_html.count("<svg") >= 6 + 9, "six charts plus the nine frontier panels"
    assert "Xinjiang" in report_html and "Xizang" in report_html
    assert "138.08" in report_html, "the Xizang $138.08 million figure is in the failed-figures table"
    assert "billion US dollars" in report_html and "bn yuan" in report_html, "units are written out"


def test_report_in_chromium_draws_its_charts_without_any_network_request(built: SharedBuild, tmp_path: Path) -> None:
    page = (built.folder / "report" / "index.html").as_uri()
    shot = tmp_path / "report.png"
    dom, requests = run_chromium(page, tmp_path, screenshot=shot, dump_dom=True, window=(1200, 7000))
    assert requests == [], f"the report fetched {requests}"
    assert len(re.findall(r"<svg\b", dom)) >= 15
    assert len(re.findall(r"class=\"bar\"", dom)) >= 31 * 2 + 9, "province bars, growth bars, shares"
    assert len(re.findall(r"class=\"line\"", dom)) >= 9 + 2, "frontier panels and bloc lines"
    assert len(re.findall(r"class=\"point\"", dom)) >= 9 * 9
    stats = png_stats(shot)
    assert stats.colours > 500, f"a chart-filled page has many colours: {stats}"
    assert stats.non_white_share > 0.10, f"the page is mostly blank: {stats}"
    # every 700-pixel band of the page, down to where the content ends, has drawing in it
    from PIL import Image, ImageChops

    with Image.open(shot) as image:
        rgb = image.convert("RGB")
        background = Image.new("RGB", rgb.size, rgb.getpixel((rgb.width - 1, rgb.height - 1)))
        box = ImageChops.difference(rgb, background).getbbox()
        assert box is not None, "the page is empty"
        bands = [rgb.crop((0, y, rgb.width, min(y + 700, box[3]))) for y in range(0, box[3] - 200, 700)]
        blank = [i for i, band in enumerate(bands) if len(set(band.get_flattened_data())) < 40]
    assert len(bands) >= 7, f"the report is too short to hold its sections: {box}"
    assert blank == [], f"blank 700-pixel bands at {blank}"
    (built.folder / "report" / "screenshot.png").write_bytes(shot.read_bytes())


def test_the_network_check_does_catch_a_page_that_fetches(tmp_path: Path) -> None:
    probe = tmp_path / "probe.html"
    probe.write_text("<html><body><img src='http://127.0.0.1:9/pixel.png'><p>probe</p></body></html>")
    _, requests = run_chromium(probe.as_uri(), tmp_path, dump_dom=True, window=(400, 300), budget_ms=1000)
    assert requests == ["http://127.0.0.1:9/pixel.png"]


def test_make_report_exits_1_and_says_why_when_a_mart_is_missing(tmp_path: Path) -> None:
    import duckdb

    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    proc = subprocess.run(
        [sys.executable, "scripts/build_report.py", "--warehouse", str(empty), "--out", str(tmp_path / "r")],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1
    assert "not drawn: marts.fct_province_trade_annual is not in the warehouse" in proc.stderr
    assert (tmp_path / "r" / "index.html").exists(), "the page still says what is missing"
