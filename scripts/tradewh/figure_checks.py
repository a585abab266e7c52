"""The checks a published figure must pass before it enters the seed, and the reference data they use.

One place for the rules the build applies too. The allowed values of a column (period kinds,
flows, partner scopes, products, units, region names, ...) are read from the dbt tests declared on
the source in ``models/staging/customs/_customs__sources.yml`` (``figure_values_in``, with a list
of ``values`` or of ``references``, seed.column, that the build reads as well), and the text of
each column must cast to the type ``seeds/raw/_raw__seeds.yml`` declares. A figure ingest accepts
therefore passes the build's tests; a figure the build would reject is refused here, naming the
figure id, the column and the value.

On top of that, checks on the value itself: it must be the number printed in ``value_as_printed``
(a ``25.33`` typed for "253.3 billion yuan" is refused), finite, in ASCII digits, not larger than
China's whole trade in the year (NBS, with a margin), and growth not below -100%.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml

from tradewh import PROJECT_ROOT
from tradewh.ingest_common import REFERENCE_DIR, read_reference

SOURCES_YML = PROJECT_ROOT / "models" / "staging" / "customs" / "_customs__sources.yml"
SEEDS_YML = PROJECT_ROOT / "seeds" / "raw" / "_raw__seeds.yml"
NBS_SEED = PROJECT_ROOT / "seeds" / "raw" / "nbs_trade_by_importer_location_annual.csv"
SEED_NAME = "customs_published_figures"
FIGURE_ID = re.compile(r"[a-z0-9][a-z0-9-]*")
# A value as the seed stores it: ASCII digits, an optional decimal part; no sign, exponent or 'inf'.
PLAIN_NUMBER = re.compile(r"[0-9]+(\.[0-9]+)?")
SIGNED_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")
DECIMAL_TYPE = re.compile(r"decimal\((\d+),\s*(\d+)\)")
# China's whole trade in a year, from the NBS table: a figure above it (plus this margin for
# revisions and rounding) is not a regional or national figure at all.
NATIONAL_MARGIN = Decimal("1.05")
# Yuan per dollar used to bound yuan figures by the dollar total: above any rate since 2005.
CNY_PER_USD_CEILING = Decimal(9)
BILLION = Decimal(10**9)
GROWTH_ONLY_COLUMNS = ("value_as_printed", "value", "unit_as_printed", "currency")
HINTS = {
    "region_as_printed": " (add the spelling to seeds/reference/ref_region_aliases.csv if it is a real alias)",
    "partner_scope": " (a scope of ref_partner_scopes or an ISO3 code of ref_countries)",
    "product": " (a product of ref_products)",
    "unit_as_printed": " (a unit of ref_units)",
    "source_kind": " (a kind of ref_source_kinds)",
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
    "source_kind",
    "source",
)


@dataclass(frozen=True)
class ColumnRule:
    """The values a column may take (``figure_values_in``); ``None`` for any value."""

    allowed: frozenset[str]
    case_insensitive: bool = False

    def admits(self, value: str) -> bool:
        return (value.casefold() if self.case_insensitive else value) in self.allowed


@dataclass(frozen=True)
class References:
    """Everything the checks need, read once from the seeds and the dbt YAML."""

    columns: list[str]
    column_types: dict[str, str]
    rules: dict[str, ColumnRule]
    unit_currency: dict[str, str]
    unit_multiplier: dict[str, Decimal]
    national_usd: dict[int, Decimal]
    fx_months: frozenset[tuple[int, int]]


def _seed_column(reference: str, reference_dir: Path) -> set[str]:
    seed, column = reference.split(".")
    rows = read_reference(seed, reference_dir)
    return {row[column] for row in rows if row[column]}


def _column_rules(sources_yml: Path, reference_dir: Path) -> dict[str, ColumnRule]:
    document = yaml.safe_load(sources_yml.read_text(encoding="utf-8"))
    table = next(t for s in document["sources"] for t in s["tables"] if t["name"] == SEED_NAME)
    rules: dict[str, ColumnRule] = {}
    for column in table.get("columns", []):
        for test in column.get("data_tests", []):
            if not isinstance(test, dict) or "figure_values_in" not in test:
                continue
            arguments = test["figure_values_in"]["arguments"]
            fold = bool(arguments.get("case_insensitive", False))
            values = set(arguments.get("values", []))
            for reference in arguments.get("references", []):
                values |= _seed_column(reference, reference_dir)
            rules[column["name"]] = ColumnRule(
                frozenset(v.casefold() if fold else v for v in values), case_insensitive=fold
            )
    return rules


def _seed_columns(seeds_yml: Path) -> tuple[list[str], dict[str, str]]:
    document = yaml.safe_load(seeds_yml.read_text(encoding="utf-8"))
    seed = next(s for s in document["seeds"] if s["name"] == SEED_NAME)
    types = dict(seed["config"]["column_types"])
    return list(types), types


def _national_usd(nbs_seed: Path) -> dict[int, Decimal]:
    totals: dict[int, Decimal] = {}
    with nbs_seed.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            year = int(row["year"])
            totals[year] = totals.get(year, Decimal(0)) + Decimal(row["total_trade_usd_thousand"]) * 1000
    return totals


def load_references(
    reference_dir: Path = REFERENCE_DIR,
    sources_yml: Path = SOURCES_YML,
    seeds_yml: Path = SEEDS_YML,
    nbs_seed: Path = NBS_SEED,
) -> References:
    """Read the rules and the reference data the checks use."""
    columns, column_types = _seed_columns(seeds_yml)
    units = read_reference("ref_units", reference_dir)
    return References(
        columns=columns,
        column_types=column_types,
        rules=_column_rules(sources_yml, reference_dir),
        unit_currency={u["unit_as_printed"]: u["currency"] for u in units},
        unit_multiplier={u["unit_as_printed"]: Decimal(u["multiplier"]) for u in units},
        national_usd=_national_usd(nbs_seed),
        fx_months=frozenset((int(r["year"]), int(r["month"])) for r in read_reference("ref_fx_monthly", reference_dir)),
    )


def printed_numbers(text: str) -> set[Decimal]:
    """Every number ``text`` can be read as: '183.16', '37,83' (decimal comma), '1,154.7', Korean 억."""
    numbers: set[Decimal] = set()
    for match in re.finditer(r"[0-9][0-9.,]*", text):
        token = match.group().rstrip(".,")
        readings = {token.replace(",", "")}
        if token.count(",") == 1 and "." not in token:
            readings.add(token.replace(",", "."))
        for reading in readings:
            with_decimals = reading.replace(".", "", max(reading.count(".") - 1, 0))
            try:
                numbers.add(Decimal(with_decimals))
            except InvalidOperation:
                continue
    # Korean: 1천770억 8천만원 = 1770.8 억 (천 thousand, 억 hundred million, 천만 ten million).
    korean = re.search(r"(?:([0-9]+)천)?([0-9]*)억(?:\s*([0-9]+)천만)?", text)
    if korean and (korean.group(1) or korean.group(2)):
        thousands, units, tens_of_millions = (Decimal(g) if g else Decimal(0) for g in korean.groups())
        numbers.add(thousands * 1000 + units + tens_of_millions / 10)
    return numbers


def _cast_problem(column: str, value: str, column_type: str) -> str | None:
    """Why ``value`` would not load as ``column_type`` in the seed (None if it would)."""
    if column_type == "date":
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            return f"column {column}: {value!r} is not a date (YYYY-MM-DD)"
        return None
    decimal_type = DECIMAL_TYPE.fullmatch(column_type)
    if decimal_type:
        precision, scale = (int(g) for g in decimal_type.groups())
        if not SIGNED_NUMBER.fullmatch(value):
            return f"column {column}: {value!r} is not a number in ASCII digits (e.g. 12.3 or -0.5)"
        integer, _, fraction = value.lstrip("-").partition(".")
        if len(integer) > precision - scale or len(fraction) > scale:
            return f"column {column}: {value!r} does not fit decimal({precision}, {scale})"
    return None


def _check_period(row: dict[str, str], refs: References, problems: list[str]) -> dt.date | None:
    try:
        start = dt.date.fromisoformat(row["period_start"])
        end = dt.date.fromisoformat(row["period_end"])
    except ValueError:
        return None  # reported by the cast check
    kind = row["period_kind"]
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
    months = range(start.month, end.month + 1) if start <= end else range(0)
    # the build converts every valued figure at its period's rates (a test fails without them)
    if row["value"] and any((end.year, month) not in refs.fx_months for month in months):
        problems.append(
            f"columns period_start/period_end: no monthly exchange rate for {start}..{end} in ref_fx_monthly "
            "(regenerate it with scripts/generate_reference_seeds.py)"
        )
    if row["published_on"]:
        try:
            published = dt.date.fromisoformat(row["published_on"])
        except ValueError:
            return end
        if published < end:
            problems.append(f"column published_on: {published} is before the period ends ({end})")
    return end


def _check_value(row: dict[str, str], refs: References, year: int | None, problems: list[str]) -> None:
    growth_only = not any(row[c] for c in GROWTH_ONLY_COLUMNS)
    if growth_only:
        if not (row["yoy_pct"] or row["growth_multiple"]):
            problems.append("columns value/yoy_pct/growth_multiple: a figure needs a value or a growth rate")
        return
    for column in ("value_as_printed", "value", "unit_as_printed"):
        if not row[column]:
            problems.append(f"column {column}: required when a value is given")
    unit = row["unit_as_printed"]
    if unit in refs.unit_currency:
        if not row["currency"]:
            row["currency"] = refs.unit_currency[unit]
        elif row["currency"] != refs.unit_currency[unit]:
            problems.append(f"column currency: {row['currency']!r} but unit {unit!r} is in {refs.unit_currency[unit]}")
    if row["value"]:
        _check_number(row, refs, year, problems)


def _check_number(row: dict[str, str], refs: References, year: int | None, problems: list[str]) -> None:
    value, unit = row["value"], row["unit_as_printed"]
    if not PLAIN_NUMBER.fullmatch(value):
        problems.append(
            f"column value: {value!r} is not a plain positive number in ASCII digits "
            "(no sign, exponent, 'inf' or full-width digits)"
        )
        return
    number = Decimal(value)
    if number <= 0:
        problems.append(f"column value: {value!r} must be greater than zero")
    if row["value_as_printed"] and number not in printed_numbers(row["value_as_printed"]):
        problems.append(
            f"column value: {value!r} is not the number printed in value_as_printed {row['value_as_printed']!r}"
        )
    if unit in refs.unit_multiplier and year is not None and refs.national_usd:
        national_usd = refs.national_usd.get(year, max(refs.national_usd.values())) * NATIONAL_MARGIN
        limit = national_usd * (CNY_PER_USD_CEILING if refs.unit_currency[unit] == "CNY" else 1)
        if number * refs.unit_multiplier[unit] > limit:
            problems.append(
                f"column value: {value} {unit} is larger than China's whole trade in {year} "
                f"(about {national_usd / NATIONAL_MARGIN / BILLION:,.0f} billion US dollars)"
            )


def _check_growth(row: dict[str, str], problems: list[str]) -> None:
    if row["yoy_pct"] and SIGNED_NUMBER.fullmatch(row["yoy_pct"]) and Decimal(row["yoy_pct"]) < -100:
        problems.append(f"column yoy_pct: {row['yoy_pct']} is below -100 (trade cannot fall by more than all of it)")
    multiple = row["growth_multiple"]
    if multiple and SIGNED_NUMBER.fullmatch(multiple) and Decimal(multiple) <= 0:
        problems.append(f"column growth_multiple: {multiple!r} must be greater than zero")


def check_figure(figure: dict[str, str], existing_ids: set[str], refs: References) -> tuple[dict[str, str], list[str]]:
    """The figure as a complete row (currency filled in) and every problem found, each naming its column."""
    row = {column: (figure.get(column) or "").strip() for column in refs.columns}
    problems = [f"unknown column {column!r}" for column in sorted(set(figure) - set(refs.columns))]
    problems += [f"column {column}: required" for column in REQUIRED if not row[column]]
    if row["figure_id"] and not FIGURE_ID.fullmatch(row["figure_id"]):
        problems.append(f"column figure_id: {row['figure_id']!r}: use lowercase letters, digits and '-'")
    elif row["figure_id"] in existing_ids:
        problems.append(f"column figure_id: {row['figure_id']!r} is already in the seed")
    for column, rule in refs.rules.items():
        if row[column] and not rule.admits(row[column]):
            problems.append(f"column {column}: unknown value {row[column]!r}{HINTS.get(column, '')}")
    for column, column_type in refs.column_types.items():
        problem = _cast_problem(column, row[column], column_type) if row[column] else None
        if problem:
            problems.append(problem)
    end = _check_period(row, refs, problems)
    _check_value(row, refs, end.year if end else None, problems)
    _check_growth(row, problems)
    return row, problems
