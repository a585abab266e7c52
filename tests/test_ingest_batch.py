"""`ingest_gacc_many` / `scripts/ingest.py gacc-batch`: many GACC queries in one call.

Each query of a batch must behave exactly as its own `ingest_gacc` call: same landed rows and
content hash, its own vintage, and a refused query leaves its partition untouched while the
others land.
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
from tradewh.ingest_gacc import QueryRequest, ingest_gacc, ingest_gacc_many
from tradewh.ingest_gacc_land import STAGING_DIR

FIXTURES = Path(__file__).parent / "fixtures" / "gacc"
PART1 = FIXTURES / "export_2023-07_usd_part1.csv"  # UTF-8 with BOM
PART2 = FIXTURES / "export_2023-07_usd_part2.csv"  # GBK
IMPORT = FIXTURES / "import_2023-07_cny.csv"  # GBK, yuan
EXPORT_2020_01 = FIXTURES / "export_2020-01_usd.csv"
EXPORT_2020_02 = FIXTURES / "export_2020-02_usd.csv"

EXPORT_JULY = QueryRequest(files=[PART1, PART2], flow="export", period="2023-07", currency="usd")
IMPORT_JULY = QueryRequest(files=[IMPORT], flow="import", period="2023-07", currency="cny")
JANUARY = QueryRequest(files=[EXPORT_2020_01], flow="export", period="2020-01", currency="usd")
FEBRUARY = QueryRequest(files=[EXPORT_2020_02], flow="export", period="2020-02", currency="usd")


def rows_of(vintage: Path) -> list[tuple]:
    return duckdb.sql(f"select * from read_parquet('{vintage}/*.parquet') order by all").fetchall()


def with_bad_value(tmp_path: Path) -> Path:
    """The 2020-02 export with line 3's value replaced by 'abc' (same encoding as the fixture)."""
    data = EXPORT_2020_02.read_bytes()
    lines = data.split(b"\n")
    fields = lines[2].rstrip(b"\r").split(b",")
    fields[-1] = b"abc"
    lines[2] = b",".join(fields) + (b"\r" if lines[2].endswith(b"\r") else b"")
    bad = tmp_path / "bad" / EXPORT_2020_02.name
    bad.parent.mkdir()
    bad.write_bytes(b"\n".join(lines))
    return bad


@pytest.mark.parametrize("workers", [1, 2])
def test_a_batch_lands_what_single_calls_land(tmp_path: Path, workers: int) -> None:
    single_root, batch_root = tmp_path / "single", tmp_path / "batch"
    requests = [EXPORT_JULY, IMPORT_JULY, JANUARY, FEBRUARY]
    singles = [
        ingest_gacc(r.files, flow=r.flow, period=r.period, currency=r.currency, root=single_root) for r in requests
    ]
    outcomes = ingest_gacc_many(requests, root=batch_root, workers=workers)
    assert [o.request for o in outcomes] == requests  # in the order given
    for single, outcome in zip(singles, outcomes, strict=True):
        assert outcome.error is None
        assert outcome.result is not None
        assert outcome.result.status == single.status == "new"
        assert outcome.result.content_hash == single.content_hash
        assert outcome.result.path is not None and single.path is not None
        assert outcome.result.path.relative_to(batch_root).parent == single.path.relative_to(single_root).parent
        assert rows_of(outcome.result.path) == rows_of(single.path)
        manifest = json.loads((outcome.result.path / "_vintage.json").read_text(encoding="utf-8"))
        assert [p["source"] for p in manifest["parts"]] == [Path(f).name for f in outcome.request.files]
    assert not (batch_root / STAGING_DIR).exists()
    # and again: every query is unchanged, nothing is written
    before = snapshot(batch_root)
    again = ingest_gacc_many(requests, root=batch_root, workers=workers)
    assert [o.result.status for o in again if o.result] == ["unchanged"] * len(requests)
    assert snapshot(batch_root) == before


def test_a_refused_query_is_reported_and_the_others_land(tmp_path: Path) -> None:
    root = tmp_path / "landing"
    first = ingest_gacc([EXPORT_2020_02], flow="export", period="2020-02", currency="usd", root=root)
    partition = first.path.parent
    before = snapshot(partition)
    bad = with_bad_value(tmp_path)
    bad_query = QueryRequest(files=[bad], flow="export", period="2020-02", currency="usd")
    outcomes = ingest_gacc_many([EXPORT_JULY, bad_query, JANUARY], root=root)

    assert outcomes[1].result is None
    assert isinstance(outcomes[1].error, IngestError)
    assert f"{bad}: line 3, column 美元: not an amount" in str(outcomes[1].error)
    assert snapshot(partition) == before  # the bad query's partition: byte-for-byte as it was
    for outcome in (outcomes[0], outcomes[2]):
        assert outcome.error is None
        assert outcome.result is not None and outcome.result.status == "new"
        assert outcome.result.path is not None and (outcome.result.path / "rows.parquet").is_file()
    assert not (root / STAGING_DIR).exists()


def test_refused_argument_errors_do_not_stop_the_batch(tmp_path: Path) -> None:
    root = tmp_path / "landing"
    missing = QueryRequest(files=[tmp_path / "nowhere.csv"], flow="export", period="2023-07", currency="usd")
    bad_flow = QueryRequest(files=[EXPORT_2020_01], flow="transit", period="2020-01", currency="usd")
    outcomes = ingest_gacc_many([missing, bad_flow, FEBRUARY], root=root)
    assert "nowhere.csv: no such file" in str(outcomes[0].error)
    assert "--flow 'transit'" in str(outcomes[1].error)
    assert outcomes[2].result is not None and outcomes[2].result.status == "new"


def test_a_batch_refusing_everything_does_not_create_the_landing_root(tmp_path: Path) -> None:
    root = tmp_path / "fresh-landing"
    bad_query = QueryRequest(files=[with_bad_value(tmp_path)], flow="export", period="2020-02", currency="usd")
    outcomes = ingest_gacc_many([bad_query, bad_query], root=root)
    assert all(o.error is not None for o in outcomes)
    assert not root.exists()


def test_the_same_partition_twice_lands_in_order(tmp_path: Path) -> None:
    root = tmp_path / "landing"
    revised = QueryRequest(
        files=[FIXTURES / "revised_export_2023-07_usd_part1.csv", FIXTURES / "revised_export_2023-07_usd_part2.csv"],
        flow="export",
        period="2023-07",
        currency="usd",
    )
    outcomes = ingest_gacc_many([EXPORT_JULY, EXPORT_JULY, revised], root=root, workers=2)
    statuses = [o.result.status for o in outcomes if o.result]
    assert statuses == ["new", "unchanged", "revision"]
    assert outcomes[2].result is not None and outcomes[0].result is not None
    assert outcomes[2].result.superseded == [outcomes[0].result.path]


def test_a_dry_run_batch_writes_nothing(tmp_path: Path) -> None:
    root = tmp_path / "landing"
    ingest_gacc([IMPORT], flow="import", period="2023-07", currency="cny", root=root)
    before = snapshot(root)
    outcomes = ingest_gacc_many([EXPORT_JULY, IMPORT_JULY], root=root, dry_run=True)
    assert [o.result.status for o in outcomes if o.result] == ["validated", "unchanged"]
    assert snapshot(root) == before


def test_cli_batch_lands_the_good_queries_and_exits_1_for_the_bad_one(tmp_path: Path) -> None:
    root = tmp_path / "landing"
    bad = with_bad_value(tmp_path)
    manifest = tmp_path / "MANIFEST.json"
    queries = [
        {"files": [str(PART1), str(PART2)], "flow": "export", "period": "2023-07", "currency": "usd"},
        {"files": ["bad/" + bad.name], "flow": "export", "period": "2020-02", "currency": "usd"},  # relative
        {"files": [str(EXPORT_2020_01)], "flow": "export", "period": "2020-01", "currency": "usd"},
    ]
    manifest.write_text(json.dumps({"queries": queries}), encoding="utf-8")
    command = [sys.executable, str(PROJECT_ROOT / "scripts" / "ingest.py"), "gacc-batch", str(manifest)]
    result = subprocess.run([*command, "--landing-root", str(root)], capture_output=True, text=True, check=False)
    assert result.returncode == 1
    assert f"{bad}: line 3, column 美元: not an amount" in result.stderr
    assert "2 of 3 queries done, 1 refused" in result.stdout
    landed = sorted(p.relative_to(root).parts[:4] for p in root.glob("gacc/*/*/*/*/*/rows.parquet"))
    assert landed == [
        ("gacc", "flow=export", "period=2020-01", "currency=usd"),
        ("gacc", "flow=export", "period=2023-07", "currency=usd"),
    ]
    manifest.write_text(json.dumps([queries[0], queries[2]]), encoding="utf-8")  # a plain list
    again = subprocess.run([*command, "--landing-root", str(root)], capture_output=True, text=True, check=False)
    assert again.returncode == 0, again.stderr
    assert again.stdout.count("unchanged") == 2


def test_cli_batch_refuses_an_unreadable_manifest(tmp_path: Path) -> None:
    manifest = tmp_path / "MANIFEST.json"
    manifest.write_text('{"queries": [{"flow": "export"}]}', encoding="utf-8")
    command = [sys.executable, str(PROJECT_ROOT / "scripts" / "ingest.py"), "gacc-batch", str(manifest)]
    result = subprocess.run(
        [*command, "--landing-root", str(tmp_path / "l")], capture_output=True, text=True, check=False
    )
    assert result.returncode == 2
    assert "not a batch manifest" in result.stderr
    assert not (tmp_path / "l").exists()
