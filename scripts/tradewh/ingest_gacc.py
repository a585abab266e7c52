"""Ingest GACC online query platform exports (stats.customs.gov.cn) into the landing zone.

One call ingests one *query*: its part files (one download holds at most 10,000 rows), the flow,
the period and the currency chosen on the platform (they are not written in the files).
``ingest_gacc_many`` ingests many queries in one call, each exactly as ``ingest_gacc`` would,
with one worker per core staging whole queries side by side (see its docstring).

Steps, all outside the landing zone until the very end:

1. Inspect every part: size, encoding of the header line (UTF-8 with or without BOM, else GBK,
   read as its superset GB18030), header columns, currency column (美元 or 人民币), and compare
   the parts' headers.
2. GBK parts are transcoded to UTF-8 in streaming chunks into a private temporary directory
   (DuckDB reads only UTF-8, UTF-16 and Latin-1 without the ``encodings`` extension, which
   cannot be installed offline).
3. One streaming DuckDB pass over all parts of the query (one ``read_csv`` of the list of
   files), CSV -> one Parquet file in a staging directory under the landing root: province to
   GB/T 2260 code and partner name to ISO3 (hash joins with two small lookup tables), HS code
   as text with leading zeros, values as decimals, the part's file name. Faults stay visible
   (null codes, null values, NaN quantities).
4. One pass over the staged Parquet counts every kind of fault and computes the content hash
   (independent of file names, part order, encoding and BOM). Only when something is wrong are
   the CSVs read again, part by part with line numbers, to name every fault: file, line,
   column and value.
5. A vintage is a directory ``<landing>/gacc/flow=<flow>/period=<period>/currency=<currency>/
   <ingested_at>_<hash>/`` holding ``rows.parquet`` and a ``_vintage.json`` manifest (parts,
   encodings, row counts).
   It is staged in ``<landing>/.staging/`` (same file system, outside ``gacc/``), flushed to
   disk and renamed into place (atomic), under an exclusive lock on the landing root.

Same content again -> nothing is written. Different content for the same flow, period, currency
and province -> a new vintage beside the old one; the dbt models publish the latest
``ingested_at`` per flow, period, currency and province and keep the others queryable.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as dt
import errno
import fcntl
import hashlib
import itertools
import json
import os
import re
import shutil
import sys
import tempfile
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
from tqdm import tqdm

from tradewh import fsync_path
from tradewh.ingest_common import REFERENCE_DIR, IngestError, landing_root, read_reference

# The platform's header, mapped to the names used from here on. The value column is 美元 or 人民币.
FIXED_COLUMNS: dict[str, str] = {
    "商品编码": "hs_code",
    "商品名称": "hs_name",
    "贸易伙伴编码": "gacc_partner_code",
    "贸易伙伴名称": "gacc_partner_name",
    "贸易方式编码": "trade_mode_code",
    "贸易方式名称": "trade_mode_name",
    "注册地编码": "registration_code",
    "注册地名称": "registration_name",
    "第一数量": "quantity_1",
    "第一计量单位": "unit_1",
    "第二数量": "quantity_2",
    "第二计量单位": "unit_2",
}
VALUE_COLUMNS: dict[str, str] = {"美元": "usd", "人民币": "cny"}
ALL_COLUMNS = [*FIXED_COLUMNS, *VALUE_COLUMNS]
COLUMN_LABEL = {internal: label for label, internal in FIXED_COLUMNS.items()}

FLOWS = ("export", "import")
CURRENCIES = ("usd", "cny")
PERIOD_PATTERN = re.compile(r"^(?P<year>(19|20)\d\d)(-(?P<month>0[1-9]|1[0-2]))?$")
NEGATIVE_PATTERN = r"-[0-9]+(\.[0-9]+)?"
MAX_LISTED = 20  # faults of one kind listed in full before "... and N more" (unmapped partners: all)
CHUNK_BYTES = 4 * 1024 * 1024
HEADER_PROBE_BYTES = 64 * 1024
UTF8_BOM = codecs.BOM_UTF8
PARTNER_CROSSWALK = "ref_gacc_partner_names"
PARTNER_OVERRIDES = "ref_gacc_partner_name_overrides"
LINE_IN_DUCKDB_ERROR = re.compile(r"CSV Error on Line: (\d+)")


@dataclass
class Part:
    """One part file of a query, as inspected."""

    index: int
    path: Path
    encoding: str = "utf-8"  # 'utf-8', 'utf-8-sig' or 'gbk'
    header: list[str] = field(default_factory=list)
    currency: str | None = None
    readable_path: Path | None = None  # the UTF-8 file DuckDB reads (the original, or a transcoded copy)
    rows: int = 0

    @property
    def name(self) -> str:
        return str(self.path)


@dataclass
class IngestResult:
    """What an ingest did."""

    status: str  # 'new' (first vintage), 'revision' (supersedes), 'unchanged', 'validated' (dry run)
    content_hash: str
    rows: int
    path: Path | None
    flow: str
    period: str
    currency: str
    region_codes: list[str]
    value_total: float
    superseded: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def parse_period(period: str) -> tuple[int, int | None]:
    """'2023' -> (2023, None); '2023-07' -> (2023, 7); anything else is refused."""
    match = PERIOD_PATTERN.match(period or "")
    if not match:
        raise IngestError(f"--period {period!r}: expected YYYY (a year) or YYYY-MM (one month)")
    month = match.group("month")
    return int(match.group("year")), int(month) if month else None


# ---------------------------------------------------------------------------------------------
# 1. inspect
# ---------------------------------------------------------------------------------------------


def inspect_part(index: int, path: Path) -> Part:
    """Size, encoding and header of one part; refuses empty, undecodable or malformed headers."""
    part = Part(index=index, path=path)
    if not path.is_file():
        raise IngestError(f"{path}: no such file")
    size = path.stat().st_size
    if size == 0:
        raise IngestError(f"{path}: empty file (0 bytes)")
    with path.open("rb") as handle:
        probe = handle.read(HEADER_PROBE_BYTES)
    body = probe[len(UTF8_BOM) :] if probe.startswith(UTF8_BOM) else probe
    newline = body.find(b"\n")
    if newline < 0 and size > HEADER_PROBE_BYTES:
        raise IngestError(f"{path}: line 1 is longer than {HEADER_PROBE_BYTES} bytes: not a platform export")
    header_bytes = (body if newline < 0 else body[:newline]).rstrip(b"\r")
    if not header_bytes.strip():
        raise IngestError(f"{path}: empty file (no header line)")
    if probe.startswith(UTF8_BOM):
        part.encoding = "utf-8-sig"
        header_text = _decode_or_refuse(header_bytes, "utf-8", path, offset=len(UTF8_BOM))
    else:
        try:
            header_text = header_bytes.decode("utf-8")
            part.encoding = "utf-8"
        except UnicodeDecodeError:
            header_text = _decode_or_refuse(header_bytes, "gb18030", path, offset=0)
            part.encoding = "gbk"
    part.header = [column.strip() for column in next(csv.reader([header_text]))]
    return part


def _decode_or_refuse(data: bytes, encoding: str, path: Path, offset: int) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        bad = data[exc.start : exc.start + 4].hex(" ")
        raise IngestError(
            f"{path}: line 1: undecodable bytes at byte {offset + exc.start} ({bad}): neither UTF-8 nor GBK"
        ) from None


def check_headers(parts: Sequence[Part], currency: str) -> None:
    """Every part has the platform's columns, one currency, and the same header as the others."""
    problems = [problem for part in parts for problem in _header_problems(part)]
    if problems:
        raise IngestError(problems)
    first = parts[0]
    for part in parts[1:]:
        if part.currency != first.currency:
            problems.append(
                f"parts of one query have different currencies: {first.name} has {first.currency} "
                f"({_value_label(first.currency)}), {part.name} has {part.currency} ({_value_label(part.currency)})"
            )
        elif part.header != first.header:
            differences = [
                f"column {position}: {theirs!r} where {first.name} has {ours!r}"
                for position, (ours, theirs) in enumerate(zip(first.header, part.header, strict=False), start=1)
                if ours != theirs
            ]
            problems.append(
                f"parts of one query have different headers: {part.name}: line 1: "
                + ("; ".join(differences) or "a different number of columns")
            )
    if problems:
        raise IngestError(problems)
    if first.currency != currency:
        raise IngestError(
            f"{first.name}: line 1: the value column is {_value_label(first.currency)} ({first.currency}) "
            f"but --currency {currency} was given"
        )


def _header_problems(part: Part) -> list[str]:
    """Faults of one part's header; sets ``part.currency`` when there is exactly one value column."""
    problems: list[str] = []
    seen: set[str] = set()
    for position, column in enumerate(part.header, start=1):
        if column in seen:
            problems.append(f"{part.name}: line 1, column {position}: duplicated column {column!r}")
        seen.add(column)
        if column not in ALL_COLUMNS:
            problems.append(
                f"{part.name}: line 1, column {position}: unknown column {column!r} "
                f"(expected the platform's columns: {','.join(FIXED_COLUMNS)},美元|人民币)"
            )
    missing = [column for column in FIXED_COLUMNS if column not in seen]
    if missing:
        problems.append(f"{part.name}: line 1: missing column(s) {', '.join(missing)}")
    value_columns = [column for column in part.header if column in VALUE_COLUMNS]
    if not value_columns:
        problems.append(f"{part.name}: line 1: missing the value column 美元 (usd) or 人民币 (cny)")
    elif len(value_columns) > 1:
        problems.append(f"{part.name}: line 1: both 美元 and 人民币 columns; export one currency per query")
    else:
        part.currency = VALUE_COLUMNS[value_columns[0]]
    return problems


def _value_label(currency: str | None) -> str:
    return {value: label for label, value in VALUE_COLUMNS.items()}.get(currency or "", "?")


# ---------------------------------------------------------------------------------------------
# 2. transcode GBK in streaming chunks
# ---------------------------------------------------------------------------------------------


def transcode_to_utf8(part: Part, target: Path, progress: bool = False) -> None:
    """Stream ``part`` (GBK/GB18030) to ``target`` as UTF-8; undecodable bytes name line and offset."""
    decoder = codecs.getincrementaldecoder("gb18030")(errors="strict")
    consumed = 0
    lines_before = 0
    bar = _progress_bar(part.path.stat().st_size, f"transcoding {part.path.name}", progress)
    with part.path.open("rb") as source, target.open("wb") as sink:
        while True:
            chunk = source.read(CHUNK_BYTES)
            final = not chunk
            try:
                text = decoder.decode(chunk, final=final)
            except UnicodeDecodeError as exc:
                _refuse_undecodable(
                    part=part, chunk=chunk, exc=exc, consumed=consumed, lines_before=lines_before, final=final
                )
            sink.write(text.encode("utf-8"))
            if final:
                break
            consumed += len(chunk)
            lines_before += chunk.count(b"\n")
            if bar is not None:
                bar.update(len(chunk))
    if bar is not None:
        bar.close()


def _refuse_undecodable(
    *,
    part: Part,
    chunk: bytes,
    exc: UnicodeDecodeError,
    consumed: int,
    lines_before: int,
    final: bool,
) -> None:
    if final:
        raise IngestError(
            f"{part.name}: truncated: the file ends inside a multi-byte character "
            f"(at byte {consumed}, line {lines_before + 1})"
        ) from None
    # The decoder's input was its own pending bytes followed by this chunk.
    data = exc.object if isinstance(exc.object, bytes) else chunk
    start_in_chunk = max(exc.start - (len(data) - len(chunk)), 0)
    offset = consumed + start_in_chunk
    line = lines_before + chunk[:start_in_chunk].count(b"\n") + 1
    bad = data[exc.start : exc.start + 4].hex(" ")
    raise IngestError(
        f"{part.name}: line {line}: undecodable bytes at byte {offset} ({bad}): not valid GBK "
        "(the header line was GBK, so the file was read as GBK)"
    ) from None


def _progress_bar(total: int, label: str, enabled: bool) -> tqdm | None:
    if not enabled or total < 64 * 1024 * 1024:
        return None
    return tqdm(total=total, unit="B", unit_scale=True, desc=label, file=sys.stderr, leave=False)


# ---------------------------------------------------------------------------------------------
# 3.-5. load, validate, normalise, write
# ---------------------------------------------------------------------------------------------


@contextlib.contextmanager
def _workspace(tmp_root: Path | None) -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="tradewh-ingest-", dir=tmp_root))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _connect(workdir: Path, memory_limit: str, threads: int | None) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:")
    con.execute(f"set temp_directory = '{_sql_text(str(workdir / 'spill'))}'")
    con.execute(f"set memory_limit = '{_sql_text(memory_limit)}'")
    # the fast path needs no row order; _load_for_messages turns it on for line numbers
    con.execute("set preserve_insertion_order = false")
    if threads:
        con.execute(f"set threads = {int(threads)}")
    return con


@contextlib.contextmanager
def _slow_path_connection() -> Iterator[duckdb.DuckDBPyConnection]:
    """A private DuckDB database for locating faults (only after something failed).

    Not a cursor of the batch's database: the slow path turns ``preserve_insertion_order`` on,
    a setting global to a database, which must not slow down (or be undone under) the other
    queries of a batch. One thread, so rows are inserted in file order.
    """
    with _workspace(None) as workdir:
        con = _connect(workdir, "1GB", 1)
        try:
            yield con
        finally:
            con.close()


def _sql_text(value: str) -> str:
    return value.replace("'", "''")


TEXT_COLUMNS = [*FIXED_COLUMNS.values(), "value"]
# What makes two landed queries the same content (not file names, encodings or row order).
CONTENT_COLUMNS = (
    "flow, period, currency, region_code, hs_code, hs_name, gacc_partner_code, gacc_partner_name, "
    "partner_iso3, trade_mode_code, trade_mode_name, quantity_1, unit_1, quantity_2, unit_2, value"
)
VINTAGE_DIR = re.compile(r"^(?P<stamp>\d{8}T\d{12}Z)_(?P<hash>[0-9a-f]{32})$")
MANIFEST = "_vintage.json"


@dataclass
class Lookups:
    """Reference lookups.

    The fast path joins the rows with two small temporary tables (``_install_lookups``): a hash
    join costs one probe per row, where ``element_at`` on a MAP literal scans the map's ~200
    keys per row (measured: about 10 % of the staging pass). The MAP expressions stay for the
    slow path (``_load_for_messages``), which needs the rows in file order.
    """

    region_lookup: str
    partner_map: str
    trade_modes: set[str]
    regions: dict[str, str] = field(default_factory=dict)  # customs registration code -> region code
    partners: dict[str, str] = field(default_factory=dict)  # GACC partner name -> ISO3


def _sql_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def load_lookups(reference_dir: Path) -> Lookups:
    region_rows = [r for r in read_reference("ref_regions", reference_dir) if r["customs_registration_code"]]
    regions = _mapping(region_rows, "customs_registration_code", "region_code", "ref_regions")
    partners = _mapping(read_reference(PARTNER_CROSSWALK, reference_dir), "gacc_name", "iso3", PARTNER_CROSSWALK)
    region_entries = ", ".join(f"{_sql_literal(code)}: {_sql_literal(region)}" for code, region in regions.items())
    entries = ", ".join(f"{_sql_literal(name)}: {_sql_literal(iso3)}" for name, iso3 in partners.items())
    modes = {r["trade_mode_code"] for r in read_reference("ref_trade_modes", reference_dir)}
    return Lookups(
        region_lookup=f"element_at(map {{{region_entries}}}, registration_code)[1]",
        partner_map=f"map {{{entries}}}",
        trade_modes=modes,
        regions=regions,
        partners=partners,
    )


def _mapping(rows: list[dict[str, str]], key: str, value: str, seed: str) -> dict[str, str]:
    """``key`` -> ``value`` of a reference seed; a key mapped to two values is refused, not guessed."""
    mapping: dict[str, str] = {}
    for row in rows:
        if mapping.setdefault(row[key], row[value]) != row[value]:
            raise IngestError(
                f"seeds/reference/{seed}.csv: {key} {row[key]!r} maps to both {mapping[row[key]]!r} and {row[value]!r}"
            )
    return mapping


def _install_lookups(con: duckdb.DuckDBPyConnection, lookups: Lookups) -> None:
    """Temporary tables ``lookup_region`` and ``lookup_partner`` (keys unique) for stage_query's joins."""
    for table, key, value, pairs in (
        ("lookup_region", "registration_code", "region_code", lookups.regions),
        ("lookup_partner", "gacc_partner_name", "partner_iso3", lookups.partners),
    ):
        rows = ", ".join(f"({_sql_literal(k)}, {_sql_literal(v)})" for k, v in pairs.items())
        source = (
            f"(values {rows}) as t({key}, {value})"
            if rows
            else f"(select ''::varchar as {key}, ''::varchar as {value} limit 0)"
        )
        con.execute(f"create or replace temp table {table} as select * from {source}")


KEY_COLUMNS = ("hs_code", "gacc_partner_name", "trade_mode_code", "registration_code")


def _read_csv_sql(parts: Sequence[Part], trim_all: bool = False) -> str:
    """The parts (one header, checked) as text columns named as in FIXED_COLUMNS (+ value).

    Key columns are trimmed ('' when empty); with ``trim_all`` every column is (for messages).
    Numbers need no trimming: DuckDB's casts ignore surrounding blanks. ``filename`` is the
    path DuckDB read (a transcoded copy for GBK parts).
    """
    names = [FIXED_COLUMNS.get(column, "value") for column in parts[0].header]
    columns = "{" + ", ".join(f"'{name}': 'VARCHAR'" for name in names) + "}"
    select = ", ".join(
        f"coalesce(trim({name}), '') as {name}" if trim_all or name in KEY_COLUMNS else name for name in TEXT_COLUMNS
    )
    paths = "[" + ", ".join(_sql_literal(str(part.readable_path)) for part in parts) + "]"
    return f"""
        select {select}, filename
        from read_csv(
            {paths}, header = true, auto_detect = false, filename = true,
            columns = {columns}, delim = ',', quote = '"', escape = '"', strict_mode = true,
            null_padding = false
        )
    """


def stage_query(
    con: duckdb.DuckDBPyConnection, parts: Sequence[Part], query: dict[str, str], lookups: Lookups, target: Path
) -> None:
    """One streaming pass over all parts: CSV -> normalised Parquet.

    Faults are not refused here but left visible for ``check_staged``: a value that is not a
    number is null, an unknown province or partner has a null code, a quantity that is not a
    number is NaN. The lookups are left joins (keys unique, so one row out per row in); the
    rows' order in the Parquet file is not the files' order (it never was with
    ``preserve_insertion_order = false``), and nothing reads it in order. The lookup tables
    must be on ``con`` (``_install_lookups``, once per connection).
    """
    year, month = parse_period(query["period"])
    sql = f"""
        copy (
            select
                {_sql_literal(query["flow"])} as flow,
                {_sql_literal(query["period"])} as period,
                {_sql_literal("month" if month else "year")} as period_kind,
                {year} as year,
                cast({month or "null"} as integer) as month,
                {_sql_literal(query["currency"])} as currency,
                lookup_region.region_code,
                rows.registration_code as customs_registration_code,
                registration_name,
                case
                    when length(hs_code) % 2 = 1 and regexp_full_match(hs_code, '[0-9]+') then '0' || hs_code
                    else hs_code
                end as hs_code,
                hs_name,
                gacc_partner_code,
                rows.gacc_partner_name,
                lookup_partner.partner_iso3,
                trade_mode_code,
                trade_mode_name,
                coalesce(
                    try_cast(quantity_1 as double),
                    case when coalesce(trim(quantity_1), '') <> '' then 'nan'::double end
                ) as quantity_1,
                nullif(unit_1, '') as unit_1,
                coalesce(
                    try_cast(quantity_2 as double),
                    case when coalesce(trim(quantity_2), '') <> '' then 'nan'::double end
                ) as quantity_2,
                nullif(unit_2, '') as unit_2,
                try_cast(value as decimal(18, 2)) as value,
                parse_filename(filename) as source_file
            from ({_read_csv_sql(parts)}) as rows
            left join lookup_region on rows.registration_code = lookup_region.registration_code
            left join lookup_partner on rows.gacc_partner_name = lookup_partner.gacc_partner_name
        ) to '{_sql_text(str(target))}' (format parquet, compression snappy)
    """
    try:
        con.execute(sql)
    except duckdb.Error as exc:
        raise _locate_csv_error(parts, exc) from None


def _locate_csv_error(parts: Sequence[Part], exc: duckdb.Error) -> IngestError:
    """Which part made read_csv fail: read them one by one (only after a failure)."""
    with _slow_path_connection() as con:
        for part in parts:
            try:
                con.execute(f"create or replace temp table part_probe as select * from ({_read_csv_sql([part])})")
            except duckdb.Error as part_exc:
                return _csv_error(part, part_exc)
    return IngestError(f"{', '.join(p.name for p in parts)}: cannot be read as CSV: {str(exc).splitlines()[0]}")


def check_staged(
    con: duckdb.DuckDBPyConnection, staged: Sequence[Path], parts: Sequence[Part], lookups: Lookups
) -> tuple[str, int, list[str], float, list[str]]:
    """One pass over the staged Parquet: fault counts, row counts, content hash, totals.

    Returns content hash, rows, regions, value total and warnings; on any fault, hands over to
    ``_refuse_with_details`` which locates every fault by file, line, column and value.
    """
    files = "[" + ", ".join(_sql_literal(str(path)) for path in staged) + "]"
    counts = con.execute(
        f"""
        select
            count(*) filter (where value is null or value < 0)
            + count(*) filter (where isnan(quantity_1) or isnan(quantity_2) or quantity_1 < 0 or quantity_2 < 0)
            + count(*) filter (where not regexp_full_match(hs_code, '[0-9]{{2,10}}'))
            + count(*) filter (where gacc_partner_name = '' or trade_mode_code = '')
            + count(*) filter (where region_code is null or partner_iso3 is null) as faults,
            count(*) as row_count,
            count(distinct hash(hs_code, gacc_partner_name, trade_mode_code, customs_registration_code)) as keys,
            cast(bit_xor(hash({CONTENT_COLUMNS})) as varchar) as digest,
            list(distinct region_code order by region_code) filter (where region_code is not null),
            cast(sum(value) as double),
            list(distinct trade_mode_code) as modes,
            histogram(source_file) as rows_per_file
        from read_parquet({files})
        """
    ).fetchone()
    faults, rows, keys, digest, regions, total, modes, per_file = counts
    if faults or keys != rows:
        with _slow_path_connection() as slow:
            _refuse_with_details(slow, parts, lookups)
    for part in parts:
        part.rows = (per_file or {}).get(part.path.name, 0)
        if part.rows == 0:
            raise IngestError(f"{part.name}: empty file: a header but no data rows")
    content = hashlib.sha256(f"gacc-v2|{rows}|{digest}".encode()).hexdigest()[:32]
    warnings = (
        [
            f"trade mode {code} ({count} rows) is not in seeds/reference/ref_trade_modes.csv: kept with the name "
            "from the file; add it to the seed for an English name"
            for code, count in con.execute(
                f"select trade_mode_code, count(*) from read_parquet({files}) "
                f"where not list_contains(?, trade_mode_code) group by 1 order by 1",
                [sorted(lookups.trade_modes)],
            ).fetchall()
        ]
        if set(modes or []) - lookups.trade_modes
        else []
    )
    return content, rows, regions or [], total or 0.0, warnings


def _csv_error(part: Part, exc: duckdb.Error) -> IngestError:
    message = str(exc)
    match = LINE_IN_DUCKDB_ERROR.search(message)
    where = f"line {match.group(1)}" if match else "somewhere"
    if part.encoding != "gbk" and _ends_inside_utf8_character(part.path):
        return IngestError(f"{part.name}: {where}: truncated: the file ends inside a multi-byte character")
    if "Invalid unicode" in message:
        return IngestError(f"{part.name}: {where}: undecodable bytes: not valid UTF-8 (the header line was UTF-8)")
    if "Expected Number of Columns" in message:
        detail = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", message)
        counts = f" ({detail.group(2)} columns where the header has {detail.group(1)})" if detail else ""
        return IngestError(f"{part.name}: {where}: truncated or malformed row{counts}")
    if "quote" in message.lower():
        return IngestError(f"{part.name}: {where}: truncated or malformed row (unterminated quoted value)")
    first_line = message.splitlines()[0] if message else repr(exc)
    return IngestError(f"{part.name}: {where}: cannot be read as CSV: {first_line}")


def _ends_inside_utf8_character(path: Path) -> bool:
    """True when the file's last bytes are the start of a UTF-8 sequence cut short."""
    with path.open("rb") as handle:
        handle.seek(max(path.stat().st_size - 4, 0))
        tail = handle.read()
    for back in range(1, min(len(tail), 4) + 1):
        byte = tail[-back]
        if byte & 0xC0 != 0x80:  # not a continuation byte: the start of the last sequence
            needed = 2 if byte & 0xE0 == 0xC0 else 3 if byte & 0xF0 == 0xE0 else 4 if byte & 0xF8 == 0xF0 else 1
            return needed > back
    return False


# ---------------------------------------------------------------------------------------------
# the slow path: something is wrong, say exactly where
# ---------------------------------------------------------------------------------------------


def _load_for_messages(con: duckdb.DuckDBPyConnection, parts: Sequence[Part], lookups: Lookups) -> None:
    """Table ``located_rows``: every row as trimmed text with its file and line, and its lookups."""
    con.execute("set preserve_insertion_order = true")
    con.execute("create table part_files (file_index integer, first_rowid bigint)")
    con.execute(f"create table raw_rows (file_index integer, {', '.join(f'{c} varchar' for c in TEXT_COLUMNS)})")
    for part in parts:
        before = con.execute("select count(*) from raw_rows").fetchone()[0]
        text_rows = _read_csv_sql([part], trim_all=True)
        con.execute(f"insert into raw_rows select {part.index}, * exclude (filename) from ({text_rows})")
        con.execute("insert into part_files values (?, ?)", [part.index, before])
    # rowid follows insertion order (preserve_insertion_order), so a row's line is rowid - first + 2
    con.execute(
        f"""
        create table located_rows as
        select
            r.rowid - f.first_rowid + 2 as line_no,
            r.*,
            {lookups.region_lookup} as region_code,
            element_at({lookups.partner_map}, gacc_partner_name)[1] as partner_iso3
        from raw_rows as r inner join part_files as f on r.file_index = f.file_index
        """
    )


def _refuse_with_details(con: duckdb.DuckDBPyConnection, parts: Sequence[Part], lookups: Lookups) -> None:
    """Locate every fault (only when something is wrong) and raise IngestError."""
    _load_for_messages(con, parts, lookups)
    names = {part.index: part.name for part in parts}
    value_label = _value_label(parts[0].currency)
    problems: list[str] = []

    def located(where_sql: str, column: str, label: str, reason: str) -> None:
        rows = con.execute(
            f"""
            select file_index, line_no, {column}, count(*) over () as n
            from located_rows where {where_sql}
            order by file_index, line_no limit {MAX_LISTED}
            """
        ).fetchall()
        for file_index, line_no, value, _ in rows:
            problems.append(f"{names[file_index]}: line {line_no}, column {label}: {reason} {value!r}")
        if rows and rows[0][3] > len(rows):
            problems.append(f"... and {rows[0][3] - len(rows)} more rows with {reason.rstrip(':')} in {label}")

    located("value = ''", "value", value_label, "empty value:")
    located("try_cast(value as decimal(18, 2)) < 0", "value", value_label, "negative value:")
    located("value <> '' and try_cast(value as decimal(18, 2)) is null", "value", value_label, "not a number:")
    for column in ("quantity_1", "quantity_2"):
        located(
            f"{column} <> '' and coalesce(try_cast({column} as double) < 0, true)",
            column,
            COLUMN_LABEL[column],
            "not a non-negative number:",
        )
    located("not regexp_full_match(hs_code, '[0-9]{1,10}')", "hs_code", "商品编码", "not an HS code (digits only):")
    located("gacc_partner_name = ''", "gacc_partner_name", "贸易伙伴名称", "empty partner name:")
    located("trade_mode_code = ''", "trade_mode_code", "贸易方式编码", "empty trade mode code:")

    unknown_regions = con.execute(
        """
        select registration_code, first(file_index order by file_index, line_no),
            first(line_no order by file_index, line_no), count(*)
        from located_rows where region_code is null group by 1 order by 1
        """
    ).fetchall()
    problems.extend(
        f"{names[f]}: line {line}, column 注册地编码: unknown province code {code!r} ({n} rows; "
        "expected a 2-digit customs registration code such as '65', see seeds/reference/ref_regions.csv)"
        for code, f, line, n in unknown_regions
    )
    unmapped = con.execute(
        """
        select gacc_partner_name, first(file_index order by file_index, line_no),
            first(line_no order by file_index, line_no), count(*)
        from located_rows where partner_iso3 is null and gacc_partner_name <> '' group by 1 order by 1
        """
    ).fetchall()
    if unmapped:
        problems.append(f"{len(unmapped)} unmapped partner name(s) (贸易伙伴名称):")
        problems.extend(
            f"{names[f]}: line {line}, column 贸易伙伴名称: unmapped partner name {name!r} ({n} rows)"
            for name, f, line, n in unmapped
        )
    problems.extend(_duplicate_problems(con, names))
    hint = None
    if unmapped:
        hint = (
            "To map a partner name, add a row 'gacc_name,iso3,note' to "
            "seeds/reference/ref_gacc_partner_name_overrides.csv, then run "
            "`python scripts/ingest.py partner-names` to regenerate "
            "seeds/reference/ref_gacc_partner_names.csv, and ingest again."
        )
    raise IngestError(problems or ["rows failed a check that could not be located (please report)"], hint)


def _duplicate_problems(con: duckdb.DuckDBPyConnection, names: dict[int, str]) -> list[str]:
    duplicates = con.execute(
        f"""
        select
            case when length(hs_code) % 2 = 1 then '0' || hs_code else hs_code end as hs,
            gacc_partner_name, trade_mode_code, registration_code,
            list(file_index order by file_index, line_no), list(line_no order by file_index, line_no),
            count(*) over () as n
        from located_rows
        group by hs, gacc_partner_name, trade_mode_code, registration_code
        having count(*) > 1
        order by min(file_index), min(line_no) limit {MAX_LISTED}
        """
    ).fetchall()
    problems = []
    for hs, partner, mode, region, files, lines, _ in duplicates:
        at = ", ".join(f"{names[f]}: line {line}" for f, line in zip(files, lines, strict=True))
        problems.append(
            f"duplicated row (商品编码 {hs}, 贸易伙伴名称 {partner}, 贸易方式编码 {mode}, 注册地编码 {region}) at {at}"
        )
    if duplicates and duplicates[0][6] > len(duplicates):
        problems.append(f"... and {duplicates[0][6] - len(duplicates)} more duplicated keys")
    return problems


# ---------------------------------------------------------------------------------------------
# landing
# ---------------------------------------------------------------------------------------------


def partition_dir(root: Path, flow: str, period: str, currency: str) -> Path:
    return root / "gacc" / f"flow={flow}" / f"period={period}" / f"currency={currency}"


def existing_vintages(directory: Path) -> list[Path]:
    """The vintage directories of a partition, oldest first."""
    if not directory.is_dir():
        return []
    return sorted(path for path in directory.iterdir() if path.is_dir() and VINTAGE_DIR.match(path.name))


def _same_content(directory: Path, digest: str) -> Path | None:
    return next((path for path in existing_vintages(directory) if path.name.endswith(digest)), None)


def _same_as_latest(staged: Sequence[Path], directory: Path, workdir: Path) -> Path | None:
    """The latest vintage when it holds exactly the staged rows although its hash differs.

    The content hash uses DuckDB's fast ``hash()``, which a DuckDB upgrade may change; comparing
    the rows themselves (only when a partition already has vintages and no hash matched) keeps
    re-ingesting the same files a no-op across upgrades.
    """
    vintages = existing_vintages(directory)
    if not vintages:
        return None
    latest = vintages[-1]
    new = "[" + ", ".join(_sql_literal(str(path)) for path in staged) + "]"
    old = _sql_literal(str(latest / "*.parquet"))
    con = _connect(workdir, "1GB", None)
    try:
        differing = con.execute(
            f"""
            select count(*) from (
                (select {CONTENT_COLUMNS} from read_parquet({new})
                 except all select {CONTENT_COLUMNS} from read_parquet({old}))
                union all
                (select {CONTENT_COLUMNS} from read_parquet({old})
                 except all select {CONTENT_COLUMNS} from read_parquet({new}))
            )
            """
        ).fetchone()[0]
    finally:
        con.close()
    return latest if differing == 0 else None


@contextlib.contextmanager
def _locked(root: Path) -> Iterator[None]:
    """Exclusive lock on the landing root directory itself (no lock file is left behind)."""
    fd = os.open(root, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


@dataclass
class QueryRequest:
    """One query of a batch: its part files and the flow, period and currency chosen on the platform."""

    files: Sequence[Path | str]
    flow: str
    period: str
    currency: str

    @property
    def label(self) -> str:
        return f"{self.flow} {self.period} {self.currency}"


@dataclass
class QueryOutcome:
    """What became of one query of a batch: a result, or the refusal (nothing of it was written)."""

    request: QueryRequest
    result: IngestResult | None = None
    error: IngestError | None = None


@dataclass
class _Staged:
    """A query checked and staged as Parquet, waiting to be landed (or found already landed)."""

    parts: list[Part]
    stage: Path  # the vintage directory to land: rows.parquet (+ _vintage.json when landed)
    result: IngestResult  # status 'validated'


STAGING_DIR = ".staging"  # under the landing root, beside gacc/ (dbt's glob never looks there)


def ingest_gacc(
    files: Sequence[Path | str],
    *,
    flow: str,
    period: str,
    currency: str,
    root: Path | str | None = None,
    reference_dir: Path = REFERENCE_DIR,
    dry_run: bool = False,
    tmp_dir: Path | None = None,
    memory_limit: str = "1GB",
    threads: int | None = None,
    progress: bool = False,
    now: dt.datetime | None = None,
) -> IngestResult:
    """Validate the parts of one query and land them as one vintage; see the module docstring.

    Raises IngestError when the query is refused (nothing is written).
    """
    request = QueryRequest(files=files, flow=flow, period=period, currency=currency)
    (outcome,) = ingest_gacc_many(
        [request],
        root=root,
        reference_dir=reference_dir,
        dry_run=dry_run,
        tmp_dir=tmp_dir,
        memory_limit=memory_limit,
        threads=threads,
        progress=progress,
        now=now,
    )
    if outcome.error is not None:
        raise outcome.error
    assert outcome.result is not None
    return outcome.result


def ingest_gacc_many(
    requests: Sequence[QueryRequest],
    *,
    root: Path | str | None = None,
    reference_dir: Path = REFERENCE_DIR,
    dry_run: bool = False,
    tmp_dir: Path | None = None,
    memory_limit: str = "1GB",
    threads: int | None = None,
    workers: int | None = None,
    progress: bool = False,
    now: dt.datetime | None = None,
    on_outcome: Callable[[QueryOutcome], None] | None = None,
) -> list[QueryOutcome]:
    """Ingest many queries, each exactly as ``ingest_gacc`` would; outcomes in the order given.

    Each query is its own vintage with its own checks. A refused query (IngestError) is reported
    in its outcome, with file, line, column and value, and leaves its partition untouched; the
    other queries go on and land. Any other exception (disk full, a bug) stops the batch: the
    queries landed before it stay landed (each landing is atomic), later ones are not landed.
    Queries are landed one at a time in the order given, so a query given twice (or two
    queries of one partition) behave as two calls in a row.

    Why it is faster than ``ingest_gacc`` in a loop: ``workers`` threads (default: one per
    core, at most one per query) each inspect, transcode, stage and check whole queries on
    their own cursor of one shared DuckDB database (one memory limit for all), which then runs
    ``threads // workers`` threads per query. On the 10-million-row synthetic history, two
    single-threaded queries side by side cost about 15 % less CPU than one query on two threads
    (21 parts of 10,000 rows are too small to split well), and while one worker transcodes GBK
    in Python the other one is inside DuckDB, which releases the GIL. A single query (as from
    ``ingest_gacc``) gets every thread. Landing stays in this thread, in order. At most
    ``workers + 1`` queries are staged ahead of landing, which bounds disk and memory.
    ``on_outcome`` is called after each query (progress reporting).
    """
    root_path = landing_root(root)
    lookups = load_lookups(reference_dir)
    cores = threads or _usable_cores()
    n_workers = max(1, min(workers or cores, len(requests)))
    outcomes: list[QueryOutcome] = []
    with contextlib.ExitStack() as stack:
        workdir = stack.enter_context(_workspace(tmp_dir))
        staging = workdir if dry_run else stack.enter_context(_staging_area(root_path))
        database = _connect(workdir, memory_limit, max(1, cores // n_workers))
        stack.callback(database.close)
        local = threading.local()
        cursors: list[duckdb.DuckDBPyConnection] = []
        stack.callback(lambda: [cursor.close() for cursor in cursors])

        def work(index: int, request: QueryRequest) -> _Staged:
            cursor = getattr(local, "cursor", None)
            if cursor is None:  # one cursor per worker thread (temp tables are per cursor)
                cursor = local.cursor = database.cursor()
                cursors.append(cursor)
                _install_lookups(cursor, lookups)
            return _prepare_and_stage(
                cursor, request, lookups, workdir / f"q{index}", staging / f"q{index}", progress=progress
            )

        pool = ThreadPoolExecutor(max_workers=n_workers, thread_name_prefix="tradewh-ingest")
        stack.callback(pool.shutdown, wait=True, cancel_futures=True)
        window: deque[tuple[int, QueryRequest, Future[_Staged]]] = deque()
        upcoming = iter(enumerate(requests))
        for index, request in itertools.islice(upcoming, n_workers + 1):
            window.append((index, request, pool.submit(work, index, request)))
        while window:
            index, request, future = window.popleft()
            outcome = QueryOutcome(request)
            try:
                outcome.result = _land_staged(future.result(), root_path, workdir, dry_run=dry_run, now=now)
            except IngestError as exc:
                outcome.error = exc
            finally:
                shutil.rmtree(workdir / f"q{index}", ignore_errors=True)
                shutil.rmtree(staging / f"q{index}", ignore_errors=True)
            for index, request in itertools.islice(upcoming, 1):
                window.append((index, request, pool.submit(work, index, request)))
            outcomes.append(outcome)
            if on_outcome is not None:
                on_outcome(outcome)
    return outcomes


def _prepare_and_stage(
    con: duckdb.DuckDBPyConnection,
    request: QueryRequest,
    lookups: Lookups,
    workdir: Path,
    stage_parent: Path,
    *,
    progress: bool,
) -> _Staged:
    """Check the arguments, inspect the parts, transcode GBK, stage as Parquet and check (a worker)."""
    flow, period, currency = request.flow, request.period, request.currency
    if flow not in FLOWS:
        raise IngestError(f"--flow {flow!r}: expected one of {', '.join(FLOWS)}")
    if currency not in CURRENCIES:
        raise IngestError(f"--currency {currency!r}: expected one of {', '.join(CURRENCIES)}")
    parse_period(period)
    if not request.files:
        raise IngestError("no files given")
    paths = [Path(file) for file in request.files]
    if len({path.resolve() for path in paths}) != len(paths):
        raise IngestError("the same file is given twice: " + ", ".join(map(str, paths)))
    if len({path.name for path in paths}) != len(paths):
        raise IngestError("two parts have the same file name: " + ", ".join(map(str, paths)))
    parts = [inspect_part(index, path) for index, path in enumerate(paths)]
    check_headers(parts, currency)
    workdir.mkdir()
    _make_readable(parts, workdir, progress)
    stage = stage_parent / "vintage"  # a plain mkdir: the landed directory gets the usual mode
    stage.mkdir(parents=True)
    staged = [stage / "rows.parquet"]
    stage_query(con, parts, {"flow": flow, "period": period, "currency": currency}, lookups, staged[0])
    digest, rows, regions, total, warnings = check_staged(con, staged, parts, lookups)
    result = IngestResult(
        status="validated",
        content_hash=digest,
        rows=rows,
        path=None,
        flow=flow,
        period=period,
        currency=currency,
        region_codes=regions,
        value_total=total,
        warnings=warnings,
    )
    return _Staged(parts=parts, stage=stage, result=result)


def _land_staged(staged: _Staged, root: Path, workdir: Path, *, dry_run: bool, now: dt.datetime | None) -> IngestResult:
    """Land a staged query unless the same content is already there (the batch's own thread)."""
    result = staged.result
    target_dir = partition_dir(root, result.flow, result.period, result.currency)
    compare_dir = Path(tempfile.mkdtemp(prefix="compare-", dir=workdir))  # its own DuckDB spill directory
    try:
        same = _same_content(target_dir, result.content_hash) or _same_as_latest(
            [staged.stage / "rows.parquet"], target_dir, compare_dir
        )
    finally:
        shutil.rmtree(compare_dir, ignore_errors=True)
    if same:
        result.status, result.path = "unchanged", same
        return result
    if dry_run:
        return result
    ingested_at = (now or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc)
    _write_manifest(staged.stage, result, staged.parts, ingested_at)
    _land(staged.stage, root, target_dir, f"{ingested_at:%Y%m%dT%H%M%S%fZ}_{result.content_hash}", result)
    return result


def _usable_cores() -> int:
    """Cores this process may run on (the affinity mask, which containers narrow; else all)."""
    with contextlib.suppress(AttributeError, OSError):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


@contextlib.contextmanager
def _staging_area(root: Path) -> Iterator[Path]:
    """A fresh private directory ``<root>/.staging/<random>/`` for the vintages of one call.

    Staging on the landing root's own file system makes landing a rename instead of a copy of
    the Parquet file. ``.staging`` is outside ``gacc/``, so dbt never reads it, and it is removed
    again (with the root itself if this call created it) when empty, so a refused query leaves
    the landing root exactly as it was.
    """
    area = root / STAGING_DIR
    created = [path for path in (area, root, *root.parents) if not path.exists()]
    for attempt in range(5):  # another ingest may remove an empty .staging between the two calls
        area.mkdir(parents=True, exist_ok=True)
        try:
            container = Path(tempfile.mkdtemp(prefix="ingest-", dir=area))
            break
        except FileNotFoundError:
            if attempt == 4:
                raise
    try:
        yield container
    finally:
        shutil.rmtree(container, ignore_errors=True)
        for path in created:  # deepest first
            with contextlib.suppress(OSError):
                path.rmdir()
        with contextlib.suppress(OSError):
            area.rmdir()


def _write_manifest(stage: Path, result: IngestResult, parts: Sequence[Part], ingested_at: dt.datetime) -> None:
    manifest = {
        "query": {"flow": result.flow, "period": result.period, "currency": result.currency},
        "content_hash": result.content_hash,
        "ingested_at": ingested_at.isoformat(),
        "rows": result.rows,
        "region_codes": result.region_codes,
        "value_total": result.value_total,
        "parts": [{"source": p.path.name, "encoding": p.encoding, "rows": p.rows} for p in parts],
        "duckdb": duckdb.__version__,
    }
    (stage / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _land(stage: Path, root: Path, target_dir: Path, name: str, result: IngestResult) -> None:
    """Move the staged vintage directory into its partition under the lock.

    The files are flushed to disk first, then the directory is renamed into place: readers see
    the whole vintage or none of it. The stage is normally on the same file system (under the
    landing root); otherwise it is copied next to its final place under a hidden name first.
    """
    for path in stage.iterdir():
        with path.open("rb") as handle:
            os.fsync(handle.fileno())
    root.mkdir(parents=True, exist_ok=True)
    with _locked(root):
        same = _same_content(target_dir, result.content_hash)
        if same:  # another process landed the same content meanwhile
            result.status, result.path = "unchanged", same
            return
        result.superseded = existing_vintages(target_dir)
        created = [parent for parent in (target_dir, *target_dir.parents) if not parent.exists()]
        target_dir.mkdir(parents=True, exist_ok=True)
        hidden = target_dir / f".{name}.partial"
        try:
            try:
                stage.rename(target_dir / name)
            except OSError as exc:
                if exc.errno != errno.EXDEV:
                    raise
                shutil.copytree(stage, hidden)
                for path in hidden.iterdir():
                    with path.open("rb") as handle:
                        os.fsync(handle.fileno())
                hidden.rename(target_dir / name)
            fsync_path(target_dir)
        except BaseException:
            shutil.rmtree(hidden, ignore_errors=True)
            for parent in created:
                with contextlib.suppress(OSError):
                    parent.rmdir()
            raise
    result.path = target_dir / name
    result.status = "revision" if result.superseded else "new"


def _make_readable(parts: Sequence[Part], workdir: Path, progress: bool) -> None:
    """UTF-8 parts are read in place; GBK parts through a transcoded copy in ``workdir``."""
    for part in parts:
        if part.encoding == "gbk":
            # keeps the part's own file name: the rows' source_file is the name DuckDB read
            part.readable_path = workdir / f"gbk-{part.index}" / part.path.name
            part.readable_path.parent.mkdir()
            transcode_to_utf8(part, part.readable_path, progress=progress)
        else:
            part.readable_path = part.path.resolve()
