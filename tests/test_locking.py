"""tradewh.locking: a second holder waits (or, without waiting, is refused) until the first lets go.

Every writer takes the lock through it: ingest on the landing root, the seed writers on a seed's
folder, a build on its lock file (refused when another build holds it) and `make clean`.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

from tradewh import PROJECT_ROOT
from tradewh.build import build_lock
from tradewh.leftovers import remove_build_dir
from tradewh.locking import locked


def test_a_second_holder_waits_for_the_first(tmp_path: Path) -> None:
    order: list[str] = []

    def second() -> None:
        with locked(tmp_path):
            order.append("second holds it")

    with locked(tmp_path) as held:
        assert held
        waiting = threading.Thread(target=second)
        waiting.start()
        time.sleep(0.3)
        assert order == [], "the second holder did not wait"
        order.append("first lets go")
    waiting.join(timeout=10)
    assert order == ["first lets go", "second holds it"]


def test_without_waiting_a_second_holder_is_refused_then_served(tmp_path: Path) -> None:
    lock = tmp_path / "a.lock"
    with locked(lock, wait=False) as first:
        assert first and lock.is_file(), "the lock file is created"
        with locked(lock, wait=False) as second:
            assert not second
        with locked(tmp_path / "other.lock", wait=False) as elsewhere:
            assert elsewhere, "another file is another lock"
    with locked(lock, wait=False) as again:
        assert again


def test_another_process_holding_the_lock_is_seen(tmp_path: Path) -> None:
    lock = tmp_path / "held.lock"
    code = textwrap.dedent(
        f"""
        import pathlib, sys
        from tradewh.locking import locked
        with locked(pathlib.Path({str(lock)!r})):
            print("held", flush=True)
            sys.stdin.readline()
        """
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=PROJECT_ROOT / "scripts",
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        with locked(lock, wait=False) as held:
            assert not held
    finally:
        holder.communicate("\n", timeout=30)
    with locked(lock, wait=False) as held:
        assert held, "released when the other process let go"


def test_a_build_in_progress_is_refused_a_second_build_and_keeps_its_folder(tmp_path: Path) -> None:
    warehouse = tmp_path / "china_regional_trade.duckdb"
    staging = tmp_path / ".build" / "china_regional_trade.staging.duckdb"
    staging.parent.mkdir()
    with build_lock(staging) as first:
        assert first
        with build_lock(staging) as second:
            assert not second
        assert not remove_build_dir(warehouse), "make clean keeps the folder of a running build"
        assert staging.parent.is_dir()
    assert remove_build_dir(warehouse)
    assert not staging.parent.exists()
