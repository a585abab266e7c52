"""Reading GACC platform exports: encodings, the header, and which columns the query has.

A real export (stats.customs.gov.cn) is GB18030/GBK, every field double-quoted, every line ending
with a trailing comma (an empty last column). Its columns are those of the query, in the query's
order, in Chinese or in English; the last one is the amount, named after the currency. Older
hand-made files (13 columns, no quotes, no trailing comma, UTF-8 with or without BOM) read the
same way. GBK parts are transcoded to UTF-8 in streaming chunks (DuckDB reads only UTF-8 here).
"""

from __future__ import annotations

import codecs
import csv
import sys
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from tradewh.ingest_common import IngestError

# header (Chinese or English interface) -> internal column name
COLUMNS: dict[str, str] = {
    "数据年月": "data_month",
    "Date of data": "data_month",
    "商品编码": "hs_code",
    "Commodity code": "hs_code",
    "商品名称": "hs_name",
    "Commodity": "hs_name",
    "贸易伙伴编码": "gacc_partner_code",
    "Trading partner code": "gacc_partner_code",
    "贸易伙伴名称": "gacc_partner_name",
    "Trading partner": "gacc_partner_name",
    "贸易方式编码": "trade_mode_code",
    "Customs Regime code": "trade_mode_code",
    "贸易方式名称": "trade_mode_name",
    "Customs Regime": "trade_mode_name",
    "注册地编码": "registration_code",
    "Locations of importers and exporters code": "registration_code",
    "注册地名称": "registration_name",
    "Locations of importers and exporters": "registration_name",
    "第一数量": "quantity_1",
    "Quantity": "quantity_1",
    "第一计量单位": "unit_1",
    "Unit": "unit_1",
    "第二数量": "quantity_2",
    "Supplementary Quantity": "quantity_2",
    "第二计量单位": "unit_2",
    "Supplementary Unit": "unit_2",
}
# the amount column: its header names the currency
CURRENCY_COLUMNS: dict[str, str] = {"美元": "usd", "US dollar": "usd", "人民币": "cny"}
# a dimension of the query: its code column, and the name column that comes with it
DIMENSIONS: dict[str, tuple[str, str]] = {
    "commodity": ("hs_code", "hs_name"),
    "partner": ("gacc_partner_code", "gacc_partner_name"),
    "trade_mode": ("trade_mode_code", "trade_mode_name"),
    "region": ("registration_code", "registration_name"),
}
QUANTITY_COLUMNS = ("quantity_1", "unit_1", "quantity_2", "unit_2")
TEXT_COLUMNS = ["data_month", *(c for pair in DIMENSIONS.values() for c in pair), *QUANTITY_COLUMNS, "value"]
LABELS = {internal: label for label, internal in COLUMNS.items() if not label.isascii()} | {"value": "amount"}

CHUNK_BYTES = 4 * 1024 * 1024
HEADER_PROBE_BYTES = 64 * 1024
UTF8_BOM = codecs.BOM_UTF8


@dataclass
class Part:
    """One part file of a query, as inspected."""

    index: int
    path: Path
    encoding: str = "utf-8"  # 'utf-8', 'utf-8-sig' or 'gbk'
    header: list[str] = field(default_factory=list)
    trailing_comma: bool = False  # the header (so every line) ends with an empty column
    readable_path: Path | None = None  # the UTF-8 file DuckDB reads (the original, or a transcoded copy)
    rows: int = 0

    @property
    def name(self) -> str:
        return str(self.path)

    @property
    def fields(self) -> list[str]:
        """The header's columns without the trailing empty one."""
        return self.header[:-1] if self.trailing_comma else self.header


@dataclass
class Layout:
    """What the header says about the query: its columns (internal names), dimensions, currency."""

    names: list[str]  # one per column of the file, the trailing empty one as 'trailing'
    currency: str
    dimensions: list[str]  # in DIMENSIONS order
    by_month: bool
    has_quantities: bool
    english: bool
    headers: dict[str, str] = field(default_factory=dict)  # internal name -> the file's header

    def label(self, column: str) -> str:
        """How the file's header names an internal column (for messages)."""
        return self.headers.get(column, LABELS.get(column, column))


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
    nul = header_bytes.find(b"\x00")
    if nul >= 0:
        raise IngestError(f"{path}: line 1: NUL byte at byte {nul}: not a text file")
    if probe.startswith(UTF8_BOM):
        part.encoding = "utf-8-sig"
        header_text = _decode_or_refuse(header_bytes, "utf-8", path, offset=len(UTF8_BOM))
    else:
        try:
            header_text = header_bytes.decode("utf-8")
            # The English interface writes an ASCII header over GBK rows: then the rows decide.
            part.encoding = "utf-8" if not header_text.isascii() or _is_utf8(path) else "gbk"
        except UnicodeDecodeError:
            header_text = _decode_or_refuse(header_bytes, "gb18030", path, offset=0)
            part.encoding = "gbk"
    part.header = [column.strip() for column in next(csv.reader([header_text]))]
    part.trailing_comma = len(part.header) > 1 and part.header[-1] == ""
    return part


def _is_utf8(path: Path) -> bool:
    """True when the whole file decodes as UTF-8 (read in chunks)."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="strict")
    with path.open("rb") as source:
        try:
            while chunk := source.read(CHUNK_BYTES):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


def _decode_or_refuse(data: bytes, encoding: str, path: Path, offset: int) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        bad = data[exc.start : exc.start + 4].hex(" ")
        raise IngestError(
            f"{path}: line 1: undecodable bytes at byte {offset + exc.start} ({bad}): neither UTF-8 nor GBK"
        ) from None


def read_layout(part: Part) -> Layout:
    """The query's layout from one part's header; every fault of the header is listed."""
    problems: list[str] = []
    names: list[str] = []
    currencies: list[str] = []
    for position, column in enumerate(part.fields, start=1):
        if column in CURRENCY_COLUMNS:
            names.append("value")
            currencies.append(CURRENCY_COLUMNS[column])
        elif column in COLUMNS:
            names.append(COLUMNS[column])
        else:
            names.append(f"unknown_{position}")
            problems.append(
                f"{part.name}: line 1, column {position}: unknown column {column!r} (expected the platform's "
                f"columns, in Chinese or English: {', '.join(COLUMNS)}, and the amount: {', '.join(CURRENCY_COLUMNS)})"
            )
    for name in sorted({n for n in names if names.count(n) > 1 and n != "value"}):
        problems.append(f"{part.name}: line 1: duplicated column {part.fields[names.index(name)]!r}")
    if not currencies:
        problems.append(f"{part.name}: line 1: no amount column ({' / '.join(CURRENCY_COLUMNS)})")
    elif len(currencies) > 1:
        problems.append(f"{part.name}: line 1: more than one amount column; export one currency per query")
    elif names[-1] != "value":
        problems.append(f"{part.name}: line 1: the amount ({part.fields[names.index('value')]}) is not the last column")
    dimensions = [dim for dim, (code, _) in DIMENSIONS.items() if code in names]
    problems.extend(_dimension_problems(part, names, dimensions, problems))
    quantities = [c for c in QUANTITY_COLUMNS if c in names]
    if quantities and len(quantities) != len(QUANTITY_COLUMNS):
        missing = [c for c in QUANTITY_COLUMNS if c not in names]
        problems.append(f"{part.name}: line 1: missing column(s) {', '.join(LABELS[c] for c in missing)}")
    if problems:
        raise IngestError(problems)
    return Layout(
        names=[*names, "trailing_field"] if part.trailing_comma else names,
        currency=currencies[0],
        dimensions=dimensions,
        by_month="data_month" in names,
        has_quantities=bool(quantities),
        english=all(column.isascii() for column in part.fields),
        headers={name: header for name, header in zip(names, part.fields, strict=True)}
        | {"trailing_field": "(trailing)"},
    )


def _dimension_problems(part: Part, names: list[str], dimensions: list[str], earlier: list[str]) -> list[str]:
    problems = [
        f"{part.name}: line 1: column {part.fields[names.index(label)]!r} without its code column"
        for code, label in DIMENSIONS.values()
        if label in names and code not in names
    ]
    if not dimensions and not earlier and not problems:
        problems.append(f"{part.name}: line 1: no dimension column (commodity, partner, trade mode or region code)")
    return problems


def check_same_header(parts: list[Part]) -> None:
    """Every part of one query has the first part's header."""
    first = parts[0]
    problems = []
    for part in parts[1:]:
        if part.header != first.header:
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


def make_readable(parts: list[Part], workdir: Path, progress: bool) -> None:
    """UTF-8 parts are read in place (after a scan for NUL bytes); GBK parts through a UTF-8 copy."""
    for part in parts:
        if part.encoding == "gbk":
            # keeps the part's own file name: the rows' source_file is the name DuckDB read
            part.readable_path = workdir / f"gbk-{part.index}" / part.path.name
            part.readable_path.parent.mkdir()
            transcode_to_utf8(part, part.readable_path, progress=progress)
        else:
            _refuse_nul_bytes(part)
            part.readable_path = part.path.resolve()


def _refuse_nul_bytes(part: Part) -> None:
    consumed = lines_before = 0
    with part.path.open("rb") as source:
        while chunk := source.read(CHUNK_BYTES):
            _check_chunk_for_nul(part, chunk, consumed, lines_before)
            consumed += len(chunk)
            lines_before += chunk.count(b"\n")


def _check_chunk_for_nul(part: Part, chunk: bytes, consumed: int, lines_before: int) -> None:
    at = chunk.find(b"\x00")
    if at >= 0:
        line = lines_before + chunk[:at].count(b"\n") + 1
        raise IngestError(f"{part.name}: line {line}: NUL byte at byte {consumed + at}: a damaged download")


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
            _check_chunk_for_nul(part, chunk, consumed, lines_before)
            try:
                text = decoder.decode(chunk, final=final)
            except UnicodeDecodeError as exc:
                _refuse_undecodable(part, chunk, exc, consumed, lines_before, final=final)
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
    part: Part, chunk: bytes, exc: UnicodeDecodeError, consumed: int, lines_before: int, *, final: bool
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


def ends_inside_utf8_character(path: Path) -> bool:
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


def _progress_bar(total: int, label: str, enabled: bool) -> tqdm | None:
    if not enabled or total < 64 * 1024 * 1024:
        return None
    return tqdm(total=total, unit="B", unit_scale=True, desc=label, file=sys.stderr, leave=False)
