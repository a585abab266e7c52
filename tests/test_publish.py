"""Publication: the published file is compatible, complete, read-only, and swapped in atomically,
so readers left connected keep a consistent view and new readers see whole builds only."""

from __future__ import annotations

import hashlib
import stat
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from bi_helpers import ReaderLog, require_build, shared_build, start_reader, stop_reader, tiny_staging
from tradewh.publish import (
    STORAGE_VERSION,
    PublishError,
    _restore_comments,
    previous_path_for,
    publish,
)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_publish_writes_a_complete_compatible_read_only_file(tmp_path: Path) -> None:
    staging = tiny_staging(tmp_path / "staging.duckdb", 1000)
    warehouse = tmp_path / "wh" / "china_regional_trade.duckdb"
    result = publish(staging, warehouse)

    assert warehouse.is_file()
    assert not warehouse.with_name(warehouse.name + ".wal").exists()
    assert stat.S_IMODE(warehouse.stat().st_mode) == 0o444, "the published file is read-only on disk"
    assert sorted(p.name for p in warehouse.parent.iterdir()) == [warehouse.name], "no temporary file left"
    assert staging.exists(), "publish copies; the caller removes the staging file"
    assert result.row_counts == {"marts.dim_labels": 500, "marts.fct_numbers": 1000}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        (tags,) = con.execute("select tags from duckdb_databases() where database_name = current_database()").fetchone()
        assert tags["storage_version"].startswith(STORAGE_VERSION)
        assert con.execute("select count(*), sum(doubled) from marts.fct_numbers").fetchone() == (1000, 999_000)
        assert con.execute("select count(*) from marts.v_numbers").fetchone() == (1000,)
        comments = dict(
            con.execute(
                "select table_name || '.' || column_name, comment from duckdb_columns()"
                " where schema_name = 'marts' and comment is not null"
            ).fetchall()
        )
        assert comments == {
            "fct_numbers.n": "The number itself",
            "dim_labels.label": "Its label, with an apostrophe: it's here",
        }
        (table_comment,) = con.execute(
            "select comment from duckdb_tables() where table_name = 'fct_numbers'"
        ).fetchone()
        assert table_comment == "Numbers, one row each"
        info = con.execute("select build_id, storage_version, table_count, total_rows from meta.build_info").fetchall()
        assert info == [(result.build_id, STORAGE_VERSION, 2, 1500)]
        assert con.execute("select sum(row_count) from meta.table_row_counts").fetchone() == (1500,)


def test_second_publish_keeps_the_previous_file_and_swaps_inode(tmp_path: Path) -> None:
    warehouse = tmp_path / "china_regional_trade.duckdb"
    first = publish(tiny_staging(tmp_path / "a.duckdb", 10), warehouse)
    first_inode, first_hash = warehouse.stat().st_ino, sha256(warehouse)
    second = publish(tiny_staging(tmp_path / "b.duckdb", 20), warehouse)

    assert second.previous == previous_path_for(warehouse)
    assert second.previous.stat().st_ino == first_inode, "the previous file is a hard link, not a copy"
    assert sha256(second.previous) == first_hash
    assert warehouse.stat().st_ino != first_inode, "a new file was renamed in, nothing written in place"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select build_id from meta.build_info").fetchone() == (second.build_id,)
    with duckdb.connect(str(second.previous), read_only=True) as con:
        assert con.execute("select build_id from meta.build_info").fetchone() == (first.build_id,)


def test_a_failed_publish_leaves_the_published_file_byte_for_byte(tmp_path: Path) -> None:
    warehouse = tmp_path / "china_regional_trade.duckdb"
    publish(tiny_staging(tmp_path / "good.duckdb", 10), warehouse)
    before = sha256(warehouse)
    broken = tmp_path / "broken.duckdb"
    broken.write_bytes(b"this is not a DuckDB file" * 200)
    with pytest.raises(PublishError):
        publish(broken, warehouse)
    with pytest.raises(PublishError, match="does not exist"):
        publish(tmp_path / "missing.duckdb", warehouse)
    assert sha256(warehouse) == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".china")) == []


def test_a_stale_wal_beside_the_published_file_is_not_replayed_onto_the_new_one(tmp_path: Path) -> None:
    warehouse = tmp_path / "china_regional_trade.duckdb"
    publish(tiny_staging(tmp_path / "a.duckdb", 10), warehouse)
    wal = warehouse.with_name(warehouse.name + ".wal")
    wal.write_bytes(b"left by someone who opened the published file read-write")
    result = publish(tiny_staging(tmp_path / "b.duckdb", 30), warehouse)
    assert not wal.exists()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select build_id from meta.build_info").fetchone() == (result.build_id,)


def test_even_a_read_write_holder_of_the_published_file_does_not_stop_a_publication(tmp_path: Path) -> None:
    """A tool that ignored the advice and opened the file read-write holds DuckDB's exclusive lock;
    publish never opens the published path, so it still succeeds and new readers get the new build."""
    warehouse = tmp_path / "china_regional_trade.duckdb"
    publish(tiny_staging(tmp_path / "a.duckdb", 10), warehouse)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('open', flush=True);"
         " time.sleep(60)", str(warehouse)],
        stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "open"
        with pytest.raises(duckdb.Error, match="lock"):
            duckdb.connect(str(warehouse), read_only=True)  # the lock is real
        second = publish(tiny_staging(tmp_path / "b.duckdb", 20), warehouse)
        with duckdb.connect(str(warehouse), read_only=True) as con:
            assert con.execute("select build_id from meta.build_info").fetchone() == (second.build_id,)
    finally:
        holder.kill()
        holder.wait()


def test_comments_lost_in_a_copy_are_written_again() -> None:
    con = duckdb.connect()
    con.execute("attach ':memory:' as src")
    con.execute("attach ':memory:' as dst")
    for db in ("src", "dst"):
        con.execute(f"create schema {db}.marts")
        con.execute(f"create table {db}.marts.t (a integer, b varchar)")
    con.execute("comment on table src.marts.t is 'table t'")
    con.execute("comment on column src.marts.t.a is 'column a, in yuan'")
    assert _restore_comments(con) == 2
    assert con.execute("select comment from duckdb_tables() where database_name = 'dst'").fetchone() == ("table t",)
    assert con.execute(
        "select comment from duckdb_columns() where database_name = 'dst' and column_name = 'a'"
    ).fetchone() == ("column a, in yuan",)
    assert _restore_comments(con) == 0, "nothing to do once they agree"


def test_readers_see_whole_builds_while_publish_runs_again_and_again(tmp_path: Path) -> None:
    """Fast version of the guarantee, without dbt: 12 publications under two live readers."""
    warehouse = tmp_path / "wh" / "china_regional_trade.duckdb"
    first = publish(tiny_staging(tmp_path / "s0.duckdb", 5000), warehouse)
    readers = {mode: start_reader(warehouse, mode, tmp_path) for mode in ("hold", "poll")}
    time.sleep(0.8)
    published = [first.build_id]
    try:
        for i in range(1, 13):
            staging = tiny_staging(tmp_path / f"s{i}.duckdb", 5000 + 997 * i)
            published.append(publish(staging, warehouse).build_id)
            staging.unlink()
            time.sleep(0.15)
        time.sleep(0.5)
    finally:
        logs = {mode: stop_reader(*r) for mode, r in readers.items()}
    hold, poll = logs["hold"], logs["poll"]
    assert hold.errors == [] and poll.errors == []
    assert hold.build_ids == [first.build_id], "a connection left open keeps the build it opened"
    assert len(hold.observations) > 20
    assert poll.build_ids[0] == first.build_id and poll.build_ids[-1] == published[-1]
    assert all(b in published for b in poll.build_ids)
    order = [published.index(b) for b in poll.build_ids]
    assert order == sorted(order), f"builds seen out of order: {poll.build_ids}"
    assert len(poll.build_ids) >= 4, "the polling reader saw the builds change"


def test_one_process_sees_a_new_build_once_all_its_connections_are_closed(tmp_path: Path) -> None:
    """DuckDB shares one instance per path inside a process (docs/connect-bi.md says so)."""
    warehouse = tmp_path / "china_regional_trade.duckdb"
    first = publish(tiny_staging(tmp_path / "a.duckdb", 10), warehouse)
    held = duckdb.connect(str(warehouse), read_only=True)
    second = publish(tiny_staging(tmp_path / "b.duckdb", 20), warehouse)
    again = duckdb.connect(str(warehouse), read_only=True)
    try:
        assert again.execute("select build_id from meta.build_info").fetchone() == (first.build_id,)
    finally:
        again.close()
        held.close()
    with duckdb.connect(str(warehouse), read_only=True) as fresh:
        assert fresh.execute("select build_id from meta.build_info").fetchone() == (second.build_id,)


@pytest.mark.slow
def test_a_reader_left_connected_during_make_build_sees_no_error_and_only_whole_builds(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    build = require_build(shared_build(tmp_path_factory))
    hold: ReaderLog = build.readers["hold"]
    poll: ReaderLog = build.readers["poll"]
    with duckdb.connect(str(build.warehouse), read_only=True) as con:
        (new_id,) = con.execute("select build_id from meta.build_info").fetchone()
        (tables,) = con.execute("select count(*) from meta.table_row_counts").fetchone()
    print(
        f"make build took {build.seconds:.1f}s; hold: {len(hold.observations)} queries, "
        f"poll: {len(poll.observations)} queries, builds seen by poll: {poll.build_ids}"
    )
    assert hold.errors == [], hold.errors[:5]
    assert poll.errors == [], poll.errors[:5]
    assert new_id != build.first_build_id
    assert hold.build_ids == [build.first_build_id], "the held connection kept its consistent view"
    assert poll.build_ids == [build.first_build_id, new_id], "new connections moved to the new build, once"
    swap = next(t for t, b, _ in poll.observations if b == new_id)
    assert any(t > swap for t, _, _ in hold.observations), "the held connection kept querying after the swap"
    assert all(n == tables for _, b, n in poll.observations if b == new_id), "every look at the new build was whole"
    assert tables >= 10, "the real build has its marts, seeds and meta tables"
    assert stat.S_IMODE(build.warehouse.stat().st_mode) == 0o444
    assert not build.warehouse.with_name(build.warehouse.name + ".wal").exists()
