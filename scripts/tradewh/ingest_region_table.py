"""Land GACC's monthly table by location of importers/exporters (进出口商品收发货人所在地总值表).

One file is one month's table as a scraper saved customs' HTML page through pandas: UTF-8 (with
BOM), three header rows (the unit, the measures, the month and the year-to-date), then one row a
place: 总值 (national), the 31 provinces, each followed by its cities, new areas and development
zones; `-` for nil; a trailing footnote row (注：...). The numbers are kept verbatim.

Landed rows go to ``seeds/raw/gacc_region_table.csv`` (committed, so a fresh clone's build has
every month): one row per place and table vintage, the ten printed cells as text. The same
content for a month again writes nothing; different content is a new vintage (``vintage`` 2, 3,
...) that the models publish while the earlier one stays in the seed. Every file of a call is
checked before anything is written; the seed is rewritten to a temporary file and renamed.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import os
import re
from dataclasses import dataclass
from pathlib import Path

from tradewh import PROJECT_ROOT, fsync_path
from tradewh.ingest_common import REFERENCE_DIR, IngestError, read_reference

TABLE_SEED = PROJECT_ROOT / "seeds" / "raw" / "gacc_region_table.csv"
UNIT = "万人民币"
MEASURES = [
    "total_month",
    "total_ytd",
    "export_month",
    "export_ytd",
    "import_month",
    "import_ytd",
    "total_ytd_yoy_pct",
    "export_ytd_yoy_pct",
    "import_ytd_yoy_pct",
]
SEED_COLUMNS = [
    "period",
    "vintage",
    "content_hash",
    "ingested_at",
    "source_file",
    "line_number",
    "place_as_printed",
    "unit_as_printed",
    *MEASURES,
]
HEADER_MEASURES = [
    "收发货人所在地",
    "进出口",
    "进出口",
    "出口",
    "出口",
    "进口",
    "进口",
    "累计比去年同期±％",
    "累计比去年同期±％.1",
    "累计比去年同期±％.2",
]
NATIONAL_LABEL = "总值"
FOOTNOTE_PREFIX = "注："
_AMOUNT = re.compile(r"^\d+$")
_PERCENT = re.compile(r"^-?\d+(\.\d+)?$")
_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class Table:
    """One month's table, checked: ``rows`` are (line number, place, nine printed cells)."""

    path: Path
    period: str
    rows: list[tuple[int, str, list[str]]]

    @property
    def content_hash(self) -> str:
        digest = hashlib.sha256()
        for _, place, cells in self.rows:
            digest.update(("\x1f".join([place, *cells]) + "\n").encode("utf-8"))
        return digest.hexdigest()[:16]


@dataclass(frozen=True)
class Outcome:
    """What happened to one table: ``new``, ``revision`` (vintage > 1) or ``unchanged``."""

    table: Table
    status: str
    vintage: int


def _period_from(path: Path, explicit: str | None) -> tuple[str, list[str]]:
    """The table's month (YYYY-MM): --period, else the file name; problems if neither tells."""
    candidate = explicit if explicit is not None else path.stem
    source = "--period" if explicit is not None else "file name"
    if _PERIOD.match(candidate):
        return candidate, []
    return "", [f"{path}: cannot tell the month: {source} {candidate!r} is not YYYY-MM (give --period YYYY-MM)"]


def _check_unit_row(path: Path, unit_row: list[str]) -> list[str]:
    problems = []
    for column, cell in enumerate(unit_row[:7], start=1):
        if cell != f"Unnamed: {column - 1}_level_0":
            problems.append(f"{path}: line 1, column {column}: {cell!r}, expected 'Unnamed: {column - 1}_level_0'")
    for column, cell in enumerate(unit_row[7:], start=8):
        unit = cell.removeprefix("单位：")
        if not cell.startswith("单位："):
            problems.append(f"{path}: line 1, column {column}: {cell!r}, expected the unit as '单位：{UNIT}'")
        elif unit != UNIT:
            problems.append(f"{path}: line 1, column {column}: unknown unit {unit!r} (known: {UNIT})")
    return problems


def _check_headers(path: Path, rows: list[list[str]], month: int) -> list[str]:
    problems = []
    if len(rows) < 4:
        return [f"{path}: {len(rows)} lines: expected three header rows and at least one place"]
    unit_row, measure_row, month_row = rows[0], rows[1], rows[2]
    for row_index, row in enumerate(rows[:3], start=1):
        if len(row) != 10:
            problems.append(f"{path}: line {row_index}: {len(row)} columns, expected 10 (header row {row_index})")
    if problems:
        return problems
    problems += _check_unit_row(path, unit_row)
    for column, (cell, expected) in enumerate(zip(measure_row, HEADER_MEASURES, strict=True), start=1):
        if cell != expected:
            problems.append(f"{path}: line 2, column {column}: {cell!r}, expected {expected!r}")
    expected_months = ["收发货人所在地"] + [f"{month}月", f"1至{month}月"] * 3 + ["进出口", "出口", "进口"]
    for column, (cell, expected) in enumerate(zip(month_row, expected_months, strict=True), start=1):
        if cell != expected:
            problems.append(
                f"{path}: line 3, column {column}: {cell!r}, expected {expected!r} (the month of the period, {month})"
            )
    return problems


def _check_cells(path: Path, line: int, cells: list[str]) -> list[str]:
    problems = []
    for index, (measure, cell) in enumerate(zip(MEASURES, cells, strict=True), start=2):
        if cell == "-":
            continue
        pattern = _PERCENT if measure.endswith("_pct") else _AMOUNT
        if not pattern.match(cell):
            kind = "a percentage" if measure.endswith("_pct") else "a whole number of 万元"
            problems.append(f"{path}: line {line}, column {index} ({measure}): {cell!r} is not {kind} or '-'")
    return problems


def _decode(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise IngestError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise IngestError(f"{path}: byte {exc.start}: not UTF-8 (the saved tables are UTF-8 with BOM)") from None


def _place_problem(path: Path, line: int, place: str, known: dict[str, str] | None, province: str) -> str | None:
    """Why ``place`` cannot be landed where it is printed (after ``province``), or None."""
    if known is None:
        return (
            f"{path}: line {line}, column 1: unknown place {place!r} "
            "(add it to seeds/reference/ref_region_places.csv: scripts/generate_region_places.py)"
        )
    if known["region_level"] in ("national", "province") or known["parent_region_code"] == province:
        return None
    return (
        f"{path}: line {line}, column 1: {place!r} is under province {province or 'none'} in the table, "
        f"but ref_region_places puts it under {known['parent_region_code']}"
    )


def _data_rows(path: Path, rows: list[list[str]]) -> tuple[list[tuple[int, list[str]]], list[str]]:
    """The place rows (line number, cells) up to the footnote, and problems of shape."""
    kept: list[tuple[int, list[str]]] = []
    problems: list[str] = []
    for line, row in enumerate(rows[3:], start=4):
        if not any(row):
            continue
        if row[0].startswith(FOOTNOTE_PREFIX):
            trailing = [n for n, later in enumerate(rows[line:], start=line + 1) if any(later)]
            if trailing:
                problems.append(f"{path}: line {trailing[0]}: a row after the footnote (line {line})")
            break
        if len(row) != 10:
            problems.append(f"{path}: line {line}: {len(row)} columns, expected 10")
            continue
        kept.append((line, row))
    return kept, problems


def read_table(path: Path, places: dict[str, dict[str, str]], period: str | None = None) -> Table:
    """Parse and check one saved table; raises IngestError listing every problem."""
    path = Path(path)
    text = _decode(path)
    the_period, problems = _period_from(path, period)
    if problems:
        raise IngestError(problems)
    rows = list(csv.reader(io.StringIO(text, newline="")))
    problems = _check_headers(path, rows, int(the_period[5:]))
    if problems:
        raise IngestError(problems)
    data, problems = _data_rows(path, rows)
    parsed: list[tuple[int, str, list[str]]] = []
    seen: dict[str, int] = {}
    province = ""
    for line, row in data:
        place, cells = row[0].strip(), row[1:]
        problems += _check_cells(path, line, cells)
        if place in seen:
            problems.append(f"{path}: line {line}, column 1: {place!r} again (first on line {seen[place]})")
        seen[place] = line
        known = places.get(place)
        if known is not None and known["region_level"] == "province":
            province = known["region_code"]
        problem = _place_problem(path, line, place, known, province)
        if problem:
            problems.append(problem)
        parsed.append((line, place, cells))
    if parsed and parsed[0][1] != NATIONAL_LABEL:
        problems.append(f"{path}: line {parsed[0][0]}, column 1: {parsed[0][1]!r}, expected {NATIONAL_LABEL!r} first")
    provinces = {p["region_code"] for p in places.values() if p["region_level"] == "province"}
    present = {places[place]["region_code"] for _, place, _ in parsed if place in places}
    problems += [f"{path}: province {code} is missing from the table" for code in sorted(provinces - present)]
    if problems:
        raise IngestError(problems)
    return Table(path=path, period=the_period, rows=parsed)


def read_places(reference_dir: Path = REFERENCE_DIR) -> dict[str, dict[str, str]]:
    """ref_region_places by the name as printed."""
    return {row["name_as_printed"]: row for row in read_reference("ref_region_places", reference_dir)}


def _latest_vintages(seed_rows: list[dict[str, str]]) -> dict[str, tuple[int, str]]:
    latest: dict[str, tuple[int, str]] = {}
    for row in seed_rows:
        vintage = int(row["vintage"])
        if vintage > latest.get(row["period"], (0, ""))[0]:
            latest[row["period"]] = (vintage, row["content_hash"])
    return latest


def _seed_lines(table: Table, vintage: int, ingested_at: str) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    content_hash = table.content_hash
    for line, place, cells in table.rows:
        writer.writerow([table.period, vintage, content_hash, ingested_at, table.path.name, line, place, UNIT, *cells])
    return buffer.getvalue()


def ingest_region_tables(
    paths: list[Path],
    seed: Path = TABLE_SEED,
    reference_dir: Path = REFERENCE_DIR,
    period: str | None = None,
    now: dt.datetime | None = None,
) -> list[Outcome]:
    """Check every table, then append the new ones (and revisions) to ``seed`` in one atomic write."""
    if period is not None and len(paths) != 1:
        raise IngestError("--period names the month of ONE file; give one file with it")
    places = read_places(reference_dir)
    tables: list[Table] = []
    problems: list[str] = []
    for path in paths:
        try:
            tables.append(read_table(path, places, period))
        except IngestError as exc:
            problems += exc.problems
    periods = [t.period for t in tables]
    for duplicate in sorted({p for p in periods if periods.count(p) > 1}):
        problems.append(
            f"month {duplicate} given twice: {', '.join(str(t.path) for t in tables if t.period == duplicate)}"
        )
    if problems:
        raise IngestError(problems, hint="Nothing was written.")
    original = seed.read_bytes()
    seed_rows = list(csv.DictReader(io.StringIO(original.decode("utf-8"))))
    header = original.decode("utf-8").split("\n", 1)[0].rstrip("\r").split(",")
    if header != SEED_COLUMNS:
        raise IngestError(f"{seed}: line 1: header is {header}, expected {SEED_COLUMNS}")
    latest = _latest_vintages(seed_rows)
    ingested_at = (now or dt.datetime.now(dt.timezone.utc)).strftime("%Y-%m-%dT%H:%M:%SZ")
    outcomes: list[Outcome] = []
    appended = []
    for table in sorted(tables, key=lambda t: t.period):
        vintage, content_hash = latest.get(table.period, (0, ""))
        if content_hash == table.content_hash:
            outcomes.append(Outcome(table, "unchanged", vintage))
            continue
        outcomes.append(Outcome(table, "revision" if vintage else "new", vintage + 1))
        appended.append(_seed_lines(table, vintage + 1, ingested_at))
    if appended:
        separator = b"" if original.endswith(b"\n") else b"\n"
        tmp = seed.with_name(f".{seed.name}.{os.getpid()}.tmp")
        try:
            tmp.write_bytes(original + separator + "".join(appended).encode("utf-8"))
            fsync_path(tmp)
            tmp.replace(seed)
            fsync_path(seed.parent)
        finally:
            tmp.unlink(missing_ok=True)
    return outcomes
