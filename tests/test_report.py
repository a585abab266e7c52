"""The offline report (warehouse/report/index.html): self-contained, no network requests, every
section drawn from its report model, the numbers on the page are the model's, and the charts
really drew in headless Chromium."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from bi_helpers import SharedBuild, png_stats, run_chromium
from tradewh import PROJECT_ROOT
from tradewh.report import SECTIONS, TEMPLATES, SectionUnavailableError, render_chart
from tradewh.report_format import amount, num, period, signed

SECTION_IDS = (
    "totals",
    "growth",
    "frontier",
    "regions",
    "blocs",
    "monthly",
    "ranking",
    "momentum",
    "borders",
    "issues",
)


@pytest.fixture(scope="module")
def report_html(built: SharedBuild) -> str:
    return (built.folder / "report" / "index.html").read_text(encoding="utf-8")


def test_filters_write_numbers_as_people_read_them() -> None:
    import datetime as dt

    assert num(1279.4, 0) == "1,279" and num(-18.64, 1) == "\u221218.6" and num(None) == "\u2013"
    assert signed(20.4) == "+20.4" and signed(-1.5) == "\u22121.5"
    assert amount(1.0981e10, "CNY") == "10.98 bn CNY" and amount(1.3808e8, "USD") == "138.08 million USD"
    assert amount(59.3, "pct") == "59.30%" and amount(None, "CNY") == ""
    assert period({"period_start": dt.date(2023, 1, 1), "period_end": dt.date(2023, 7, 31)}) == "Jan\u2013Jul 2023"
    assert period({"period_start": dt.date(2023, 12, 1), "period_end": dt.date(2023, 12, 31)}) == "Dec 2023"


def test_every_section_has_its_template_and_reads_a_report_model() -> None:
    assert tuple(s.anchor for s in SECTIONS) == SECTION_IDS
    for section in SECTIONS:
        assert (TEMPLATES / "sections" / f"{section.anchor}.html.j2").exists(), section.anchor
        assert section.relation.startswith("report.rpt_report_"), section.relation
        model = PROJECT_ROOT / "models" / "marts" / "report" / f"{section.relation.split('.')[1]}.sql"
        assert model.exists(), f"{section.anchor} reads {section.relation}, which no model builds"


def test_a_chart_spec_vega_lite_rejects_is_a_section_not_drawn_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / "broken.vl.json").write_text('{"mark": "bar", "encoding": {"x": {"field": "a", "type": "bogus"}}}')
    (tmp_path / "garbled.vl.json").write_text('{"mark": "bar",')
    with pytest.raises(SectionUnavailableError, match=r"chart broken\.vl\.json: Error: Invalid field type"):
        render_chart("broken", [{"a": 1}], tmp_path)
    with pytest.raises(SectionUnavailableError, match=r"chart garbled\.vl\.json: "):
        render_chart("garbled", [{"a": 1}], tmp_path)
    (tmp_path / "fine.vl.json").write_text('{"mark": "bar", "encoding": {"x": {"field": "a", "type": "quantitative"}}}')
    svg = render_chart("fine", [{"a": 1}], tmp_path)
    assert svg is not None and svg.startswith("<svg") and 'aria-roledescription="bar"' in svg


def test_the_page_quotes_the_report_models_and_names_its_build(built: SharedBuild, report_html: str) -> None:
    con = duckdb.connect(str(built.warehouse), read_only=True)
    try:
        (build_id,) = con.execute("select build_id from meta.build_info").fetchone()
        top_name, top_value, share = con.execute(
            "select region_name_en, value_bn_usd, share_of_national_pct from report.rpt_report_provinces_latest"
            " order by value_bn_usd desc limit 1"
        ).fetchone()
        focus = [n for (n,) in con.execute(
            "select region_name_en from report.rpt_report_provinces_latest where is_focus_region order by 1"
        ).fetchall()]  # fmt: skip
        (issues,) = con.execute("select count(*) from report.rpt_report_figure_issues").fetchone()
    finally:
        con.close()
    assert f'<meta name="build-id" content="{build_id}">' in report_html
    assert f'<span id="build-id">{build_id}</span>' in report_html, "the footer names the build"
    assert f"{top_name} alone traded US${top_value:,.0f} bn" in report_html
    assert f"{share:,.0f}% of the national" in report_html
    assert focus == ["Xinjiang", "Xizang"], "var report_focus_regions picks the highlighted regions"
    assert f"<b>{issues}</b><span>published figures failed a check</span>" in report_html


def test_the_region_table_sections_quote_their_models(built: SharedBuild, report_html: str) -> None:
    con = duckdb.connect(str(built.warehouse), read_only=True)
    try:
        leader, months_first, months_shown = con.execute(
            "select region_name_en, months_ranked_first, months_shown from report.rpt_report_province_ranking"
            " where row_order = 1 limit 1"
        ).fetchone()
        (cells,) = con.execute("select count(*) from report.rpt_report_province_ranking").fetchone()
        fastest, growth, grown, with_growth = con.execute(
            "select region_name_en, yoy_pct_ytd_reported, provinces_grown, provinces_with_growth"
            " from report.rpt_report_province_growth_ytd order by growth_rank_ytd, region_code limit 1"
        ).fetchone()
        # the same, straight from the mart: the latest month's fastest year-to-date growth
        (mart_fastest,) = con.execute(
            "select region_name_en from marts.rpt_province_trade_monthly"
            " order by year desc, month desc, yoy_pct_ytd_reported desc limit 1"
        ).fetchone()
        largest, largest_value, panels = con.execute(
            "select region_name_en, last_value_bn_cny, (select count(distinct region_code)"
            " from report.rpt_report_frontier_monthly) from report.rpt_report_frontier_monthly where is_largest limit 1"
        ).fetchone()
    finally:
        con.close()
    assert months_shown == 12 and cells == 31 * 12, "the heat map: 31 provinces by the latest twelve months"
    assert f"{leader} ranked first in {months_first} of the" in report_html
    assert fastest == mart_fastest
    assert f"{grown} of {with_growth} provinces traded more in Jan" in report_html
    assert f"Fastest: {fastest} ({signed(growth)}%)" in report_html
    assert panels == 9, "one panel per land-border province"
    assert f"{largest} traded the most of the {panels} land-border" in report_html
    assert f"({num(largest_value, 1)} bn yuan)" in report_html


def test_report_is_self_contained(report_html: str) -> None:
    assert "<script" not in report_html, "no JavaScript at all"
    assert "<link" not in report_html and "@import" not in report_html
    assert not re.search(r"url\((?!#)", report_html), "CSS/SVG url() only to fragments inside the page"
    links = re.findall(r"""(?:src|href)\s*=\s*["']([^"'#][^"']*)""", report_html)
    assert links == ["../docs/index.html"], f"references outside the page: {links}"
    assert not re.search(r"\bsrc\s*=", report_html), "nothing is loaded into the page"
    assert "default-src 'none'" in report_html, "a CSP forbids any fetch even if one crept in"
    namespaces = {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}
    assert set(re.findall(r"https?://[^\s\"'<>]+", report_html)) <= namespaces


def test_report_has_every_section_with_a_takeaway_and_the_failed_figures(report_html: str) -> None:
    for section in SECTION_IDS:
        assert f'<section id="{section}">' in report_html, f"section {section} was not drawn"
    assert 'class="unavailable"' not in report_html
    assert report_html.count('class="takeaway"') == len(SECTION_IDS)
    assert report_html.count("<svg") == len(SECTION_IDS), "one chart per section"
    assert "Not drawn" not in report_html and "{{" not in report_html and "{%" not in report_html
    assert "Xinjiang" in report_html and "Xizang" in report_html
    assert "138.08" in report_html, "the Xizang $138.08 million figure is in the failed-figures table"
    assert "billion US dollars" in report_html and "bn yuan" in report_html, "units are written out"


def test_report_in_chromium_draws_its_charts_without_any_network_request(built: SharedBuild, tmp_path: Path) -> None:
    page = (built.folder / "report" / "index.html").as_uri()
    shot = tmp_path / "report.png"
    dom, requests = run_chromium(page, tmp_path, screenshot=shot, dump_dom=True, window=(1200, 7000))
    assert requests == [], f"the report fetched {requests}"
    assert len(re.findall(r"<svg\b", dom)) == len(SECTION_IDS)
    # Vega's SVG marks carry their role: one "bar" per bar, one "point" per point, one "line mark" per line
    bars = len(re.findall(r'aria-roledescription="bar"', dom))
    assert bars >= 31 * 2 + 9 * 4, f"province bars, growth bars, four macro-region shares a year: {bars}"
    assert len(re.findall(r'aria-roledescription="line mark"', dom)) >= 9 + 2, "frontier panels and bloc lines"
    assert len(re.findall(r'aria-roledescription="point"', dom)) >= 9 * 9, "a point per frontier year"
    assert len(re.findall(r'aria-roledescription="rect mark"', dom)) >= 8, "the monthly columns"
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
    assert "not drawn: report.rpt_report_provinces_latest is not in the warehouse" in proc.stderr
    assert (tmp_path / "r" / "index.html").exists(), "the page still says what is missing"
