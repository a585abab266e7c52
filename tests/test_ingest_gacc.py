"""`scripts/ingest.py gacc`: GACC platform exports into the landing zone.

The fixtures in tests/fixtures/gacc/ are small files written for these tests: one query (export,
July 2023, US dollars) in two parts, part 1 UTF-8 with BOM and part 2 GBK; a revision of it; an
import query in yuan (GBK); January and February 2020. Bad inputs are derived from them here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from gacc_helpers import snapshot
from tradewh import PROJECT_ROOT
from tradewh.ingest_common import IngestError
from tradewh.ingest_gacc import ingest_gacc

FIXTURES = Path(__file__).parent / "fixtures" / "gacc"
PART1 = FIXTURES / "export_2023-07_usd_part1.csv"  # UTF-8 with BOM
PART2 = FIXTURES / "export_2023-07_usd_part2.csv"  # GBK
QUERY = {"flow": "export", "period": "2023-07", "currency": "usd"}


def lines_of(path: Path) -> list[str]:
    """The fixture's lines as text, whatever its encoding (no BOM, no line ends)."""
    data = path.read_bytes()
    encoding = "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else ("utf-8" if _is_utf8(data) else "gbk")
    return data.decode(encoding).splitlines()


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def write(path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    """A landing zone that already holds one vintage (so 'unchanged' means more than 'empty')."""
    root = tmp_path / "landing"
    ingest_gacc([FIXTURES / "import_2023-07_cny.csv"], flow="import", period="2023-07", currency="cny", root=root)
    return root


def read_landed(vintage: Path) -> list[tuple]:
    """The rows of a landed vintage directory."""
    return duckdb.sql(
        f"select region_code, hs_code, partner_iso3, trade_mode_code, value, source_file "
        f"from read_parquet('{vintage}/*.parquet') order by all"
    ).fetchall()


# --------------------------------------------------------------------------------------------
# good input, idempotence, vintages
# --------------------------------------------------------------------------------------------


def test_two_parts_in_two_encodings_are_normalised(landing: Path) -> None:
    result = ingest_gacc([PART1, PART2], **QUERY, root=landing)
    assert result.status == "new"
    assert result.rows == 9
    assert result.region_codes == ["540000", "650000"]
    assert result.value_total == pytest.approx(1_742_345.50)
    assert result.path.parent == landing / "gacc" / "flow=export" / "period=2023-07" / "currency=usd" / (
        "grain=hs8-partner-trade_mode-region"
    )
    rows = read_landed(result.path)
    by_partner = {(row[2], row[1]): row for row in rows}
    # platform partner codes -> ISO3 (ref_gacc_partners): 344 RUS, 146 KGZ, 133 KOR
    assert by_partner[("RUS", "85414200")][4] == 300000
    assert by_partner[("KGZ", "85076000")][3] == "19"
    # the HS code lost its leading zero in a spreadsheet ("3038990"): restored as text
    korea = by_partner[("KOR", "03038990")]
    assert korea[4] == pytest.approx(12345.5)
    assert korea[5] == "export_2023-07_usd_part2.csv"
    assert by_partner[("NPL", "87038000")][0] == "540000"  # 注册地编码 54 -> Xizang
    assert by_partner[("KAZ", "87038000")][5] == "export_2023-07_usd_part1.csv"


def test_same_content_again_changes_nothing(landing: Path, tmp_path: Path) -> None:
    first = ingest_gacc([PART1, PART2], **QUERY, root=landing)
    before = snapshot(landing)
    # same parts in the other order, and part 2 re-encoded as UTF-8: same content
    utf8_part2 = write(tmp_path / "part2_utf8.csv", lines_of(PART2))
    again = ingest_gacc([utf8_part2, PART1], **QUERY, root=landing)
    assert again.status == "unchanged"
    assert again.content_hash == first.content_hash
    assert again.path == first.path
    assert snapshot(landing) == before


def test_same_content_under_another_hash_is_still_unchanged(landing: Path) -> None:
    """A DuckDB upgrade may change hash(): the rows themselves are compared before a new vintage."""
    first = ingest_gacc([PART1, PART2], **QUERY, root=landing)
    renamed = first.path.with_name(first.path.name[:-32] + "0" * 32)
    first.path.rename(renamed)
    before = snapshot(landing)
    again = ingest_gacc([PART1, PART2], **QUERY, root=landing)
    assert (again.status, again.path) == ("unchanged", renamed)
    assert snapshot(landing) == before


def test_a_revision_is_a_new_vintage_and_the_old_one_stays(landing: Path) -> None:
    first = ingest_gacc([PART1, PART2], **QUERY, root=landing)
    revised = ingest_gacc(
        [FIXTURES / "revised_export_2023-07_usd_part1.csv", FIXTURES / "revised_export_2023-07_usd_part2.csv"],
        **QUERY,
        root=landing,
    )
    assert revised.status == "revision"
    assert revised.superseded == [first.path]
    assert revised.content_hash != first.content_hash
    assert first.path.exists()
    assert sorted(p.name for p in first.path.parent.iterdir()) == sorted([first.path.name, revised.path.name])
    assert revised.value_total == pytest.approx(1_742_345.50 + 100_000 + 150_000)
    manifests = [json.loads((path / "_vintage.json").read_text()) for path in (first.path, revised.path)]
    assert [m["content_hash"] for m in manifests] == [first.content_hash, revised.content_hash]
    assert manifests[0]["ingested_at"] < manifests[1]["ingested_at"]
    assert [(p["source"], p["encoding"], p["rows"]) for p in manifests[0]["parts"]] == [
        ("export_2023-07_usd_part1.csv", "utf-8-sig", 5),
        ("export_2023-07_usd_part2.csv", "gbk", 4),
    ]


def test_dry_run_writes_nothing(landing: Path) -> None:
    before = snapshot(landing)
    result = ingest_gacc([PART1, PART2], **QUERY, root=landing, dry_run=True)
    assert result.status == "validated"
    assert result.rows == 9
    assert snapshot(landing) == before


def test_unknown_trade_mode_is_kept_with_a_warning(landing: Path, tmp_path: Path) -> None:
    odd = edited(tmp_path, PART1, "odd.csv", lambda ls: [*ls[:5], ls[5].replace(",39,", ",1039,"), *ls[6:]])
    result = ingest_gacc([odd, PART2], **QUERY, root=landing)
    assert result.status == "new"
    assert result.warnings == [
        "trade mode 1039 is not one of the platform's statistical codes (seeds/reference/ref_trade_modes.csv): "
        "kept with the name from the file"
    ]


def test_landing_root_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRADEWH_LANDING_ROOT", str(tmp_path / "elsewhere"))
    result = ingest_gacc([FIXTURES / "export_2020-01_usd.csv"], flow="export", period="2020-01", currency="usd")
    assert result.path.is_relative_to(tmp_path / "elsewhere")


# --------------------------------------------------------------------------------------------
# bad input: refused, named, landing zone byte-for-byte unchanged
# --------------------------------------------------------------------------------------------


def refused(files: list[Path], landing: Path, **query: str) -> str:
    before = snapshot(landing)
    with pytest.raises(IngestError) as caught:
        ingest_gacc(files, **{**QUERY, **query}, root=landing)
    assert snapshot(landing) == before, "the landing zone changed"
    return str(caught.value)


def edited(tmp_path: Path, source: Path, name: str, edit, encoding: str = "utf-8") -> Path:
    return write(tmp_path / name, edit(lines_of(source)), encoding)


def test_missing_column(landing: Path, tmp_path: Path) -> None:
    def drop_last_unit(lines: list[str]) -> list[str]:
        return [",".join(f for i, f in enumerate(line.split(",")) if i != 11) for line in lines]

    bad = edited(tmp_path, PART1, "bad.csv", drop_last_unit)
    message = refused([bad], landing)
    assert f"{bad}: line 1: missing column(s) 第二计量单位" in message


def test_unknown_column(landing: Path, tmp_path: Path) -> None:
    bad = edited(tmp_path, PART1, "bad.csv", lambda ls: [ls[0] + ",备注"] + [line + ",x" for line in ls[1:]])
    assert f"{bad}: line 1, column 14: unknown column '备注'" in refused([bad], landing)


def test_missing_value_column(landing: Path, tmp_path: Path) -> None:
    bad = edited(tmp_path, PART1, "bad.csv", lambda ls: [ls[0].replace("美元", "金额"), *ls[1:]])
    message = refused([bad], landing)
    assert "unknown column '金额'" in message
    assert "no amount column (美元 / US dollar / 人民币)" in message


def test_unknown_province_code(landing: Path, tmp_path: Path) -> None:
    bad = edited(tmp_path, PART2, "bad.csv", lambda ls: [*ls[:3], ls[3].replace(",54,", ",99,"), *ls[4:]], "gbk")
    message = refused([PART1, bad], landing)
    assert f"{bad}: line 4, column 注册地编码: unknown province code '99' (1 rows" in message


def test_every_unknown_partner_code_is_listed(landing: Path, tmp_path: Path) -> None:
    def recode(lines: list[str]) -> list[str]:
        return [lines[0], lines[1].replace(",145,", ",998,"), lines[2].replace(",146,", ",KGZ,"), *lines[3:]]

    bad = edited(tmp_path, PART1, "bad.csv", recode)
    message = refused([bad, PART2], landing)
    assert f"{bad}: line 2, column 贸易伙伴编码: unknown partner code '998' (1 rows" in message
    assert f"{bad}: line 3, column 贸易伙伴编码: unknown partner code 'KGZ' (1 rows" in message
    assert "seeds/reference/ref_gacc_partners.csv" in message


def test_value_not_a_number(landing: Path, tmp_path: Path) -> None:
    bad = edited(tmp_path, PART1, "bad.csv", lambda ls: [*ls[:4], ls[4].rsplit(",", 1)[0] + ",5万", *ls[5:]])
    assert (
        f"{bad}: line 5, column 美元: not an amount (digits, thousands separators ',' and at most two decimals): '5万'"
        in refused([bad], landing)
    )


def test_negative_value(landing: Path, tmp_path: Path) -> None:
    bad = edited(tmp_path, PART2, "bad.csv", lambda ls: [*ls[:2], ls[2].rsplit(",", 1)[0] + ",-5000", *ls[3:]], "gbk")
    assert f"{bad}: line 3, column 美元: negative amount: '-5000'" in refused([bad], landing)


def test_duplicated_row_across_parts(landing: Path, tmp_path: Path) -> None:
    repeated = lines_of(PART1)[3]
    bad = edited(tmp_path, PART2, "bad.csv", lambda ls: [*ls, repeated], "gbk")
    message = refused([PART1, bad], landing)
    assert "duplicated row (商品编码 85414200, 贸易伙伴编码 344, 贸易方式编码 10, 注册地编码 65)" in message
    assert f"{PART1}: line 4, {bad}: line 6" in message


def test_parts_with_different_headers(landing: Path, tmp_path: Path) -> None:
    def swap_name_columns(lines: list[str]) -> list[str]:
        out = []
        for line in lines:
            fields = line.split(",")
            fields[0], fields[1] = fields[1], fields[0]
            out.append(",".join(fields))
        return out

    bad = edited(tmp_path, PART2, "bad.csv", swap_name_columns, "gbk")
    message = refused([PART1, bad], landing)
    assert f"parts of one query have different headers: {bad}: line 1: column 1: '商品名称'" in message


def test_parts_with_different_currencies(landing: Path, tmp_path: Path) -> None:
    bad = edited(tmp_path, PART2, "bad.csv", lambda ls: [ls[0].replace("美元", "人民币"), *ls[1:]], "gbk")
    message = refused([PART1, bad], landing)
    assert f"parts of one query have different headers: {bad}: line 1: column 13: '人民币'" in message


def test_currency_column_disagreeing_with_the_option(landing: Path) -> None:
    message = refused([PART1, PART2], landing, currency="cny")
    assert "the amount column is in usd but --currency cny was given" in message


@pytest.mark.parametrize(
    ("content", "expected"),
    [(b"", "empty file (0 bytes)"), ("\ufeff商品编码".encode(), None), (b"\r\n\r\n", "empty file (no header line)")],
)
def test_empty_file(landing: Path, tmp_path: Path, content: bytes, expected: str | None) -> None:
    bad = tmp_path / "empty.csv"
    if expected is None:  # a header and no rows
        bad.write_bytes(PART1.read_bytes().split(b"\r\n")[0] + b"\r\n")
        expected = "empty file: a header but no data rows"
    else:
        bad.write_bytes(content)
    assert f"{bad}: {expected}" in refused([PART1, bad], landing)


def test_truncated_file(landing: Path, tmp_path: Path) -> None:
    data = PART1.read_bytes()
    bad = tmp_path / "truncated.csv"
    bad.write_bytes(data[: data.index(b"85414200") + len(b"85414200,")])  # download cut off in line 4
    assert f"{bad}: line 4: truncated or malformed row (2 columns where the header has 13)" in refused(
        [bad, PART2], landing
    )


def test_truncated_inside_a_utf8_character(landing: Path, tmp_path: Path) -> None:
    data = PART1.read_bytes()
    bad = tmp_path / "truncated.csv"
    bad.write_bytes(data[: data.index("光电池".encode()) + 2])
    assert f"{bad}: line 4: truncated: the file ends inside a multi-byte character" in refused([bad, PART2], landing)


def test_truncated_inside_a_gbk_character(landing: Path, tmp_path: Path) -> None:
    bad = tmp_path / "truncated.csv"
    bad.write_bytes(write(tmp_path / "whole.csv", [*lines_of(PART2), "0101,马"], "gbk").read_bytes()[:-3])
    assert f"{bad}: truncated: the file ends inside a multi-byte character" in refused([PART1, bad], landing)


def test_undecodable_bytes_in_a_gbk_file(landing: Path, tmp_path: Path) -> None:
    lines = [line.encode("gbk") for line in lines_of(PART2)]
    lines[2] = lines[2].replace("已装在组件内".encode("gbk"), b"\xff\xfe")
    bad = tmp_path / "bad_gbk.csv"
    bad.write_bytes(b"\r\n".join(lines) + b"\r\n")
    message = refused([PART1, bad], landing)
    assert f"{bad}: line 3: undecodable bytes at byte" in message
    assert "(ff fe" in message


def test_undecodable_bytes_in_a_utf8_file(landing: Path, tmp_path: Path) -> None:
    lines = [line.encode("utf-8") for line in lines_of(PART1)]
    lines[4] = lines[4].replace("英国".encode(), "英国".encode("gbk"))
    bad = tmp_path / "bad_utf8.csv"
    bad.write_bytes(b"\r\n".join(lines) + b"\r\n")
    assert f"{bad}: line 5: undecodable bytes: not valid UTF-8" in refused([bad, PART2], landing)


def test_a_refused_first_ingest_does_not_even_create_the_landing_root(tmp_path: Path) -> None:
    bad = edited(tmp_path, PART1, "bad.csv", lambda ls: [*ls[:2], ls[2].replace(",65,", ",00,"), *ls[3:]])
    root = tmp_path / "fresh-landing"
    with pytest.raises(IngestError, match="unknown province code '00'"):
        ingest_gacc([bad], **QUERY, root=root)
    assert not root.exists()


def test_two_parts_with_the_same_file_name_are_refused(landing: Path, tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    copy = tmp_path / "a" / PART1.name
    copy.write_bytes(PART2.read_bytes())
    assert "two parts have the same file name" in refused([PART1, copy], landing)


def test_cli_refuses_with_exit_code_1_and_names_the_file(landing: Path, tmp_path: Path) -> None:
    bad = edited(tmp_path, PART1, "bad.csv", lambda ls: [*ls[:2], ls[2].rsplit(",", 1)[0] + ",abc", *ls[3:]])
    before = snapshot(landing)
    command = [sys.executable, str(PROJECT_ROOT / "scripts" / "ingest.py"), "gacc", str(bad), str(PART2)]
    command += ["--flow", "export", "--period", "2023-07", "--currency", "usd", "--landing-root", str(landing)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert result.returncode == 1
    assert (
        f"{bad}: line 3, column 美元: not an amount (digits, thousands separators ',' and at most two decimals): 'abc'"
        in result.stderr
    )
    assert snapshot(landing) == before
    good = subprocess.run([*command[:3], str(PART1), *command[4:]], capture_output=True, text=True, check=False)
    assert good.returncode == 0, good.stderr
    assert "landed " in good.stdout


def test_cli_help_explains_the_query() -> None:
    command = [sys.executable, str(PROJECT_ROOT / "scripts" / "ingest.py"), "gacc", "--help"]
    text = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    for needle in ("--flow", "--period", "--complete", "GBK", "TRADEWH_LANDING_ROOT", "数据年月", "10,000"):
        assert needle in text
