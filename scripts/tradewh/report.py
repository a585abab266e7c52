"""An offline HTML report on the published warehouse: ``<warehouse dir>/report/index.html``.

One self-contained page: the charts are inline SVG drawn here in Python (tradewh.svg), the styles
are inline, and nothing is fetched: no scripts, fonts or images from anywhere. It opens the
warehouse read-only and reads only the marts (and ``meta.build_info`` for the footer).

Sections: the national picture (province totals and growth), the frontier regions (land-border
provinces, Xinjiang and Xizang first), where trade happens (macro-region shares), partner-bloc
shares over time, monthly trends, and the published figures that failed their checks.
A section whose mart is missing or empty is shown as such and makes ``make report`` exit 1.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

import duckdb

from tradewh import svg
from tradewh.export import read_only_connection

XINJIANG, XIZANG = "650000", "540000"
MACRO_COLORS = {"East": "#1f77b4", "Central": "#2a9d8f", "West": "#e07b00", "Northeast": "#6a4c93"}
TIMES, NDASH = "\u00d7", "\u2013"  # the multiplication sign and the en dash, as typeset
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
SCOPE_NAMES = {
    "belt_and_road_along": "Along the Belt and Road (to 2023-08)",
    "belt_and_road": "All Belt and Road partners",
    "central_asia_5": "Five Central Asian countries",
    "rcep": "RCEP",
    "asean": "ASEAN",
    "KAZ": "Kazakhstan",
    "KGZ": "Kyrgyzstan",
    "UZB": "Uzbekistan",
    "TJK": "Tajikistan",
    "TKM": "Turkmenistan",
    "NPL": "Nepal",
}


class SectionUnavailableError(RuntimeError):
    """The data a section needs is not in the warehouse."""


@dataclass
class Section:
    """One card of the report."""

    anchor: str
    title: str
    takeaway: str
    body: str
    note: str = ""


@dataclass
class Report:
    """The rendered report and what could not be drawn."""

    html: str
    sections: list[str] = field(default_factory=list)
    unavailable: dict[str, str] = field(default_factory=dict)


def report_dir_for(warehouse: Path) -> Path:
    """``warehouse/report/`` beside the published file."""
    return Path(warehouse).resolve().parent / "report"


# --------------------------------------------------------------------------------------- data


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    rows = con.execute(
        "select column_name from duckdb_columns() where schema_name = 'marts' and table_name = ?"
        " and database_name = current_database()",
        [table],
    ).fetchall()
    if not rows:
        raise SectionUnavailableError(f"marts.{table} is not in the warehouse")
    return {name for (name,) in rows}


def _need(con: duckdb.DuckDBPyConnection, table: str, *columns: str) -> set[str]:
    have = _columns(con, table)
    missing = [c for c in columns if c not in have]
    if missing:
        raise SectionUnavailableError(f"marts.{table} lacks column(s) {', '.join(missing)}")
    return have


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None) -> list[dict[str, object]]:
    cursor = con.execute(sql, params or [])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _bn(value: object) -> float:
    return float(value) / 1e9


def _provinces(con: duckdb.DuckDBPyConnection) -> list[dict[str, object]]:
    _need(
        con,
        "fct_province_trade_annual",
        "region_code",
        "region_name_en",
        "macro_region",
        "year",
        "value_usd",
        "yoy_pct",
    )
    rows = _rows(
        con,
        "select region_code, region_name_en, macro_region, year, value_usd, yoy_pct"
        " from marts.fct_province_trade_annual where value_usd is not null order by year, region_code",
    )
    if not rows:
        raise SectionUnavailableError("marts.fct_province_trade_annual is empty")
    return rows


def _land_border_codes(con: duckdb.DuckDBPyConnection) -> set[str]:
    _need(con, "dim_region", "region_code", "has_land_border")
    return {
        code for (code,) in con.execute("select region_code from marts.dim_region where has_land_border").fetchall()
    }


# ------------------------------------------------------------------------------------ sections


def section_province_totals(con: duckdb.DuckDBPyConnection) -> Section:
    rows = _provinces(con)
    year = max(int(r["year"]) for r in rows)
    latest = sorted((r for r in rows if r["year"] == year), key=lambda r: -float(r["value_usd"]))
    total = sum(float(r["value_usd"]) for r in latest)
    top5 = sum(float(r["value_usd"]) for r in latest[:5]) / total * 100
    bars = [
        svg.Bar(
            label=str(r["region_name_en"]),
            value=_bn(r["value_usd"]),
            color=MACRO_COLORS.get(str(r["macro_region"]), svg.QUIET),
            tooltip=f"{r['region_name_en']} ({r['macro_region']}), {year}: US${_bn(r['value_usd']):,.1f} bn, "
            f"{float(r['value_usd']) / total * 100:.1f}% of the national total",
            bold=r["region_code"] in (XINJIANG, XIZANG),
        )
        for r in latest
    ]
    legend = "".join(
        f"<span class='key'><i style='background:{color}'></i>{escape(name)}</span>"
        for name, color in MACRO_COLORS.items()
    )
    first = latest[0]
    takeaway = (
        f"{first['region_name_en']} alone traded US${_bn(first['value_usd']):,.0f} bn in {year}, "
        f"{float(first['value_usd']) / total * 100:.0f}% of the national US${total / 1e12:,.2f} trillion; "
        f"the top five provinces account for {top5:.0f}%."
    )
    chart = svg.hbar_chart(
        bars,
        title=f"Foreign trade by province, {year}",
        axis_label=f"Imports + exports, {year}, billion US dollars",
        value_format=lambda v: svg.fmt(v, 0 if abs(v) >= 10 or float(v).is_integer() else 1),
    )
    return Section(
        "totals",
        f"Province totals, {year}",
        takeaway,
        f"<div class='legend'>{legend}</div>{chart}",
        "Source: National Bureau of Statistics, trade by location of importer/exporter (thousand US dollars), "
        "in marts.fct_province_trade_annual. Bold: Xinjiang and Xizang.",
    )


def section_province_growth(con: duckdb.DuckDBPyConnection) -> Section:
    rows = [r for r in _provinces(con) if r["yoy_pct"] is not None]
    if not rows:
        raise SectionUnavailableError("marts.fct_province_trade_annual has no growth rates")
    year = max(int(r["year"]) for r in rows)
    latest = sorted((r for r in rows if r["year"] == year), key=lambda r: -float(r["yoy_pct"]))
    grew = sum(1 for r in latest if float(r["yoy_pct"]) > 0)
    bars = [
        svg.Bar(
            label=str(r["region_name_en"]),
            value=float(r["yoy_pct"]),
            color=svg.POSITIVE if float(r["yoy_pct"]) >= 0 else svg.NEGATIVE,
            tooltip=f"{r['region_name_en']}: {float(r['yoy_pct']):+.1f}% in {year} against {year - 1}",
            bold=r["region_code"] in (XINJIANG, XIZANG),
        )
        for r in latest
    ]
    best, worst = latest[0], latest[-1]
    takeaway = (
        f"{grew} of {len(latest)} provinces traded more in {year} than in {year - 1}. "
        f"Fastest: {best['region_name_en']} ({float(best['yoy_pct']):+.1f}%); "
        f"steepest fall: {worst['region_name_en']} ({float(worst['yoy_pct']):+.1f}%)."
    )
    chart = svg.hbar_chart(
        bars,
        title=f"Growth of foreign trade by province, {year}",
        axis_label=f"Change against {year - 1}, % (US dollar values)",
        value_format=lambda v: f"{svg.fmt(v, 0 if abs(v) >= 10 or float(v).is_integer() else 1)}%",
    )
    return Section(
        "growth",
        f"Province growth, {year} against {year - 1}",
        takeaway,
        chart,
        "Growth computed from the NBS annual values in US dollars (yoy_pct in marts.fct_province_trade_annual).",
    )


def section_frontier(con: duckdb.DuckDBPyConnection) -> Section:
    rows = _provinces(con)
    border = _land_border_codes(con)
    by_region: dict[str, list[dict[str, object]]] = {}
    for r in rows:
        if r["region_code"] in border:
            by_region.setdefault(str(r["region_code"]), []).append(r)
    if not by_region:
        raise SectionUnavailableError("no land-border province in marts.fct_province_trade_annual")

    def growth_multiple(series: list[dict[str, object]]) -> float:
        first, last = float(series[0]["value_usd"]), float(series[-1]["value_usd"])
        return last / first if first else float("nan")

    order = sorted(
        by_region, key=lambda c: (c not in (XINJIANG, XIZANG), c != XINJIANG, -growth_multiple(by_region[c]))
    )
    panels = []
    for code in order:
        series = sorted(by_region[code], key=lambda r: int(r["year"]))
        name = str(series[0]["region_name_en"])
        first_year, last_year = int(series[0]["year"]), int(series[-1]["year"])
        last = series[-1]
        color = svg.HIGHLIGHT if code in (XINJIANG, XIZANG) else svg.PALETTE[0]
        yoy = f"{float(last['yoy_pct']):+.1f}% on {last_year - 1}" if last["yoy_pct"] is not None else ""
        panels.append(
            svg.sparkline_panel(
                name,
                [(str(r["year"]), _bn(r["value_usd"])) for r in series],
                headline=f"US${_bn(last['value_usd']):,.{1 if _bn(last['value_usd']) < 10 else 0}f} bn in {last_year}",
                subline=f"{TIMES}{growth_multiple(series):.1f} since {first_year}; {yoy}",
                color=color,
                unit="billion US dollars",
            )
        )
    xj = sorted(by_region.get(XINJIANG, []), key=lambda r: int(r["year"]))
    xz = sorted(by_region.get(XIZANG, []), key=lambda r: int(r["year"]))
    fastest = max(order, key=lambda c: growth_multiple(sorted(by_region[c], key=lambda r: int(r["year"]))))
    fastest_name = by_region[fastest][0]["region_name_en"]
    parts = []
    if xj:
        parts.append(
            f"Xinjiang traded {TIMES}{growth_multiple(xj):.1f} as much in {xj[-1]['year']} as in {xj[0]['year']}"
            + (f" ({float(xj[-1]['yoy_pct']):+.1f}% in the last year)" if xj[-1]["yoy_pct"] is not None else "")
        )
    if xz:
        latest = {c: sorted(v, key=lambda r: int(r["year"]))[-1]["value_usd"] for c, v in by_region.items()}
        smallest = min(latest, key=lambda c: float(latest[c])) == XIZANG
        parts.append(
            f"Xizang {'trades the least of them, ' if smallest else 'traded '}US${_bn(xz[-1]['value_usd']):,.2f} bn "
            f"in {xz[-1]['year']}"
        )
    parts.append(f"fastest growth since {rows[0]['year']}: {fastest_name}")
    takeaway = "; ".join(parts) + "."
    body = "<div class='multiples'>" + "".join(panels) + "</div>"
    return Section(
        "frontier",
        f"The frontier: {len(order)} provinces with a land border",
        takeaway[0].upper() + takeaway[1:],
        body,
        "Each panel has its own scale (billion US dollars): compare shapes, not heights. Land-border provinces "
        "from marts.dim_region.has_land_border; values from marts.fct_province_trade_annual.",
    )


def section_macro_shares(con: duckdb.DuckDBPyConnection) -> Section:
    _need(con, "rpt_macro_region_trade_annual", "macro_region", "year", "share_of_national_pct")
    rows = _rows(
        con,
        "select macro_region, year, share_of_national_pct from marts.rpt_macro_region_trade_annual"
        " where share_of_national_pct is not null order by year, macro_region",
    )
    if not rows:
        raise SectionUnavailableError("marts.rpt_macro_region_trade_annual is empty")
    years = sorted({int(r["year"]) for r in rows})
    share = {(str(r["macro_region"]), int(r["year"])): float(r["share_of_national_pct"]) for r in rows}
    bars = [(str(y), [(m, share.get((m, y), 0.0)) for m in MACRO_COLORS]) for y in years]
    chart = svg.stacked_share_chart(bars, MACRO_COLORS, title="Shares of national trade by macro-region")
    first, last = years[0], years[-1]
    border = [r for r in rows if str(r["macro_region"]) not in MACRO_COLORS]
    west_change = share.get(("West", last), 0) - share.get(("West", first), 0)
    takeaway = (
        f"The East still carries {share.get(('East', last), 0):.0f}% of China's trade in {last}; "
        f"the West's share moved {west_change:+.1f} points since {first}, "
        f"to {share.get(('West', last), 0):.1f}%."
    )
    if border:
        border_name = str(border[0]["macro_region"])
        b_first = share.get((border_name, first))
        b_last = share.get((border_name, last))
        if b_first is not None and b_last is not None:
            takeaway += f" Land-border provinces together: {b_first:.1f}% in {first}, {b_last:.1f}% in {last}."
    return Section(
        "regions",
        "Where China's trade happens: the four macro-regions",
        takeaway,
        chart,
        "Share of the 31 provinces' total, % (marts.rpt_macro_region_trade_annual; NBS East/Central/West/Northeast).",
    )


def section_bloc_shares(con: duckdb.DuckDBPyConnection) -> Section:
    have = _need(con, "fct_region_trade_ytd", "region_code", "year", "month_end", "flow", "partner_scope", "product")
    value = (
        "coalesce(p.value_cny / nullif(w.value_cny, 0), p.value_usd / nullif(w.value_usd, 0))"
        if {"value_cny", "value_usd"} <= have
        else "p.value_cny / nullif(w.value_cny, 0)"
    )
    rows = _rows(
        con,
        f"""
        select p.region_code, p.year, p.month_end, p.partner_scope, 100 * {value} as share_pct
        from marts.fct_region_trade_ytd as p
        join marts.fct_region_trade_ytd as w
            on w.region_code = p.region_code and w.year = p.year and w.month_end = p.month_end
            and w.flow = p.flow and w.product = p.product and w.partner_scope = 'world'
        where p.partner_scope <> 'world' and p.flow = 'total' and p.product = 'all'
        order by p.region_code, p.year, p.month_end
        """,
    )
    rows = [r for r in rows if r["share_pct"] is not None]
    if not rows:
        raise SectionUnavailableError("marts.fct_region_trade_ytd has no partner scope with a world total to compare")
    region = XINJIANG if any(r["region_code"] == XINJIANG for r in rows) else str(rows[0]["region_code"])
    rows = [r for r in rows if r["region_code"] == region]
    periods = sorted({(int(r["year"]), int(r["month_end"])) for r in rows})
    # One slot per calendar month, so the distance between points is the time between releases.
    first_slot = periods[0][0] * 12 + periods[0][1] - 1
    last_slot = periods[-1][0] * 12 + periods[-1][1] - 1
    categories = [f"{MONTHS[s % 12]} {s // 12}" for s in range(first_slot, last_slot + 1)]
    index = {(y, m): y * 12 + m - 1 - first_slot for y, m in periods}
    scopes: dict[str, list[dict[str, object]]] = {}
    for r in rows:
        scopes.setdefault(str(r["partner_scope"]), []).append(r)
    # Blocs first (they are the story), then single countries; at most eight lines stay readable.
    ranked = sorted(scopes, key=lambda s: (s.isupper(), -len(scopes[s])))[:8]
    series = []
    for i, scope in enumerate(ranked):
        pts = sorted((index[(int(r["year"]), int(r["month_end"]))], float(r["share_pct"])) for r in scopes[scope])
        series.append(
            svg.Series(
                name=SCOPE_NAMES.get(scope, scope),
                points=pts,
                color=svg.PALETTE[i % len(svg.PALETTE)],
                emphasis=not scope.isupper(),
                dashed=scope.isupper(),
                tooltips=[
                    f"{SCOPE_NAMES.get(scope, scope)}, year to {categories[x]}: {v:.1f}% of all trade" for x, v in pts
                ],
            )
        )
    chart = svg.line_chart(
        series,
        categories,
        title="Partner-bloc shares of Xinjiang's trade over time",
        axis_label="Share of total trade, %",
        value_format=lambda v: f"{svg.fmt(v, 0)}%",
        width=900,
        height=340,
        end_labels=False,
    )
    legend = "".join(f"<span class='key'><i style='background:{s.color}'></i>{escape(s.name)}</span>" for s in series)
    chart = (
        f"<div class='legend'>{legend}</div>{chart}<p class='note'>Horizontal axis: the last month of the "
        "year-to-date period (Jan to that month).</p>"
    )
    takeaway = _bloc_takeaway(scopes)
    return Section(
        "blocs",
        "Partner-bloc shares over time (Xinjiang)",
        takeaway,
        chart,
        "Each point: a partner scope's year-to-date trade divided by all partners' for the same period, as "
        "published (marts.fct_region_trade_ytd). Customs narrowed 'along the Belt and Road' to all partner "
        "countries in 2023; the two are separate lines, never joined. Dashed: single countries.",
    )


def _bloc_takeaway(scopes: dict[str, list[dict[str, object]]]) -> str:
    """One or two sentences on how the blocs' shares moved, from the first to the last release."""
    sentences = []
    for scope in ("central_asia_5", "belt_and_road_along", "belt_and_road", "rcep", "asean"):
        points = sorted(scopes.get(scope, []), key=lambda r: (int(r["year"]), int(r["month_end"])))
        if not points:
            continue
        name = SCOPE_NAMES.get(scope, scope)
        first, last = points[0], points[-1]
        when_first = _ytd_label(int(first["year"]), int(first["month_end"]))
        when_last = _ytd_label(int(last["year"]), int(last["month_end"]))
        if len(points) == 1:
            sentences.append(f"{name}: {float(last['share_pct']):.0f}% of the region's trade in {when_last}.")
        else:
            sentences.append(
                f"{name}: {float(first['share_pct']):.0f}% of the region's trade in {when_first}, "
                f"{float(last['share_pct']):.0f}% in {when_last}."
            )
        if len(sentences) == 2:
            break
    return " ".join(sentences) or "Partner scopes as a share of the region's total, release by release."


def _ytd_label(year: int, month_end: int) -> str:
    return f"Jan{NDASH}{MONTHS[month_end - 1]} {year}" if month_end > 1 else f"Jan {year}"


def section_monthly(con: duckdb.DuckDBPyConnection) -> Section:
    have = _need(
        con, "fct_region_trade_monthly", "region_code", "year", "month", "flow", "partner_scope", "product", "value_cny"
    )
    combined = "is_jan_feb_combined" if "is_jan_feb_combined" in have else "false"
    start = "month_start" if "month_start" in have else "month"
    published = next((c for c in ("is_published", "is_published_value") if c in have), None)
    where = f" and {published}" if published else ""
    rows = _rows(
        con,
        f"""
        select region_code, year, {start} as month_start, month, flow, value_cny, {combined} as is_jan_feb_combined
        from marts.fct_region_trade_monthly
        where partner_scope = 'world' and product = 'all' and flow = 'total' and value_cny is not null{where}
        order by region_code, year, month
        """,
    )
    if not rows:
        raise SectionUnavailableError("marts.fct_region_trade_monthly has no monthly totals")
    charts, facts = [], []
    names = dict(con.execute("select region_code, region_name_en from marts.dim_region").fetchall())
    for code in sorted({str(r["region_code"]) for r in rows}, key=lambda c: (c != XINJIANG, c)):
        mine = [r for r in rows if r["region_code"] == code]
        years = sorted({int(r["year"]) for r in mine})
        slots = [f"{MONTHS[m - 1]}" for _ in years for m in range(1, 13)]
        columns = []
        for r in mine:
            first, last = int(r["month_start"]), int(r["month"])
            span = last - first + 1
            slot = years.index(int(r["year"])) * 12 + first - 1
            when = MONTHS[last - 1] if span == 1 else f"{MONTHS[first - 1]}{NDASH}{MONTHS[last - 1]}"
            label = f"{names.get(code, code)}, {when} {r['year']}: {_bn(r['value_cny']):,.2f} bn yuan"
            per_month = _bn(r["value_cny"]) / span
            if span > 1:
                label += f" over {span} months together: {per_month:,.2f} bn yuan a month on average"
            columns.append(
                svg.Column(
                    slot=slot,
                    span=span,
                    value=per_month,
                    label=label,
                    hatched=span > 1,
                    text=f"{per_month:,.0f}/mo" if span > 1 else None,
                    color=svg.PALETTE[0] if code == XINJIANG else svg.PALETTE[1],
                )
            )
        groups = [(i * 12, i * 12 + 11, str(y)) for i, y in enumerate(years)]
        name = names.get(code, code)
        charts.append(
            f"<h3>{escape(str(name))}</h3>"
            + svg.column_chart(
                columns,
                slots,
                title=f"{name}: trade by month",
                axis_label="Billion yuan a month, imports + exports",
                group_labels=groups,
                width=900,
                value_format=lambda v: svg.fmt(v, 0 if abs(v) >= 10 or float(v).is_integer() else 1),
            )
        )
        by_year = {
            y: (
                sum(_bn(r["value_cny"]) for r in mine if int(r["year"]) == y),
                sum(int(r["month"]) - int(r["month_start"]) + 1 for r in mine if int(r["year"]) == y),
            )
            for y in years
        }
        if len(years) >= 2 and by_year[years[0]][1] and by_year[years[-1]][1]:
            first_avg = by_year[years[0]][0] / by_year[years[0]][1]
            last_avg = by_year[years[-1]][0] / by_year[years[-1]][1]
            facts.append(
                f"{name} traded {last_avg:,.1f} bn yuan a month in {years[-1]} (average over the months covered), "
                f"against {first_avg:,.1f} bn in {years[0]} ({(last_avg / first_avg - 1) * 100:+.0f}%)"
            )
        singles = [r for r in mine if r["month_start"] == r["month"]]
        if singles:
            peak = max(singles, key=lambda r: float(r["value_cny"]))
            facts.append(
                f"its busiest single month: {MONTHS[int(peak['month']) - 1]} {peak['year']} "
                f"({_bn(peak['value_cny']):,.1f} bn yuan)"
            )
    takeaway = "; ".join(facts) + "." if facts else "Monthly values derived from year-to-date releases."
    return Section(
        "monthly",
        "Monthly trends",
        takeaway,
        "".join(charts),
        "Monthly values are derived from year-to-date releases (each month = this release minus the previous "
        "one) or printed as single months. Hatched columns span the months one value covers (January and February "
        "are published together; a gap between releases leaves several months in one value) and are drawn at "
        "that value's monthly average. Empty months: no "
        "release to derive them from. Only the values the warehouse publishes (is_published) are drawn. "
        "Source: marts.fct_region_trade_monthly.",
    )


def section_issues(con: duckdb.DuckDBPyConnection) -> Section:
    have = _columns(con, "rpt_figure_issues")
    preferred = [
        "figure_id", "rule_code", "rule", "severity", "region_code", "period_start", "period_end", "flow",
        "partner_scope", "product", "value_as_printed", "unit_as_printed", "observed_value", "expected_value",
        "deviation_pct", "comparison_currency", "is_excluded_from_facts", "explanation",
    ]  # fmt: skip
    cols = [c for c in preferred if c in have] or sorted(have)
    cursor = con.execute(f"select {', '.join(_quote(c) for c in cols)} from marts.rpt_figure_issues order by all")
    rows = [dict(zip(cols, row, strict=True)) for row in cursor.fetchall()]
    rule_col = next((c for c in ("rule_code", "rule", "rule_name") if c in have), None)
    head = "".join(f"<th>{h}</th>" for h in ("Figure", "Rule broken", "As printed", "Compared", "Explanation"))
    names = dict(con.execute("select region_code, region_name_en from marts.dim_region").fetchall())
    for row in rows:
        row["region_name"] = names.get(row.get("region_code"))
    body = "".join(_issue_row(row, rule_col) for row in rows)
    counts: dict[str, int] = {}
    if rule_col is not None:
        for row in rows:
            counts[str(row[rule_col])] = counts.get(str(row[rule_col]), 0) + 1
    chart = ""
    if counts:
        bars = [svg.Bar(label=k, value=v, color=svg.NEGATIVE) for k, v in sorted(counts.items(), key=lambda kv: -kv[1])]
        chart = svg.hbar_chart(
            bars,
            integer=True,
            title="Failed checks by rule",
            axis_label="Published figures failing the rule",
            label_width=260,
            value_format=lambda v: svg.fmt(v, 0),
            width=760,
        )
    if rows:
        common = max(counts, key=counts.get) if counts else ""
        takeaway = f"{len(rows)} published figure{'s' if len(rows) != 1 else ''} failed a consistency check" + (
            f"; the most common rule broken: {common} ({counts[common]})." if common else "."
        )
    else:
        takeaway = "No published figure failed its checks."
    table = (
        f"<div class='table-wrap'><table id='issues-table'><thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table></div>"
    )
    return Section(
        "issues",
        "Published figures that failed their checks",
        takeaway,
        chart + table,
        "Every row is a figure as printed in a customs or press release that broke a rule (listed in "
        "marts.rpt_figure_issues, which has more columns: sources, compared figures). A figure failing a hard "
        "rule is kept out of the facts above (is excluded from facts).",
    )


def _issue_row(row: dict[str, object], rule_col: str | None) -> str:
    """One failed figure as a table row: what, which rule, as printed, the numbers compared, why."""

    def get(name: str) -> str:
        return _cell(row.get(name))

    where = " · ".join(
        part
        for part in (
            get("region_name") or get("region_code"),
            _period(row.get("period_start"), row.get("period_end")),
            get("flow"),
            get("partner_scope"),
            get("product") if row.get("product") not in (None, "all") else "",
        )
        if part
    )
    severity = get("severity")
    badge = f"<span class='badge {escape(severity)}'>{escape(severity)}</span>" if severity else ""
    excluded = row.get("is_excluded_from_facts")
    kept_out = "<br><small>kept out of the facts</small>" if excluded else ""
    compared = ""
    if row.get("observed_value") is not None or row.get("expected_value") is not None:
        unit = str(row.get("comparison_currency") or "")
        observed = escape(_amount(row.get("observed_value"), unit))
        expected = escape(_amount(row.get("expected_value"), unit))
        compared = f"observed {observed}<br>expected {expected}"
        if row.get("deviation_pct") is not None:
            compared += f"<br><small>off by {get('deviation_pct')}%</small>"
    printed = " ".join(x for x in (get("value_as_printed"),) if x)
    return (
        f"<tr><td><b>{escape(get('figure_id'))}</b><br><small>{escape(where)}</small></td>"
        f"<td>{escape(get(rule_col) if rule_col else '')} {badge}{kept_out}</td>"
        f"<td>{escape(printed)}</td><td class='num'>{compared}</td>"
        f"<td class='why'>{escape(get('explanation'))}</td></tr>"
    )


def _amount(value: object, unit: str) -> str:
    """A compared value as people read it: '10.98 bn CNY', '59.30%'."""
    if value is None:
        return ""
    number = float(value)
    if unit in ("pct", "%"):
        return f"{svg.fmt(number, 2)}%".replace(svg.MINUS, "-")
    if abs(number) >= 1e9:
        return f"{svg.fmt(number / 1e9, 2)} bn {unit}".replace(svg.MINUS, "-").strip()
    if abs(number) >= 1e6:
        return f"{svg.fmt(number / 1e6, 2)} million {unit}".replace(svg.MINUS, "-").strip()
    return f"{_cell(number)} {unit}".strip()


def _period(start: object, end: object) -> str:
    """'Jan-Jul 2023' for a period inside one year, else the two dates."""
    if not isinstance(start, dt.date) or not isinstance(end, dt.date):
        return " to ".join(str(x) for x in (start, end) if x is not None)
    if start.year == end.year and start.day == 1:
        if start.month == end.month:
            return f"{MONTHS[end.month - 1]} {end.year}"
        return f"{MONTHS[start.month - 1]}{NDASH}{MONTHS[end.month - 1]} {end.year}"
    return f"{start:%Y-%m-%d} to {end:%Y-%m-%d}"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return svg.fmt(value, 2 if abs(value) < 1000 else 0).replace(svg.MINUS, "-")
    return str(value)


SECTIONS: tuple[Callable[[duckdb.DuckDBPyConnection], Section], ...] = (
    section_province_totals,
    section_province_growth,
    section_frontier,
    section_macro_shares,
    section_bloc_shares,
    section_monthly,
    section_issues,
)

# ------------------------------------------------------------------------------------- page

CSS = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #f5f7fa; color: #1f2933;
       font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; }
header { background: #102a43; color: #f0f4f8; padding: 28px 40px 22px; }
header h1 { margin: 0 0 6px; font-size: 28px; }
header p { margin: 0; color: #bcccdc; }
nav { margin-top: 14px; display: flex; flex-wrap: wrap; gap: 8px 18px; }
nav a { color: #9fb3c8; text-decoration: none; font-size: 14px; }
main { max-width: 1000px; margin: 0 auto; padding: 20px 24px 40px; }
.kpis { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 14px; margin: 4px 0 20px; }
.kpi { background: #fff; border-radius: 10px; padding: 14px 16px; box-shadow: 0 1px 3px rgba(16,42,67,.12); }
.kpi b { display: block; font-size: 22px; color: #102a43; white-space: nowrap; }
.kpi span { color: #616e7c; font-size: 13px; }
section { background: #fff; border-radius: 12px; padding: 22px 26px; margin: 0 0 22px;
          box-shadow: 0 1px 3px rgba(16,42,67,.12); }
section h2 { margin: 0 0 6px; font-size: 21px; }
section h3 { margin: 14px 0 2px; font-size: 16px; }
.takeaway { margin: 0 0 14px; font-size: 16px; color: #243b53; border-left: 4px solid #1b7f79;
            padding: 2px 0 2px 12px; }
.note { color: #616e7c; font-size: 13px; margin: 10px 0 0; }
svg.chart { max-width: 100%; height: auto; display: block; }
.multiples { display: grid; grid-template-columns: repeat(auto-fill, minmax(240px, 1fr)); gap: 8px 14px; }
.legend { margin: 0 0 6px; font-size: 13px; }
.key { margin-right: 16px; white-space: nowrap; }
.key i { display: inline-block; width: 12px; height: 12px; margin-right: 5px; vertical-align: -1px; }
.unavailable { border: 2px dashed #c2410c; }
.table-wrap { overflow-x: auto; margin-top: 12px; }
table { border-collapse: collapse; font-size: 12.5px; width: 100%; }
th { text-align: left; background: #f0f4f8; position: sticky; top: 0; }
th, td { padding: 5px 8px; border-bottom: 1px solid #e4e7eb; vertical-align: top; }
tr:nth-child(even) td { background: #fafbfc; }
td small { color: #616e7c; }
td.num { font-variant-numeric: tabular-nums; }
#issues-table { table-layout: fixed; }
#issues-table th:nth-child(1) { width: 19%; } #issues-table th:nth-child(2) { width: 19%; }
#issues-table th:nth-child(3) { width: 12%; } #issues-table th:nth-child(4) { width: 19%; }
#issues-table td { overflow-wrap: anywhere; }
.badge { font-size: 11px; padding: 1px 6px; border-radius: 8px; background: #e4e7eb; }
.badge.hard { background: #fde2d8; color: #9a3412; }
.badge.soft { background: #fef3c7; color: #92400e; }
footer { color: #616e7c; font-size: 12.5px; max-width: 1000px; margin: 0 auto; padding: 0 24px 30px; }
"""


def _kpis(con: duckdb.DuckDBPyConnection) -> str:
    tiles: list[tuple[str, str]] = []
    try:
        rows = _provinces(con)
        year = max(int(r["year"]) for r in rows)
        total = sum(float(r["value_usd"]) for r in rows if r["year"] == year)
        prior = sum(float(r["value_usd"]) for r in rows if r["year"] == year - 1)
        tiles.append((f"US${total / 1e12:,.2f} tn", f"China's foreign trade, {year} (31 provinces)"))
        if prior:
            tiles.append((f"{(total / prior - 1) * 100:+.1f}%", f"national change, {year} against {year - 1}"))
        for code, name in ((XINJIANG, "Xinjiang"), (XIZANG, "Xizang")):
            mine = [r for r in rows if r["region_code"] == code and r["year"] == year]
            if mine:
                growth = f", {float(mine[0]['yoy_pct']):+.1f}%" if mine[0]["yoy_pct"] is not None else ""
                tiles.append(
                    (f"US${_bn(mine[0]['value_usd']):,.{1 if code == XIZANG else 0}f} bn", f"{name}, {year}{growth}")
                )
    except SectionUnavailableError:
        pass
    try:
        _columns(con, "rpt_figure_issues")
        (issues,) = con.execute("select count(*) from marts.rpt_figure_issues").fetchone()
        tiles.append((str(issues), "published figures failed a check"))
    except SectionUnavailableError:
        pass
    return (
        "<div class='kpis'>"
        + "".join(f"<div class='kpi'><b>{escape(v)}</b><span>{escape(label)}</span></div>" for v, label in tiles)
        + "</div>"
    )


def _build_info(con: duckdb.DuckDBPyConnection) -> str:
    try:
        row = con.execute(
            "select build_id, published_at_utc, git_commit, storage_version from meta.build_info"
        ).fetchone()
    except duckdb.Error:
        return "build information not recorded (the file was not published by tradewh.publish)"
    if row is None:
        return "build information not recorded"
    build_id, published, commit, storage = row
    return (
        f"build {build_id}, published {published:%Y-%m-%d %H:%M} UTC"
        + (f", commit {str(commit)[:10]}" if commit else "")
        + f", DuckDB storage {storage}"
    )


def render_report(con: duckdb.DuckDBPyConnection, warehouse_name: str) -> Report:
    """The whole page as a string, and which sections could not be drawn."""
    report = Report(html="")
    cards = []
    for make in SECTIONS:
        name = make.__name__.removeprefix("section_")
        try:
            section = make(con)
        except SectionUnavailableError as exc:
            report.unavailable[name] = str(exc)
            cards.append(
                f"<section class='unavailable' id='{name}'><h2>{escape(name.replace('_', ' ').title())}</h2>"
                f"<p class='takeaway'>Not drawn: {escape(str(exc))}.</p></section>"
            )
            continue
        report.sections.append(section.anchor)
        note = f"<p class='note'>{escape(section.note)}</p>" if section.note else ""
        cards.append(
            f"<section id='{section.anchor}'><h2>{escape(section.title)}</h2>"
            f"<p class='takeaway'>{escape(section.takeaway)}</p>{section.body}{note}</section>"
        )
    nav = "".join(f"<a href='#{a}'>{escape(a.title())}</a>" for a in report.sections)
    generated = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    report.html = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>China regional foreign trade: the report</title>
<style>{CSS}</style></head>
<body>
<header><h1>China's regional foreign trade</h1>
<p>Province totals and growth, the frontier regions, partner blocs and months, from the published warehouse
<code>{escape(warehouse_name)}</code>.</p><nav>{nav}</nav></header>
<main>{_kpis(con)}{"".join(cards)}</main>
<footer>Generated {generated} from {escape(_build_info(con))}. Values in US dollars come from the National
Bureau of Statistics (annual, by location of importer/exporter); values in yuan from customs releases as
quoted by the press (see marts.fct_region_trade_ytd.source). Hover over a mark for its exact figure.
This page makes no network requests. Beside it: <a href="../docs/index.html">the warehouse's documentation</a>
(every mart, column and lineage) and the marts as Parquet files in <code>../parquet/</code>.</footer>
</body></html>
"""
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
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--warehouse", type=Path, required=True, help="the DuckDB file to report on (read-only)")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: report/ beside the warehouse)")
    args = parser.parse_args(argv)
    try:
        page, report = build_report(args.warehouse, args.out)
    except (FileNotFoundError, duckdb.Error) as exc:
        print(f"[report] {exc}", file=sys.stderr)
        return 1
    print(f"[report] wrote {page} ({len(report.sections)} sections)")
    for name, reason in report.unavailable.items():
        print(f"[report] section {name} not drawn: {reason}", file=sys.stderr)
    return 1 if report.unavailable else 0
