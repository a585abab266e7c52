"""An offline HTML report on the published warehouse: ``<warehouse dir>/report/index.html``.

One self-contained page rendered from Jinja2 templates (``templates/report/``): every section reads
one report model (schema ``report``, ``models/marts/report/``) and draws one Vega-Lite chart spec
(``templates/report/charts/<anchor>.vl.json``), which vl-convert renders to static SVG here, offline.
The numbers come from SQL; this module only fetches rows, renders the charts and fills the
templates. Styles are inline and nothing is fetched: no scripts, fonts or images from anywhere.

A section whose model is missing or empty is shown as such and makes ``make report`` exit 1.

Adding a section: a report model, ``charts/<anchor>.vl.json`` (optional), ``sections/<anchor>.html.j2``
(extends ``section.html.j2``), and one ``Section`` line in ``SECTIONS``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import jinja2
import vl_convert
from markupsafe import Markup

from tradewh.cli import output_arguments
from tradewh.export import read_only_connection
from tradewh.report_format import FILTERS

TEMPLATES = Path(__file__).with_name("templates") / "report"
CHART_CONFIG = json.loads((TEMPLATES / "charts" / "_config.json").read_text(encoding="utf-8"))


class SectionUnavailableError(RuntimeError):
    """The model a section needs is not in the warehouse, or is empty."""


@dataclass(frozen=True)
class Section:
    """One card: its anchor names its template and chart spec; it reads ``relation`` in ``order_by``."""

    anchor: str
    relation: str
    order_by: str
    allow_empty: bool = False


SECTIONS: tuple[Section, ...] = (
    Section("totals", "report.rpt_report_provinces_latest", "value_bn_usd desc, region_code"),
    Section("growth", "report.rpt_report_provinces_latest", "yoy_pct desc nulls last, region_code"),
    Section("frontier", "report.rpt_report_frontier", "panel_order, year"),
    Section("regions", "report.rpt_report_macro_region_shares", "year, macro_region"),
    Section("blocs", "report.rpt_report_bloc_shares", "scope_order, period_end"),
    Section("monthly", "report.rpt_report_monthly", "region_code, year, month"),
    Section("ranking", "report.rpt_report_province_ranking", "row_order, month_date"),
    Section("momentum", "report.rpt_report_province_growth_ytd", "growth_rank_ytd, region_code"),
    Section("borders", "report.rpt_report_frontier_monthly", "panel_order, month_date"),
    Section("issues", "report.rpt_report_figure_issues", "severity, figure_id, rule_code", allow_empty=True),
)


@dataclass
class Drawn:
    """A section as the page template sees it: its rows and chart, or why it was not drawn."""

    anchor: str
    rows: list[dict[str, object]] = field(default_factory=list)
    chart: Markup | None = None
    error: str = ""


@dataclass
class Report:
    """The rendered report and what could not be drawn."""

    html: str
    sections: list[str] = field(default_factory=list)
    unavailable: dict[str, str] = field(default_factory=dict)


def report_dir_for(warehouse: Path) -> Path:
    """``warehouse/report/`` beside the published file."""
    return Path(warehouse).resolve().parent / "report"


def read_rows(con: duckdb.DuckDBPyConnection, section: Section) -> list[dict[str, object]]:
    """The section's model, in its order; SectionUnavailableError when missing or empty."""
    try:
        cursor = con.execute(f"select * from {section.relation} order by {section.order_by}")
    except duckdb.CatalogException as exc:
        raise SectionUnavailableError(f"{section.relation} is not in the warehouse") from exc
    names = [d[0] for d in cursor.description]
    rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    if not rows and not section.allow_empty:
        raise SectionUnavailableError(f"{section.relation} is empty")
    return rows


def render_chart(anchor: str, rows: list[dict[str, object]], charts: Path = TEMPLATES / "charts") -> Markup | None:
    """The section's Vega-Lite spec with ``rows`` as its data, as inline SVG (None without a spec).

    A spec that is not JSON or that Vega-Lite rejects raises SectionUnavailableError naming the file.
    """
    spec_path = charts / f"{anchor}.vl.json"
    if not spec_path.exists() or not rows:
        return None
    try:
        spec = json.loads(spec_path.read_text(encoding="utf-8"))
        spec["data"] = {"values": json.loads(json.dumps(rows, default=str))}
        spec["config"] = {**CHART_CONFIG, **spec.get("config", {})}
        svg = vl_convert.vegalite_to_svg(spec)
    except ValueError as exc:  # json.JSONDecodeError is a ValueError, and so is every vl-convert failure
        reason = next((line.strip() for line in str(exc).splitlines() if line.strip().startswith("Error")), str(exc))
        raise SectionUnavailableError(f"chart {spec_path.name}: {reason}") from exc
    description = jinja2.filters.escape(spec.get("description", anchor))
    # the <title> is what screen readers announce for the chart as a whole
    return Markup(svg.replace(">", f"><title>{description}</title>", 1))  # noqa: S704 - Vega escapes its text


def _build_info(con: duckdb.DuckDBPyConnection) -> dict[str, object] | None:
    try:
        cursor = con.execute("select build_id, published_at_utc, git_commit, storage_version from meta.build_info")
    except duckdb.Error:
        return None
    row = cursor.fetchone()
    return dict(zip([d[0] for d in cursor.description], row, strict=True)) if row else None


def environment() -> jinja2.Environment:
    """The report's Jinja2 environment: HTML autoescaping, undefined names are errors."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(FILTERS)
    return env


def render_report(con: duckdb.DuckDBPyConnection, warehouse_name: str) -> Report:
    """The whole page as a string, and which sections could not be drawn."""
    report = Report(html="")
    drawn: list[Drawn] = []
    for section in SECTIONS:
        try:
            rows = read_rows(con, section)
            chart = render_chart(section.anchor, rows)
        except SectionUnavailableError as exc:
            report.unavailable[section.anchor] = str(exc)
            drawn.append(Drawn(section.anchor, error=str(exc)))
            continue
        report.sections.append(section.anchor)
        drawn.append(Drawn(section.anchor, rows, chart))
    report.html = (
        environment()
        .get_template("page.html.j2")
        .render(
            sections=drawn,
            data={d.anchor: d.rows for d in drawn if not d.error},
            build=_build_info(con),
            warehouse_name=warehouse_name,
            generated=dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        )
    )
    return report


def build_report(warehouse: Path, out_dir: Path | None = None) -> tuple[Path, Report]:
    """Render the report for ``warehouse`` (opened read-only) into out_dir/index.html."""
    warehouse = Path(warehouse).resolve()
    out_dir = Path(out_dir) if out_dir is not None else report_dir_for(warehouse)
    con = read_only_connection(warehouse)
    try:
        report = render_report(con, warehouse.name)
    finally:
        con.close()
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / "index.html"
    partial = out_dir / f".index.html.partial-{os.getpid()}"
    partial.write_text(report.html, encoding="utf-8")
    partial.replace(target)
    return target, report


def main(argv: list[str] | None = None) -> int:
    args = output_arguments(
        argv, __doc__, warehouse_help="the DuckDB file to report on (read-only)", default_folder="report"
    )
    try:
        page, report = build_report(args.warehouse, args.out)
    except (FileNotFoundError, duckdb.Error) as exc:
        print(f"[report] {exc}", file=sys.stderr)
        return 1
    print(f"[report] wrote {page} ({len(report.sections)} sections)")
    for name, reason in report.unavailable.items():
        print(f"[report] section {name} not drawn: {reason}", file=sys.stderr)
    return 1 if report.unavailable else 0
