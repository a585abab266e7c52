"""A killed publication or export leaves nothing behind for good: the next build and `make clean`
remove what it left (only what a process no longer running left), and the Parquet folder is
always one whole export, stamped with its build id.

The kills are real: a subprocess runs the real publish or export, stops at a known point (a
wrapper around one of its steps touches a file, then sleeps), and gets SIGKILL there.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from bi_helpers import run_make, tiny_staging, wait_until
from tradewh import PROJECT_ROOT
from tradewh import build as build_module
from tradewh.export import STAMP, export_marts
from tradewh.leftovers import GX_PREFIX, remove_stale
from tradewh.publish import publish

KILL_AT = {
    # publish: after COPY FROM DATABASE, while the new file is open next to the published one
    "publish": ("tradewh.publish", "_restore_comments"),
    # export: after the first mart's Parquet file, while the new folder is half full
    "export": ("tradewh.export", "tqdm"),
}


def run_until_killed(step: str, call: str, tmp_path: Path) -> None:
    """Run ``call`` in a subprocess, SIGKILL it when it reaches the ``KILL_AT[step]`` point."""
    reached = tmp_path / f"{step}-reached"
    module, name = KILL_AT[step]
    code = textwrap.dedent(
        f"""
        import importlib, pathlib, time
        module = importlib.import_module({module!r})
        original = getattr(module, {name!r})
        def stop():
            pathlib.Path({str(reached)!r}).touch()
            time.sleep(120)
        def stop_in_the_loop(*args, **kwargs):  # yield the first mart, stop before the second
            for i, item in enumerate(original(*args, **kwargs)):
                if i == 1:
                    stop()
                yield item
        def stop_here(*args, **kwargs):
            stop()
        setattr(module, {name!r}, stop_in_the_loop if {name!r} == "tqdm" else stop_here)
        {call}
        """
    )
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT / "scripts")}
    proc = subprocess.Popen([sys.executable, "-c", code], env=env)
    try:
        assert wait_until(lambda: reached.exists() or proc.poll() is not None, 120), "never reached the kill point"
        assert proc.poll() is None, f"the {step} ended (exit {proc.returncode}) before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    assert proc.returncode == -signal.SIGKILL


def make_clean(warehouse: Path) -> str:
    proc = run_make("clean", warehouse)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def build_id(warehouse: Path) -> str:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute("select build_id from meta.build_info").fetchone()[0]


def test_a_publication_killed_midway_leaves_a_file_that_make_clean_removes(tmp_path: Path) -> None:
    warehouse = tmp_path / "wh" / "china_regional_trade.duckdb"
    first = publish(tiny_staging(tmp_path / "a.duckdb", 10), warehouse)
    staging = tiny_staging(tmp_path / "b.duckdb", 20)
    run_until_killed("publish", f"from tradewh.publish import publish; publish({str(staging)!r}, {str(warehouse)!r})",
                     tmp_path)  # fmt: skip
    left = sorted(p.name for p in warehouse.parent.glob(f".{warehouse.name}.publishing-*"))
    assert left, "the killed publication left its new file (what the issue saw)"
    assert build_id(warehouse) == first.build_id, "the published file was not touched"

    out = make_clean(warehouse)
    assert not list(warehouse.parent.glob(f".{warehouse.name}.publishing-*")), out
    assert all(name in out for name in left), out
    assert build_id(warehouse) == first.build_id


def test_the_next_build_removes_what_a_killed_one_left_before_it_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    warehouse = tmp_path / "china_regional_trade.duckdb"
    publish(tiny_staging(tmp_path / "a.duckdb", 10), warehouse)
    run_until_killed(
        "publish",
        f"from tradewh.publish import publish; publish({str(tiny_staging(tmp_path / 'b.duckdb', 20))!r},"
        f" {str(warehouse)!r})",
        tmp_path,
    )
    assert list(tmp_path.glob(".china_regional_trade.duckdb.publishing-*"))
    seen: list[list[str]] = []
    monkeypatch.setattr(
        build_module,
        "_build_locked",
        lambda *_a, **_k: seen.append(sorted(p.name for p in tmp_path.glob(".*publishing-*"))) or 0,
    )
    assert build_module.build(warehouse) == 0
    assert seen == [[]], "gone before the build proper started"


def test_only_what_a_process_no_longer_running_left_is_removed(tmp_path: Path) -> None:
    warehouse = tmp_path / "china_regional_trade.duckdb"
    warehouse.touch()
    gone = subprocess.Popen(["true"])
    gone.wait()
    alive = subprocess.Popen(["sleep", "60"])
    try:
        temp = tmp_path / "tmp"
        temp.mkdir()
        stale = [
            tmp_path / f".{warehouse.name}.publishing-{gone.pid}-0badc0de",
            tmp_path / f".{warehouse.name}.publishing-{gone.pid}-0badc0de.wal",
            temp / f"{GX_PREFIX}{gone.pid}-x1y2z3",
            tmp_path / f".parquet-partial-{gone.pid}-0badc0de",
        ]
        running = [
            tmp_path / f".{warehouse.name}.publishing-{alive.pid}-c0ffee00",
            temp / f"{GX_PREFIX}{alive.pid}-a1b2c3",
            tmp_path / f".parquet-partial-{alive.pid}-c0ffee00",
        ]
        for path in stale + running:
            if GX_PREFIX in path.name or "parquet" in path.name:
                path.mkdir()
                (path / "inside").write_text("x")
            else:
                path.write_text("x")
        assert sorted(remove_stale(warehouse, temp)) == sorted(stale)
        assert all(p.exists() for p in running), "a running build keeps its files"
        assert not any(p.exists() for p in stale)
        assert warehouse.exists()
    finally:
        alive.kill()
        alive.wait()


def test_an_export_killed_midway_leaves_the_previous_export_whole_and_stamped(tmp_path: Path) -> None:
    warehouse = tmp_path / "china_regional_trade.duckdb"
    first = publish(tiny_staging(tmp_path / "a.duckdb", 10), warehouse)
    parquet = tmp_path / "parquet"
    export_marts(warehouse, progress=False)
    assert json.loads((parquet / STAMP).read_text())["build_id"] == first.build_id
    second = publish(tiny_staging(tmp_path / "b.duckdb", 40), warehouse)

    run_until_killed("export", f"from tradewh.export import export_marts; export_marts({str(warehouse)!r})", tmp_path)
    stamp = json.loads((parquet / STAMP).read_text())
    assert stamp["build_id"] == first.build_id, "the folder still says which build it is from"
    assert stamp["marts"] == {"dim_labels": 5, "fct_numbers": 10}
    with duckdb.connect() as con:
        rows = {p.stem: con.execute(f"select count(*) from '{p}'").fetchone()[0] for p in parquet.glob("*.parquet")}
    assert rows == stamp["marts"], "the previous export is whole: no file of the killed one got in"
    assert list(tmp_path.glob(".parquet-partial-*")), "the killed export's half-full folder"

    make_clean(warehouse)
    assert not list(tmp_path.glob(".parquet-partial-*"))
    assert json.loads((parquet / STAMP).read_text())["build_id"] == first.build_id, "make clean kept the export"
    export_marts(warehouse, progress=False)
    assert json.loads((parquet / STAMP).read_text())["build_id"] == second.build_id
    assert [p.name for p in tmp_path.glob(".parquet-*")] == [parquet.resolve().name], "one export folder"
