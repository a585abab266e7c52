"""tradewh.seed_io writes appended rows the way the seed is written, for any seed."""

from __future__ import annotations

from pathlib import Path

import pytest

from tradewh import PROJECT_ROOT
from tradewh.seed_io import BOM, append_rows, detect_format, read_seed

ROW = {"alias": "Harbin, Heilongjiang", "region_code": "230000"}  # a comma: quoted


@pytest.mark.parametrize(
    ("original", "appended"),
    [
        (b"alias,region_code\r\nXinjiang,650000\r\n", b'"Harbin, Heilongjiang",230000\r\n'),
        (b"alias,region_code\nXinjiang,650000\n", b'"Harbin, Heilongjiang",230000\n'),
        (BOM + b"alias,region_code\r\nXinjiang,650000\r\n", b'"Harbin, Heilongjiang",230000\r\n'),
        (b'"alias","region_code"\n"Xinjiang","650000"\n', b'"Harbin, Heilongjiang","230000"\n'),
        (b"alias,region_code\r\nXinjiang,650000", b'\r\n"Harbin, Heilongjiang",230000\r\n'),
    ],
    ids=["crlf", "lf", "bom", "quote-all", "no-final-newline"],
)
def test_appended_rows_follow_the_seed_s_format(tmp_path: Path, original: bytes, appended: bytes) -> None:
    seed = tmp_path / "seed.csv"
    seed.write_bytes(original)
    append_rows(seed, [ROW])
    assert seed.read_bytes() == original + appended
    assert read_seed(seed).rows[-1] == ROW


def test_every_real_seed_round_trips_byte_for_byte(tmp_path: Path) -> None:
    # Rewriting the last row of each real seed through seed_io gives back the same bytes.
    for path in sorted((PROJECT_ROOT / "seeds").rglob("*.csv")):
        seed = read_seed(path)
        if not seed.rows:
            continue
        raw = path.read_bytes()
        lines = raw.splitlines(keepends=True)
        if any(line.count(b'"') % 2 for line in lines):
            continue  # a quoted field spans lines: not split here
        head = tmp_path / path.name
        head.write_bytes(b"".join(lines[:-1]))
        append_rows(head, seed.rows[-1:])
        assert head.read_bytes() == raw, path


def test_detect_format() -> None:
    assert detect_format(b"a,b\r\n1,2\r\n").newline == "\r\n"
    assert detect_format(b"a,b\n").newline == "\n"
    assert detect_format(BOM + b'"a","b"\n').quote_all
