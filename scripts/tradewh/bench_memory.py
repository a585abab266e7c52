"""Wall time and peak memory (RSS) of a command and every process it starts.

Method (Linux, psutil):
- a sampler thread adds up the resident sets (``memory_info().rss``) of the child and all its
  descendants (``Process.children(recursive=True)``) every ``interval`` seconds (50 ms by
  default) and keeps the largest *sum*; this counts pages shared between processes once per
  process, so it errs high, never low;
- ``os.wait4`` on the child returns its ``ru_maxrss``: the exact peak of the largest single
  process among the child and the descendants it waited for, however short the spike.
The reported peak is the larger of the two. ``os.wait4`` also gives the CPU time (user + system)
of the child and its waited-for descendants: on a shared machine it moves far less with the load
than wall time does. A spike shorter than the interval in a tree of
several processes can be missed by the first and is then under-reported by at most the other
processes' RSS at that moment.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil


@dataclass(frozen=True)
class Measured:
    """One measured command."""

    returncode: int
    seconds: float
    cpu_seconds: float  # user + system time of the child and the descendants it waited for
    peak_rss_bytes: int
    sampled_tree_peak_bytes: int
    maxrss_bytes: int

    @property
    def peak_rss_mb(self) -> float:
        return self.peak_rss_bytes / 2**20


def tree_rss_bytes(root: psutil.Process) -> int:
    """Sum of the resident sets of ``root`` and its descendants now."""
    try:
        tree = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:  # reaped meanwhile
        return 0
    total = 0
    for process in tree:
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):  # ended meanwhile
            total += process.memory_info().rss
    return total


class TreeSampler:
    """Background thread keeping the peak of ``tree_rss_bytes(root)``."""

    def __init__(self, root: int, interval: float = 0.05) -> None:
        self.root = psutil.Process(root)
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, tree_rss_bytes(self.root))
            self._stop.wait(self.interval)

    def __enter__(self) -> TreeSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def run_measured(
    command: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    stdout: int | None = None,
    stderr: int | None = None,
    interval: float = 0.05,
) -> tuple[Measured, str]:
    """Run ``command``; returns (measurement, captured stdout or ''). stdout/stderr as for Popen."""
    started = time.perf_counter()
    process = subprocess.Popen(
        list(command),
        env=dict(env) if env is not None else None,
        cwd=cwd,
        stdout=stdout,
        stderr=stderr,
        text=True,
    )
    with TreeSampler(process.pid, interval) as sampler:
        output = process.stdout.read() if process.stdout is not None else ""
        _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.stdout is not None:
        process.stdout.close()
    maxrss = usage.ru_maxrss * 1024  # kilobytes on Linux
    return (
        Measured(
            returncode=process.returncode,
            seconds=seconds,
            cpu_seconds=usage.ru_utime + usage.ru_stime,
            peak_rss_bytes=max(sampler.peak, maxrss),
            sampled_tree_peak_bytes=sampler.peak,
            maxrss_bytes=maxrss,
        ),
        output,
    )
