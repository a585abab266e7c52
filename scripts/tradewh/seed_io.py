"""Append rows to a CSV seed without changing how the file is written.

A seed's bytes are its own: its line endings (CRLF or LF), its encoding (UTF-8, with or without
a byte-order mark) and the way it quotes fields. Rows appended here are written the same way, so
the file stays one consistent CSV that DuckDB's sniffer and dbt's seed loader read (a CRLF file
with LF rows appended is refused by the sniffer). The whole file is rewritten to a temporary file
beside it and renamed into place under an exclusive lock on its folder (``tradewh.locking``): a
reader never sees half a row, and a failure leaves the seed byte-for-byte as it was.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from tradewh import fsync_path
from tradewh.locking import locked

BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class SeedFormat:
    """How a seed file is written: line terminator, byte-order mark, whether every field is quoted."""

    newline: str
    has_bom: bool
    quote_all: bool


@dataclass(frozen=True)
class Seed:
    """A seed as read: its header, its rows as text, its format and its raw bytes."""

    path: Path
    header: list[str]
    rows: list[dict[str, str]]
    format: SeedFormat
    raw: bytes


def detect_format(raw: bytes) -> SeedFormat:
    """The format of a seed's bytes; the first line decides the line terminator."""
    has_bom = raw.startswith(BOM)
    text = raw[len(BOM) :] if has_bom else raw
    first_newline = text.find(b"\n")
    newline = "\r\n" if first_newline > 0 and text[first_newline - 1 : first_newline] == b"\r" else "\n"
    first_line = text[: first_newline if first_newline >= 0 else len(text)].rstrip(b"\r")
    fields = first_line.split(b",")
    quote_all = bool(fields) and all(len(f) >= 2 and f.startswith(b'"') and f.endswith(b'"') for f in fields)
    return SeedFormat(newline=newline, has_bom=has_bom, quote_all=quote_all)


def read_seed(path: Path) -> Seed:
    """Read ``path`` (UTF-8, optional BOM) as a seed."""
    raw = path.read_bytes()
    seed_format = detect_format(raw)
    text = raw.decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows = list(reader)
    return Seed(path=path, header=list(reader.fieldnames or []), rows=rows, format=seed_format, raw=raw)


def format_rows(rows: Sequence[Mapping[str, str]], header: Sequence[str], seed_format: SeedFormat) -> bytes:
    """``rows`` as CSV bytes in ``seed_format`` (no header)."""
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(
        buffer,
        fieldnames=list(header),
        lineterminator=seed_format.newline,
        quoting=csv.QUOTE_ALL if seed_format.quote_all else csv.QUOTE_MINIMAL,
    )
    for row in rows:
        writer.writerow({column: row.get(column, "") for column in header})
    return buffer.getvalue().encode("utf-8")


def replace_atomically(path: Path, content: bytes) -> None:
    """Write ``content`` to a temporary file beside ``path``, flush it to disk, rename it into place."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(content)
        fsync_path(tmp)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def appended_bytes(seed: Seed, rows: Sequence[Mapping[str, str]]) -> bytes:
    """The seed's bytes with ``rows`` appended in its own format (a missing final newline is added)."""
    newline = seed.format.newline.encode()
    separator = b"" if not seed.raw or seed.raw.endswith(b"\n") else newline
    return seed.raw + separator + format_rows(rows, seed.header, seed.format)


def append_rows(path: Path, rows: Sequence[Mapping[str, str]]) -> None:
    """Append ``rows`` (dictionaries keyed by the seed's header) to the seed at ``path``, atomically."""
    with locked(path.parent):
        replace_atomically(path, appended_bytes(read_seed(path), rows))
