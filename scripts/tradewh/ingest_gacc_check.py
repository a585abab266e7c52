"""Checking a GACC query: one DuckDB pass stages it as Parquet, one pass counts its faults.

Faults are not refused while staging but left visible (a value that does not parse is null, an
unknown province or partner has a null code). ``check_staged`` counts them in one pass; only when
something is wrong are the CSVs read again, part by part with line numbers, to name every fault
(file, line, column, value).
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from tradewh.ingest_common import REFERENCE_DIR, IngestError, read_reference
from tradewh.ingest_gacc_read import DIMENSIONS, TEXT_COLUMNS, Layout, Part, ends_inside_utf8_character

FLOWS = ("export", "import", "total")
MONTH = r"(?P<{0}>(19|20)\d\d)-(?P<{1}>0[1-9]|1[0-2])"
PERIOD_PATTERN = re.compile(rf"^{MONTH.format('y1', 'm1')}(\.\.{MONTH.format('y2', 'm2')})?$")
YEAR_PATTERN = re.compile(r"^(19|20)\d\d$")
PART_ROW_LIMIT = 10_000  # the platform's largest download
# An amount: whole digits, or digits in groups of three with commas; at most two decimals.
AMOUNT_PATTERN = r"^([0-9]{1,3}(,[0-9]{3})+|[0-9]+)([.][0-9]{1,2})?$"
QUANTITY_PATTERN = r"^[0-9]+([.][0-9]+)?$"
# Larger than China's whole goods trade in any month so far (2024, the largest year: 43.85 trillion
# yuan, 6.16 trillion dollars, GACC's release of 13 January 2025; no month reached 4.5 trillion
# yuan or 0.65 trillion dollars): one row above it is a unit or parsing error.
MONTHLY_TRADE_CEILING = {"cny": 5_000_000_000_000, "usd": 750_000_000_000}
MAX_LISTED = 20  # faults of one kind listed in full before "... and N more"
LINE_IN_DUCKDB_ERROR = re.compile(r"CSV Error on Line: (\d+)")
HS_LENGTHS = (2, 4, 6, 8)


@dataclass(frozen=True)
class CodeLookup:
    """A coded dimension checked against its reference seed: ``column`` of the rows must be a key of
    the ``lookup`` table (loaded from ``where_listed``, under the same column name)."""

    dimension: str
    column: str
    lookup: str
    reason: str
    where_listed: str


CODE_LOOKUPS = (
    CodeLookup(
        "partner",
        "gacc_partner_code",
        "lookup_partner",
        "unknown partner code",
        "seeds/reference/ref_gacc_partners.csv",
    ),
    CodeLookup(
        "region",
        "registration_code",
        "lookup_region",
        "unknown province code",
        "seeds/reference/ref_regions.csv (2-digit codes such as '65')",
    ),
)


@dataclass
class Period:
    """The months of a query: one month, or a cumulative range within one year."""

    year: int
    month_from: int
    month_to: int

    @property
    def label(self) -> str:
        first = f"{self.year}-{self.month_from:02d}"
        return first if self.month_from == self.month_to else f"{first}..{self.year}-{self.month_to:02d}"


def parse_period(text: str | None) -> Period | None:
    """'2026-03' -> one month; '2026-01..2026-03' -> the cumulative range; 'YYYY' -> Jan..Dec."""
    if text is None:
        return None
    if YEAR_PATTERN.match(text):
        return Period(int(text), 1, 12)
    match = PERIOD_PATTERN.match(text)
    if not match:
        raise IngestError(f"--period {text!r}: expected YYYY-MM (one month) or YYYY-MM..YYYY-MM (a cumulative range)")
    year, first = int(match["y1"]), int(match["m1"])
    if match["y2"] is None:
        return Period(year, first, first)
    if int(match["y2"]) != year or int(match["m2"]) < first:
        raise IngestError(f"--period {text!r}: a cumulative range runs forward within one year (as on the platform)")
    return Period(year, first, int(match["m2"]))


@dataclass
class QuerySpec:
    """What the user says about a query at ingest (the platform does not write it in the file)."""

    flow: str
    period: Period | None  # None: the file has 数据年月
    complete: list[str] = field(default_factory=list)  # dimensions the query covers completely
    allow_full_parts: bool = False


@dataclass
class Lookups:
    """Reference lookups: province codes, partner codes (-> ISO3), trade modes, FX months."""

    regions: dict[str, str]  # customs registration code -> region code
    partners: dict[str, str]  # platform partner code -> ISO3 ('' when none)
    trade_modes: set[str]
    fx_months: set[tuple[int, int]]


def load_lookups(reference_dir: Path = REFERENCE_DIR) -> Lookups:
    region_rows = [r for r in read_reference("ref_regions", reference_dir) if r["customs_registration_code"]]
    fx = read_reference("ref_fx_monthly", reference_dir)
    return Lookups(
        regions=_mapping(region_rows, "customs_registration_code", "region_code", "ref_regions"),
        partners=_mapping(
            read_reference("ref_gacc_partners", reference_dir), "gacc_partner_code", "partner_iso3", "ref_gacc_partners"
        ),
        trade_modes={r["trade_mode_code"] for r in read_reference("ref_trade_modes", reference_dir)},
        fx_months={(int(r["year"]), int(r["month"])) for r in fx},
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


def _sql_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def install_lookups(con: duckdb.DuckDBPyConnection, lookups: Lookups) -> None:
    """Temporary tables ``lookup_region``, ``lookup_partner`` and ``lookup_fx`` (keys unique)."""
    tables = (
        ("lookup_region", "registration_code", "region_code", lookups.regions),
        ("lookup_partner", "gacc_partner_code", "partner_iso3", lookups.partners),
        ("lookup_fx", "fx_month", "known", {f"{y}{m:02d}": "1" for y, m in lookups.fx_months}),
    )
    for table, key, value, pairs in tables:
        rows = ", ".join(f"({_sql_literal(k)}, {_sql_literal(v)})" for k, v in pairs.items())
        source = (
            f"(values {rows}) as t({key}, {value})"
            if rows
            else f"(select ''::varchar as {key}, ''::varchar as {value} limit 0)"
        )
        con.execute(f"create or replace temp table {table} as select * from {source}")


def read_csv_sql(parts: Sequence[Part], layout: Layout) -> str:
    """The parts as trimmed text columns named as in TEXT_COLUMNS ('' for a column the query lacks)."""
    columns = "{" + ", ".join(f"'{name}': 'VARCHAR'" for name in layout.names) + "}"
    select = ", ".join(
        f"coalesce(trim({name}), '') as {name}" if name in layout.names else f"'' as {name}" for name in TEXT_COLUMNS
    )
    trailing = (
        "coalesce(trailing_field, '') as trailing_field" if "trailing_field" in layout.names else "'' as trailing_field"
    )
    paths = "[" + ", ".join(_sql_literal(str(part.readable_path)) for part in parts) + "]"
    return f"""
        select {select}, {trailing}, filename
        from read_csv(
            {paths}, header = true, auto_detect = false, filename = true,
            columns = {columns}, delim = ',', quote = '"', escape = '"', strict_mode = true,
            null_padding = false
        )
    """


def _hs_code_sql() -> str:
    """A leading zero lost by a spreadsheet is restored (odd lengths only)."""
    return (
        "case when length(hs_code) % 2 = 1 and regexp_full_match(hs_code, '[0-9]+') then '0' || hs_code "
        "else hs_code end"
    )


def stage_query(
    con: duckdb.DuckDBPyConnection, parts: Sequence[Part], layout: Layout, spec: QuerySpec, target: Path
) -> None:
    """One streaming pass over all parts: CSV -> normalised Parquet (faults left visible)."""
    period = spec.period
    if layout.by_month:
        year_sql = "try_cast(left(data_month, 4) as integer)"
        month_sql = "try_cast(substr(data_month, 5, 2) as integer)"
        month_from_sql, kind_sql = month_sql, "'month'"
    else:
        assert period is not None
        year_sql, month_sql, month_from_sql = str(period.year), str(period.month_to), str(period.month_from)
        kind_sql = _sql_literal("month" if period.month_from == period.month_to else "range")
    has_region = "region" in layout.dimensions
    region_sql = "lookup_region.region_code" if has_region else "'000000'"
    dimensions = ",".join(layout.dimensions)
    complete = ",".join(d for d in DIMENSIONS if d in spec.complete)
    amount = f"case when regexp_full_match(value, '{AMOUNT_PATTERN}') then replace(value, ',', '') end"
    sql = f"""
        copy (
            select
                {_sql_literal(spec.flow)} as flow,
                {kind_sql} as period_kind,
                {year_sql} as year,
                {month_sql} as month,
                {month_from_sql} as month_from,
                {_sql_literal(layout.currency)} as currency,
                {_sql_literal(dimensions)} as dimensions,
                {_sql_literal(complete)} as complete_dimensions,
                {region_sql} as region_code,
                nullif(rows.registration_code, '') as customs_registration_code,
                nullif(registration_name, '') as registration_name,
                nullif({_hs_code_sql()}, '') as hs_code,
                nullif(hs_name, '') as hs_name,
                nullif(rows.gacc_partner_code, '') as gacc_partner_code,
                nullif(gacc_partner_name, '') as gacc_partner_name,
                nullif(lookup_partner.partner_iso3, '') as partner_iso3,
                lookup_partner.gacc_partner_code is not null as is_partner_known,
                nullif(trade_mode_code, '') as trade_mode_code,
                nullif(trade_mode_name, '') as trade_mode_name,
                case when regexp_full_match(quantity_1, '{QUANTITY_PATTERN}') then cast(quantity_1 as double) end
                    as quantity_1,
                nullif(nullif(unit_1, ''), '?') as unit_1,
                case when regexp_full_match(quantity_2, '{QUANTITY_PATTERN}') then cast(quantity_2 as double) end
                    as quantity_2,
                nullif(nullif(unit_2, ''), '?') as unit_2,
                try_cast({amount} as decimal(18, 2)) as value,
                data_month,
                trailing_field,
                quantity_1 as quantity_1_text,
                quantity_2 as quantity_2_text,
                parse_filename(filename) as source_file
            from ({read_csv_sql(parts, layout)}) as rows
            left join lookup_region on rows.registration_code = lookup_region.registration_code
            left join lookup_partner on rows.gacc_partner_code = lookup_partner.gacc_partner_code
        ) to '{str(target).replace("'", "''")}' (format parquet, compression snappy)
    """
    try:
        con.execute(sql)
    except duckdb.Error as exc:
        raise _locate_csv_error(parts, layout, exc) from None


# the landing file's columns (the staged file less the text kept only for checking)
CHECK_ONLY_COLUMNS = ("data_month", "trailing_field", "quantity_1_text", "quantity_2_text", "is_partner_known")
CONTENT_COLUMNS = (
    "flow, period_kind, year, month, month_from, currency, dimensions, region_code, hs_code, hs_name, "
    "gacc_partner_code, gacc_partner_name, partner_iso3, trade_mode_code, trade_mode_name, "
    "quantity_1, unit_1, quantity_2, unit_2, value"
)


@dataclass
class Checked:
    """What the fast pass found in a query that passed every check."""

    content_hash: str
    rows: int
    region_codes: list[str]
    value_total: float
    months: list[str]  # 'YYYY-MM' of the rows (the range's last month for a cumulative query)
    hs_length: int | None
    warnings: list[str]


def _fault_sql(layout: Layout) -> dict[str, str]:
    """Each kind of fault as a predicate on a staged row."""
    ceiling = MONTHLY_TRADE_CEILING[layout.currency]
    faults = {
        "value": "value is null",
        "too_large": f"value > {ceiling} * (month - month_from + 1)",
        "trailing_field": "trailing_field <> ''",
        "quantity": (
            "(quantity_1_text <> '' and quantity_1 is null) or (quantity_2_text <> '' and quantity_2 is null)"
        ),
        "month": "year is null or month is null or not exists (select 1 from lookup_fx where fx_month = "
        "cast(year as varchar) || lpad(cast(month_from as varchar), 2, '0')) or not exists (select 1 from "
        "lookup_fx where fx_month = cast(year as varchar) || lpad(cast(month as varchar), 2, '0'))",
    }
    if layout.by_month:
        faults["data_month"] = "not regexp_full_match(data_month, '(19|20)[0-9]{2}(0[1-9]|1[0-2])')"
    if "commodity" in layout.dimensions:
        faults["hs"] = "hs_code is null or not regexp_full_match(hs_code, '[0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{8}')"
    if "partner" in layout.dimensions:
        faults["partner"] = "not is_partner_known"
    if "region" in layout.dimensions:
        faults["region"] = "region_code is null"
    if "trade_mode" in layout.dimensions:
        faults["trade_mode"] = "trade_mode_code is null"
    return faults


def check_staged(
    con: duckdb.DuckDBPyConnection,
    staged: Path,
    *,
    parts: Sequence[Part],
    layout: Layout,
    spec: QuerySpec,
    lookups: Lookups,
) -> Checked:
    """One pass over the staged Parquet; on any fault, every fault is located and refused."""
    source = f"read_parquet({_sql_literal(str(staged))})"
    faults = _fault_sql(layout)
    fault_counts = ", ".join(f"count(*) filter (where {sql}) as {name}" for name, sql in faults.items())
    row = con.execute(
        f"""
        select
            {fault_counts},
            count(*) as row_count,
            count(distinct hash(year, month, hs_code, gacc_partner_code, trade_mode_code, customs_registration_code))
                as keys,
            count(distinct length(hs_code)) as hs_lengths,
            min(length(hs_code)) as hs_length,
            cast(bit_xor(hash({CONTENT_COLUMNS})) as varchar) as digest,
            list(distinct region_code order by region_code) filter (where region_code is not null),
            cast(sum(value) as double),
            list(distinct cast(year as varchar) || '-' || lpad(cast(month as varchar), 2, '0'))
                filter (where year is not null and month is not null),
            list(distinct trade_mode_code) filter (where trade_mode_code is not null) as modes,
            histogram(source_file) as rows_per_file
        from {source}
        """
    ).fetchone()
    counts = dict(zip(faults, row[: len(faults)], strict=True))
    rows, keys, hs_lengths, hs_length, digest, regions, total, months, modes, per_file = row[len(faults) :]
    for part in parts:
        part.rows = (per_file or {}).get(part.path.name, 0)
    full_parts = [part for part in parts if part.rows == PART_ROW_LIMIT]
    if any(counts.values()) or keys != rows or (hs_lengths or 0) > 1:
        with slow_path_connection() as slow:
            install_lookups(slow, lookups)
            refuse_with_details(slow, parts, layout, spec)
    for part in parts:
        if part.rows == 0:
            raise IngestError(f"{part.name}: empty file: a header but no data rows")
    if full_parts and not spec.allow_full_parts:
        raise IngestError(
            [
                f"{part.name}: exactly {PART_ROW_LIMIT:,} data rows, the platform's largest download: "
                "almost certainly cut off"
                for part in full_parts
            ],
            hint="Split the query into smaller parts (by partner or trade-mode lists), or give --allow-full-parts "
            "if the part really is complete.",
        )
    content = hashlib.sha256(f"gacc-v3|{rows}|{digest}".encode()).hexdigest()[:32]
    unknown_modes = sorted(set(modes or []) - lookups.trade_modes)
    warnings = [
        f"trade mode {code} is not one of the platform's statistical codes (seeds/reference/ref_trade_modes.csv): "
        "kept with the name from the file"
        for code in unknown_modes
    ]
    return Checked(
        content_hash=content,
        rows=rows,
        region_codes=regions or [],
        value_total=total or 0.0,
        months=sorted(months or []),
        hs_length=hs_length,
        warnings=warnings,
    )


def landing_select(staged: Path, period: str) -> str:
    """The landing file's rows: the partition's period, and the staged columns not kept only for checking.

    The period is a stored column (not only in the path) so that a build refreshing some periods
    skips the other files by their Parquet statistics.
    """
    columns = f"{_sql_literal(period)} as period, * exclude ({', '.join(CHECK_ONLY_COLUMNS)})"
    return f"select {columns} from read_parquet({_sql_literal(str(staged))})"


# ---------------------------------------------------------------------------------------------
# the slow path: something is wrong, say exactly where
# ---------------------------------------------------------------------------------------------


@contextlib.contextmanager
def slow_path_connection() -> Iterator[duckdb.DuckDBPyConnection]:
    """A private one-thread DuckDB database, rows inserted in file order (only after a failure)."""
    workdir = Path(tempfile.mkdtemp(prefix="tradewh-ingest-slow-"))
    con = duckdb.connect(":memory:")
    try:
        con.execute(f"set temp_directory = '{workdir}'")
        con.execute("set threads = 1")
        con.execute("set preserve_insertion_order = true")
        yield con
    finally:
        con.close()
        shutil.rmtree(workdir, ignore_errors=True)


def _locate_csv_error(parts: Sequence[Part], layout: Layout, exc: duckdb.Error) -> IngestError:
    """Which part made read_csv fail: read them one by one (only after a failure)."""
    with slow_path_connection() as con:
        for part in parts:
            try:
                con.execute(f"create or replace temp table probe as select * from ({read_csv_sql([part], layout)})")
            except duckdb.Error as part_exc:
                return _csv_error(part, part_exc)
    return IngestError(f"{', '.join(p.name for p in parts)}: cannot be read as CSV: {str(exc).splitlines()[0]}")


def _csv_error(part: Part, exc: duckdb.Error) -> IngestError:
    message = str(exc)
    match = LINE_IN_DUCKDB_ERROR.search(message)
    where = f"line {match.group(1)}" if match else "somewhere"
    if part.encoding != "gbk" and ends_inside_utf8_character(part.path):
        return IngestError(f"{part.name}: {where}: truncated: the file ends inside a multi-byte character")
    if "Invalid unicode" in message:
        return IngestError(f"{part.name}: {where}: undecodable bytes: not valid UTF-8 (the header line was UTF-8)")
    if "Expected Number of Columns" in message:
        detail = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", message)
        if detail and part.trailing_comma and int(detail.group(2)) == int(detail.group(1)) - 1:
            return IngestError(
                f"{part.name}: {where}: no trailing comma where every other line has one: truncated or damaged line"
            )
        counts = f" ({detail.group(2)} columns where the header has {detail.group(1)})" if detail else ""
        return IngestError(f"{part.name}: {where}: truncated or malformed row{counts}")
    if "quote" in message.lower():
        return IngestError(f"{part.name}: {where}: truncated or malformed row (unterminated quoted value)")
    first_line = message.splitlines()[0] if message else repr(exc)
    return IngestError(f"{part.name}: {where}: cannot be read as CSV: {first_line}")


def _load_for_messages(con: duckdb.DuckDBPyConnection, parts: Sequence[Part], layout: Layout) -> None:
    """Table ``located_rows``: every row as trimmed text with its file and line."""
    con.execute("create table part_files (file_index integer, first_rowid bigint)")
    con.execute(
        "create table raw_rows (file_index integer, "
        + ", ".join(f"{c} varchar" for c in [*TEXT_COLUMNS, "trailing_field"])
        + ")"
    )
    for part in parts:
        before = con.execute("select count(*) from raw_rows").fetchone()[0]
        con.execute(
            f"insert into raw_rows select {part.index}, * exclude (filename) from ({read_csv_sql([part], layout)})"
        )
        con.execute("insert into part_files values (?, ?)", [part.index, before])
    # rowid follows insertion order (preserve_insertion_order), so a row's line is rowid - first + 2
    con.execute(
        f"""
        create table located_rows as
        select r.rowid - f.first_rowid + 2 as line_no, r.* replace ({_hs_code_sql()} as hs_code)
        from raw_rows as r inner join part_files as f on r.file_index = f.file_index
        """
    )


def refuse_with_details(con: duckdb.DuckDBPyConnection, parts: Sequence[Part], layout: Layout, spec: QuerySpec) -> None:
    """Locate every fault (only when something is wrong) and raise IngestError."""
    _load_for_messages(con, parts, layout)
    names = {part.index: part.name for part in parts}
    problems: list[str] = []

    def located(where_sql: str, column: str, reason: str) -> None:
        rows = con.execute(
            f"""
            select file_index, line_no, {column}, count(*) over () as n
            from located_rows where {where_sql}
            order by file_index, line_no limit {MAX_LISTED}
            """
        ).fetchall()
        label = layout.label(column)
        for file_index, line_no, value, _ in rows:
            problems.append(f"{names[file_index]}: line {line_no}, column {label}: {reason} {value!r}")
        if rows and rows[0][3] > len(rows):
            problems.append(f"... and {rows[0][3] - len(rows)} more rows with {reason.rstrip(':')} in {label}")

    amount_ok = f"regexp_full_match(value, '{AMOUNT_PATTERN}')"
    located("value = ''", "value", "empty amount:")
    located("value like '-%'", "value", "negative amount:")
    located(
        "lower(value) in ('nan', '+nan', '-nan', 'inf', '+inf', '-inf', 'infinity', '-infinity')",
        "value",
        "not a finite number:",
    )
    located("value like '%\\_%' escape '\\'", "value", "underscores are not digit separators here:")
    located(
        f"not {amount_ok} and regexp_full_match(replace(value, ',', ''), '[0-9]+[.][0-9]{{3,}}')",
        "value",
        "more than two decimals:",
    )
    located(
        f"value <> '' and value not like '-%' and value not like '%\\_%' escape '\\' and not {amount_ok} "
        "and not regexp_full_match(replace(value, ',', ''), '[0-9]+[.][0-9]{3,}') "
        "and lower(value) not in ('nan', '+nan', '-nan', 'inf', '+inf', '-inf', 'infinity', '-infinity')",
        "value",
        "not an amount (digits, thousands separators ',' and at most two decimals):",
    )
    ceiling = MONTHLY_TRADE_CEILING[layout.currency]
    months = 1 if spec.period is None else spec.period.month_to - spec.period.month_from + 1
    located(
        f"{amount_ok} and cast(replace(value, ',', '') as decimal(38, 2)) > {ceiling * months}",
        "value",
        f"larger than China's whole trade in {months} month(s) ({ceiling * months:,} {layout.currency.upper()}):",
    )
    for column in ("quantity_1", "quantity_2"):
        located(
            f"{column} <> '' and not regexp_full_match({column}, '{QUANTITY_PATTERN}')",
            column,
            "not a non-negative number:",
        )
    located(
        "trailing_field <> ''", "trailing_field", "a value after the last column (expected the empty trailing column):"
    )
    if layout.by_month:
        located(
            "not regexp_full_match(data_month, '(19|20)[0-9]{2}(0[1-9]|1[0-2])')", "data_month", "not a month YYYYMM:"
        )
    _month_problems(con, names, layout, problems)
    if "commodity" in layout.dimensions:
        located("not regexp_full_match(hs_code, '[0-9]+')", "hs_code", "not an HS code (digits only):")
        _hs_length_problems(con, names, problems)
    for code_lookup in CODE_LOOKUPS:
        if code_lookup.dimension in layout.dimensions:
            _unknown_code_problems(con, names, layout, problems, code_lookup)
    if "trade_mode" in layout.dimensions:
        located("trade_mode_code = ''", "trade_mode_code", "empty trade mode code:")
    problems.extend(_duplicate_problems(con, names, layout))
    raise IngestError(problems or ["rows failed a check that could not be located (please report)"])


def _month_problems(con: duckdb.DuckDBPyConnection, names: dict[int, str], layout: Layout, problems: list[str]) -> None:
    if not layout.by_month:
        return
    rows = con.execute(
        """
        select data_month, first(file_index order by file_index, line_no), first(line_no order by file_index, line_no),
            count(*)
        from located_rows
        where regexp_full_match(data_month, '(19|20)[0-9]{2}(0[1-9]|1[0-2])')
            and data_month not in (select fx_month from lookup_fx)
        group by 1 order by 1
        """
    ).fetchall()
    problems.extend(
        f"{names[f]}: line {line}, column {layout.label('data_month')}: month {month!r} ({n} rows) is not in "
        "seeds/reference/ref_fx_monthly.csv: add the month's exchange rate first"
        for month, f, line, n in rows
    )


def _hs_length_problems(con: duckdb.DuckDBPyConnection, names: dict[int, str], problems: list[str]) -> None:
    first = con.execute(
        "select length(hs_code), file_index, line_no from located_rows where regexp_full_match(hs_code, '[0-9]+') "
        "order by file_index, line_no limit 1"
    ).fetchone()
    if first is None:
        return
    expected, first_file, first_line = first
    where = f"{names[first_file]}: line {first_line}"
    if expected not in HS_LENGTHS:
        problems.append(f"{where}, column 商品编码: HS codes of {expected} digits: the platform gives 2, 4, 6 or 8")
        return
    rows = con.execute(
        f"""
        select file_index, line_no, hs_code, count(*) over ()
        from located_rows where regexp_full_match(hs_code, '[0-9]+') and length(hs_code) <> {expected}
        order by file_index, line_no limit {MAX_LISTED}
        """
    ).fetchall()
    problems.extend(
        f"{names[f]}: line {line}, column 商品编码: HS code {code!r} has {len(code)} digits where the query's "
        f"codes have {expected} ({where})"
        for f, line, code, _ in rows
    )


def _unknown_code_problems(
    con: duckdb.DuckDBPyConnection, names: dict[int, str], layout: Layout, problems: list[str], code_lookup: CodeLookup
) -> None:
    column, lookup = code_lookup.column, code_lookup.lookup
    rows = con.execute(
        f"""
        select {column}, first(file_index order by file_index, line_no), first(line_no order by file_index, line_no),
            count(*)
        from located_rows where {column} not in (select {column} from {lookup}) group by 1 order by 1
        """
    ).fetchall()
    problems.extend(
        f"{names[f]}: line {line}, column {layout.label(column)}: {code_lookup.reason} {code!r} "
        f"({n} rows; see {code_lookup.where_listed})"
        for code, f, line, n in rows
    )


def _duplicate_problems(con: duckdb.DuckDBPyConnection, names: dict[int, str], layout: Layout) -> list[str]:
    keys = ["data_month", *(DIMENSIONS[d][0] for d in layout.dimensions)]
    key_list = ", ".join(keys)
    duplicates = con.execute(
        f"""
        select {key_list},
            list(file_index order by file_index, line_no), list(line_no order by file_index, line_no),
            count(*) over () as n
        from located_rows
        group by {key_list}
        having count(*) > 1
        order by min(file_index), min(line_no) limit {MAX_LISTED}
        """
    ).fetchall()
    problems = []
    for row in duplicates:
        values, files, lines, _ = row[: len(keys)], row[len(keys)], row[len(keys) + 1], row[-1]
        described = ", ".join(f"{layout.label(k)} {v}" for k, v in zip(keys, values, strict=True) if v != "")
        at = ", ".join(f"{names[f]}: line {line}" for f, line in zip(files, lines, strict=True))
        problems.append(f"duplicated row ({described}) at {at}")
    if duplicates and duplicates[0][-1] > len(duplicates):
        problems.append(f"... and {duplicates[0][-1] - len(duplicates)} more duplicated keys")
    return problems
