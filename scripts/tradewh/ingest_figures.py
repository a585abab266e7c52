"""Add one published figure (a press or customs release) to ``seeds/raw/customs_published_figures.csv``.

The figure is validated against the reference seeds before anything is written: a region the
warehouse knows (any alias: Xinjiang, 新疆, Tibet, ...), a unit it can convert (ref_units), a
period that is a real year-to-date, month or year, a partner scope (ref_partner_scopes or an ISO3
code), a product (ref_products), a source kind, a figure id not used yet. The row is then appended
atomically: the whole file is rewritten to a temporary file beside it and renamed into place, so a
reader never sees half a row and a failure leaves the seed byte-for-byte as it was.
"""

from __future__ import annotations

import calendar
import contextlib
import csv
import datetime as dt
import fcntl
import io
import os
import re
from collections.abc import Iterator
from pathlib import Path

from tradewh import PROJECT_ROOT
from tradewh.ingest_common import REFERENCE_DIR, IngestError, read_reference

FIGURES_SEED = PROJECT_ROOT / "seeds" / "raw" / "customs_published_figures.csv"
COLUMNS = [
    "figure_id",
    "region_as_printed",
    "period_kind",
    "period_start",
    "period_end",
    "flow",
    "partner_scope",
    "product",
    "value_as_printed",
    "value",
    "unit_as_printed",
    "currency",
    "qualifier",
    "yoy_pct",
    "growth_multiple",
    "yoy_as_printed",
    "source_kind",
    "source",
    "published_on",
    "note",
]
PERIOD_KINDS = ("ytd", "month", "year")
FLOWS = ("total", "export", "import")
QUALIFIERS = ("", "nearly", "over", "about")
FIGURE_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
ISO3 = re.compile(r"^[A-Z]{3}$")
HELP = {
    "figure_id": "unique id, lowercase letters, digits and '-' (e.g. xj-93)",
    "region_as_printed": "the region as printed (Xinjiang, 新疆, Tibet, ...): must be a known alias",
    "period_kind": "ytd (cumulative from January), month or year",
    "period_start": "first day of the period, YYYY-MM-DD",
    "period_end": "last day of the period, YYYY-MM-DD",
    "flow": "total, export or import",
    "partner_scope": "world, belt_and_road, central_asia_5, rcep, ... (ref_partner_scopes) or an ISO3 code",
    "product": "all or a product group from ref_products (electric_vehicles, solar_cells, ...)",
    "value_as_printed": "the figure verbatim, e.g. '183.16 billion yuan'",
    "value": "the number as printed, in the printed unit (e.g. 183.16)",
    "unit_as_printed": "the unit as printed, one of ref_units (亿元, billion yuan, million US dollars, ...)",
    "currency": "CNY or USD; defaults to the unit's currency and must agree with it",
    "qualifier": "nearly, over or about when printed so (a bound, not a point); empty otherwise",
    "yoy_pct": "reported growth over a year earlier, in percent (e.g. 59.3)",
    "growth_multiple": "reported growth as a multiple (e.g. 3.26 for 'x3.26')",
    "yoy_as_printed": "the growth text verbatim",
    "source_kind": "customs, press, mirror or government_report (ref_source_kinds)",
    "source": "where it was published (address without scheme)",
    "published_on": "publication date, YYYY-MM-DD (not before the period's end)",
    "note": "anything a reader should know",
}
REQUIRED = (
    "figure_id",
    "region_as_printed",
    "period_kind",
    "period_start",
    "period_end",
    "flow",
    "partner_scope",
    "product",
    "value_as_printed",
    "value",
    "unit_as_printed",
    "source_kind",
    "source",
)


def _date(value: str, column: str, problems: list[str]) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        problems.append(f"column {column}: {value!r} is not a date (YYYY-MM-DD)")
        return None


def _number(value: str, column: str, problems: list[str], positive: bool = False) -> None:
    try:
        number = float(value)
    except ValueError:
        problems.append(f"column {column}: {value!r} is not a number")
        return
    if positive and not number > 0:
        problems.append(f"column {column}: {value!r} must be greater than zero")


def _check_period(kind: str, start: dt.date, end: dt.date, problems: list[str]) -> None:
    last_day = calendar.monthrange(end.year, end.month)[1]
    where = "columns period_start/period_end"
    if start > end:
        problems.append(f"column period_start: {start} is after period_end {end}")
    elif kind == "ytd" and (start != dt.date(end.year, 1, 1) or end.day != last_day):
        problems.append(f"{where}: a ytd period runs from 1 January to a month's end, not {start}..{end}")
    elif kind == "month" and (start != end.replace(day=1) or end.day != last_day):
        problems.append(f"{where}: a month runs from its first to its last day, not {start}..{end}")
    elif kind == "year" and (start != dt.date(end.year, 1, 1) or end != dt.date(end.year, 12, 31)):
        problems.append(f"{where}: a year runs from 1 January to 31 December, not {start}..{end}")


def validate_figure(
    figure: dict[str, str], existing_ids: set[str], reference_dir: Path = REFERENCE_DIR
) -> dict[str, str]:
    """The figure as a complete row (currency filled in); raises IngestError listing every fault."""
    row = {column: (figure.get(column) or "").strip() for column in COLUMNS}
    unknown = sorted(set(figure) - set(COLUMNS))
    problems = [f"unknown column {column!r}" for column in unknown]
    problems += [f"column {column}: required" for column in REQUIRED if not row[column]]
    if problems:
        raise IngestError(problems)
    _check_identity(row, existing_ids, reference_dir, problems)
    _check_period_columns(row, problems)
    _check_scope(row, reference_dir, problems)
    _check_value(row, reference_dir, problems)
    if problems:
        raise IngestError([f"figure {row['figure_id'] or '?'}: {problem}" for problem in problems])
    return row


def _check_identity(row: dict[str, str], existing_ids: set[str], reference_dir: Path, problems: list[str]) -> None:
    if not FIGURE_ID.match(row["figure_id"]):
        problems.append(f"column figure_id: {row['figure_id']!r}: use lowercase letters, digits and '-'")
    elif row["figure_id"] in existing_ids:
        problems.append(f"column figure_id: {row['figure_id']!r} is already in the seed")
    aliases = {r["alias"].casefold(): r["region_code"] for r in read_reference("ref_region_aliases", reference_dir)}
    for region in read_reference("ref_regions", reference_dir):
        for name in (region["name_zh"], region["name_en"], region["name_en_official"]):
            aliases.setdefault(name.casefold(), region["region_code"])
    if row["region_as_printed"].casefold() not in aliases:
        problems.append(
            f"column region_as_printed: unknown region {row['region_as_printed']!r} "
            "(add the spelling to seeds/reference/ref_region_aliases.csv if it is a real alias)"
        )
    kinds = {r["source_kind"] for r in read_reference("ref_source_kinds", reference_dir)}
    if row["source_kind"] not in kinds:
        problems.append(f"column source_kind: {row['source_kind']!r}: expected one of {', '.join(sorted(kinds))}")


def _check_period_columns(row: dict[str, str], problems: list[str]) -> None:
    if row["period_kind"] not in PERIOD_KINDS:
        problems.append(f"column period_kind: {row['period_kind']!r}: expected one of {', '.join(PERIOD_KINDS)}")
    start = _date(row["period_start"], "period_start", problems)
    end = _date(row["period_end"], "period_end", problems)
    if start and end and row["period_kind"] in PERIOD_KINDS:
        _check_period(row["period_kind"], start, end, problems)
    if row["published_on"]:
        published = _date(row["published_on"], "published_on", problems)
        if published and end and published < end:
            problems.append(f"column published_on: {published} is before the period ends ({end})")


def _check_scope(row: dict[str, str], reference_dir: Path, problems: list[str]) -> None:
    if row["flow"] not in FLOWS:
        problems.append(f"column flow: {row['flow']!r}: expected one of {', '.join(FLOWS)}")
    scopes = {r["partner_scope"] for r in read_reference("ref_partner_scopes", reference_dir)}
    countries = {r["iso3"] for r in read_reference("ref_countries", reference_dir)}
    scope = row["partner_scope"]
    if scope not in scopes and not (ISO3.match(scope) and scope in countries):
        problems.append(f"column partner_scope: unknown scope {scope!r} (ref_partner_scopes or an ISO3 code)")
    products = {r["product"] for r in read_reference("ref_products", reference_dir)}
    if row["product"] not in products:
        problems.append(f"column product: unknown product {row['product']!r} (one of {', '.join(sorted(products))})")


def _check_value(row: dict[str, str], reference_dir: Path, problems: list[str]) -> None:
    _number(row["value"], "value", problems, positive=True)
    units = {r["unit_as_printed"]: r["currency"] for r in read_reference("ref_units", reference_dir)}
    unit = row["unit_as_printed"]
    if unit not in units:
        problems.append(f"column unit_as_printed: unknown unit {unit!r} (one of {', '.join(units)})")
    elif not row["currency"]:
        row["currency"] = units[unit]
    elif row["currency"] != units[unit]:
        problems.append(f"column currency: {row['currency']!r} but unit {unit!r} is in {units[unit]}")
    if row["qualifier"] not in QUALIFIERS:
        problems.append(f"column qualifier: {row['qualifier']!r}: expected nearly, over, about or empty")
    if row["yoy_pct"]:
        _number(row["yoy_pct"], "yoy_pct", problems)
    if row["growth_multiple"]:
        _number(row["growth_multiple"], "growth_multiple", problems, positive=True)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def add_figure(
    figure: dict[str, str], seed: Path = FIGURES_SEED, reference_dir: Path = REFERENCE_DIR
) -> dict[str, str]:
    """Validate ``figure`` and append it to ``seed`` atomically; returns the row written."""
    with _locked(seed):
        original = seed.read_bytes()
        text = original.decode("utf-8")
        reader = csv.DictReader(io.StringIO(text))
        if reader.fieldnames != COLUMNS:
            raise IngestError(f"{seed}: line 1: header is {reader.fieldnames}, expected {COLUMNS}")
        existing_ids = {r["figure_id"] for r in reader}
        row = validate_figure(figure, existing_ids, reference_dir)
        buffer = io.StringIO()
        csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n").writerow(row)
        separator = b"" if original.endswith(b"\n") else b"\n"
        tmp = seed.with_name(f".{seed.name}.{os.getpid()}.tmp")
        try:
            tmp.write_bytes(original + separator + buffer.getvalue().encode("utf-8"))
            tmp.replace(seed)
        finally:
            tmp.unlink(missing_ok=True)
    return row
