"""Ingest GACC online query platform exports (stats.customs.gov.cn) into the landing zone.

One call ingests one *query*: its part files (one download holds at most 10,000 rows), the flow,
the period and the currency chosen on the platform (they are not written in the files).

Steps, all outside the landing zone until the very end:

1. Inspect every part: size, encoding of the header line (UTF-8 with or without BOM, else GBK,
   read as its superset GB18030), header columns, currency column (美元 or 人民币), and compare
   the parts' headers.
2. GBK parts are transcoded to UTF-8 in streaming chunks into a private temporary directory
   (DuckDB reads only UTF-8, UTF-16 and Latin-1 without the ``encodings`` extension, which
   cannot be installed offline).
3. One streaming DuckDB pass over all parts of the query (one ``read_csv`` of the list of
   files), CSV -> one Parquet file in a staging directory: province to GB/T 2260 code and
   partner name to ISO3 (lookups as SQL maps), HS code as text with leading zeros, values as
   decimals, the part's file name and encoding. Faults stay visible (null codes, null values,
   NaN quantities).
4. One pass over the staged Parquet counts every kind of fault and computes the content hash
   (independent of file names, part order, encoding and BOM). Only when something is wrong are
   the CSVs read again, part by part with line numbers, to name every fault: file, line,
   column and value.
5. A vintage is a directory ``<landing>/gacc/flow=<flow>/period=<period>/currency=<currency>/
   <ingested_at>_<hash>/`` holding ``rows.parquet`` and a ``_vintage.json`` manifest (parts,
   encodings, row counts).
   It is copied next to its final place under a hidden name and renamed into place (atomic on
   one file system), under an exclusive lock on the landing root.

Same content again -> nothing is written. Different content for the same flow, period, currency
and province -> a new vintage beside the old one; the dbt models publish the latest
``ingested_at`` per flow, period, currency and province and keep the others queryable.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as dt
import fcntl
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
from tqdm import tqdm

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
    """Reference lookups as SQL expressions (no joins, so the CSV's row order survives)."""

    region_lookup: str
    partner_map: str
    trade_modes: set[str]


def _sql_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def load_lookups(reference_dir: Path) -> Lookups:
    regions = [r for r in read_reference("ref_regions", reference_dir) if r["customs_registration_code"]]
    region_entries = ", ".join(
        f"{_sql_literal(r['customs_registration_code'])}: {_sql_literal(r['region_code'])}" for r in regions
    )
    partners = read_reference(PARTNER_CROSSWALK, reference_dir)
    entries = ", ".join(f"{_sql_literal(r['gacc_name'])}: {_sql_literal(r['iso3'])}" for r in partners)
    modes = {r["trade_mode_code"] for r in read_reference("ref_trade_modes", reference_dir)}
    return Lookups(
        region_lookup=f"element_at(map {{{region_entries}}}, registration_code)[1]",
        partner_map=f"map {{{entries}}}",
        trade_modes=modes,
    )


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
    number is NaN.
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
                {lookups.region_lookup} as region_code,
                registration_code as customs_registration_code,
                registration_name,
                case
                    when length(hs_code) % 2 = 1 and regexp_full_match(hs_code, '[0-9]+') then '0' || hs_code
                    else hs_code
                end as hs_code,
                hs_name,
                gacc_partner_code,
                gacc_partner_name,
                element_at({lookups.partner_map}, gacc_partner_name)[1] as partner_iso3,
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
            from ({_read_csv_sql(parts)})
        ) to '{_sql_text(str(target))}' (format parquet, compression snappy)
    """
    try:
        con.execute(sql)
    except duckdb.Error as exc:
        raise _locate_csv_error(con, parts, exc) from None


def _locate_csv_error(con: duckdb.DuckDBPyConnection, parts: Sequence[Part], exc: duckdb.Error) -> IngestError:
    """Which part made read_csv fail: read them one by one (only after a failure)."""
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
        _refuse_with_details(con, parts, lookups)
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
    """Validate the parts of one query and land them as one vintage; see the module docstring."""
    if flow not in FLOWS:
        raise IngestError(f"--flow {flow!r}: expected one of {', '.join(FLOWS)}")
    if currency not in CURRENCIES:
        raise IngestError(f"--currency {currency!r}: expected one of {', '.join(CURRENCIES)}")
    parse_period(period)
    if not files:
        raise IngestError("no files given")
    paths = [Path(file) for file in files]
    if len({path.resolve() for path in paths}) != len(paths):
        raise IngestError("the same file is given twice: " + ", ".join(map(str, paths)))
    if len({path.name for path in paths}) != len(paths):
        raise IngestError("two parts have the same file name: " + ", ".join(map(str, paths)))
    root_path = landing_root(root)
    parts = [inspect_part(index, path) for index, path in enumerate(paths)]
    check_headers(parts, currency)
    target_dir = partition_dir(root_path, flow, period, currency)
    lookups = load_lookups(reference_dir)
    query = {"flow": flow, "period": period, "currency": currency}

    with _workspace(tmp_dir) as workdir:
        _make_readable(parts, workdir, progress)
        stage = workdir / "vintage"
        stage.mkdir()
        con = _connect(workdir, memory_limit, threads)
        try:
            staged = [stage / "rows.parquet"]
            stage_query(con, parts, query, lookups, staged[0])
            digest, rows, regions, total, warnings = check_staged(con, staged, parts, lookups)
        finally:
            con.close()
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
        same = _same_content(target_dir, digest) or _same_as_latest(staged, target_dir, workdir)
        if same:
            result.status, result.path = "unchanged", same
            return result
        if dry_run:
            return result
        ingested_at = (now or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc)
        _write_manifest(stage, result, parts, ingested_at)
        _land(stage, root_path, target_dir, f"{ingested_at:%Y%m%dT%H%M%S%fZ}_{digest}", result)
        return result


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

    The directory is first copied next to its final place under a hidden name (same file
    system), then renamed: readers see the whole vintage or none of it.
    """
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
            shutil.copytree(stage, hidden)
            for path in hidden.iterdir():
                with path.open("rb") as handle:
                    os.fsync(handle.fileno())
            hidden.rename(target_dir / name)
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
