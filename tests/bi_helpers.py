"""Shared pieces of the BI tests: one real build per test session (with readers watching it),
headless Chromium, and screenshot measurements."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest
from PIL import Image

from tradewh import PROJECT_ROOT
from tradewh.publish import publish

READER = Path(__file__).with_name("bi_reader.py")
WAREHOUSE_NAME = "china_regional_trade.duckdb"
BUILD_TIMEOUT = 900


@dataclass
class ReaderLog:
    """What one reader process saw."""

    mode: str
    observations: list[tuple[float, str, int]]
    errors: list[str]

    @property
    def build_ids(self) -> list[str]:
        """Distinct build ids in the order first seen."""
        seen: list[str] = []
        for _, build_id, _ in self.observations:
            if not seen or seen[-1] != build_id:
                seen.append(build_id)
        return seen


@dataclass
class SharedBuild:
    """A full `make build` into a temporary warehouse folder, watched by two readers."""

    warehouse: Path
    returncode: int
    output: str
    seconds: float
    first_build_id: str
    readers: dict[str, ReaderLog] = field(default_factory=dict)

    @property
    def folder(self) -> Path:
        return self.warehouse.parent


_BUILDS: dict[str, SharedBuild] = {}


def readme_connection_line(label: str) -> str:
    """The first `code` of the README bullet ``- <label>...`` in "Connect your BI tool"."""
    text = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Connect your BI tool", 1)[1].split("\n## ", 1)[0]
    match = re.search(rf"^- {re.escape(label)}[^`\n]*`([^`]+)`", section, re.MULTILINE)
    assert match, f"README's Connect section has no '- {label}' line with a `code` span"
    return match[1]


def tiny_staging(path: Path, rows: int) -> Path:
    """A small stand-in for a dbt build: two marts with comments, one view."""
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    con.execute(f"create table marts.fct_numbers as select range as n, range * 2 as doubled from range({rows})")
    con.execute(
        f"create table marts.dim_labels as select range as n, 'label ' || range as label from range({rows // 2})"
    )
    con.execute("create view marts.v_numbers as select n from marts.fct_numbers")
    con.execute("comment on table marts.fct_numbers is 'Numbers, one row each'")
    con.execute("comment on column marts.fct_numbers.n is 'The number itself'")
    con.execute("comment on column marts.dim_labels.label is 'Its label, with an apostrophe: it''s here'")
    con.close()
    return path


def start_reader(warehouse: Path, mode: str, workdir: Path) -> tuple[subprocess.Popen[bytes], Path, Path]:
    stop = workdir / f"stop-{mode}"
    result = workdir / f"reader-{mode}.json"
    proc = subprocess.Popen([sys.executable, str(READER), str(warehouse), mode, str(stop), str(result)])
    return proc, stop, result


def stop_reader(proc: subprocess.Popen[bytes], stop: Path, result: Path) -> ReaderLog:
    stop.touch()
    proc.wait(timeout=60)
    data = json.loads(result.read_text())
    return ReaderLog(data["mode"], [tuple(o) for o in data["observations"]], data["errors"])


def wait_until(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


def run_make(target: str, warehouse: Path) -> subprocess.CompletedProcess[str]:
    """`make <target> WAREHOUSE=<warehouse>` as a user runs it (no DBT_* variables of the test
    session), its output captured."""
    return subprocess.run(
        ["make", "--no-print-directory", target, f"WAREHOUSE={warehouse}"],
        cwd=PROJECT_ROOT,
        env={k: v for k, v in os.environ.items() if not k.startswith("DBT_")},
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT,
        check=False,
    )


def shared_build(tmp_path_factory: pytest.TempPathFactory) -> SharedBuild:
    """Run `make build WAREHOUSE=<tmp>` once per session while a holding and a polling reader query it.

    Before the build, a tiny first build is published there so the readers have a file to open;
    the real build then replaces it. Everything lands in the session's temporary folder.
    """
    key = str(tmp_path_factory.getbasetemp())
    if key in _BUILDS:
        return _BUILDS[key]
    reuse = os.environ.get("TRADEWH_TEST_REUSE_WAREHOUSE")
    if reuse:  # development only: point the BI tests at a folder an earlier `make build` wrote
        _BUILDS[key] = SharedBuild(Path(reuse) / WAREHOUSE_NAME, 0, "reused", 0.0, "(reused: no reader ran)")
        return _BUILDS[key]
    root = tmp_path_factory.mktemp("bi-build")
    warehouse = root / "warehouse" / WAREHOUSE_NAME
    warehouse.parent.mkdir()
    first = publish(tiny_staging(root / "first.duckdb", 100), warehouse)
    readers = {mode: start_reader(warehouse, mode, root) for mode in ("hold", "poll")}
    time.sleep(1.0)  # both readers are querying the first build
    assert all(proc.poll() is None for proc, _, _ in readers.values()), "a reader died before the build started"
    started = time.monotonic()
    try:
        proc = run_make("build", warehouse)
        seconds = time.monotonic() - started
        if proc.returncode == 0:
            # let the polling reader see the new build a few times and the holder keep going after the swap
            time.sleep(1.5)
    finally:
        logs = {mode: stop_reader(*r) for mode, r in readers.items()}
    build = SharedBuild(
        warehouse=warehouse,
        returncode=proc.returncode,
        output=(proc.stdout + proc.stderr)[-6000:],
        seconds=seconds,
        first_build_id=first.build_id,
        readers=logs,
    )
    _BUILDS[key] = build
    return build


def require_build(build: SharedBuild) -> SharedBuild:
    """Fail (not skip) when the shared build failed: everything downstream depends on it."""
    if build.returncode != 0:
        pytest.fail(f"`make build` failed (exit {build.returncode}):\n{build.output}")
    return build


# ------------------------------------------------------------------------------------ chromium

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)


def chromium() -> str:
    """Debian's chromium; in CI (CI=true) its absence fails the test, elsewhere it skips loudly."""
    found = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    if found:
        return found
    message = "Debian's chromium is not installed: run `make test-deps` (apt-get install -y chromium)"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"CI: {message}")
    pytest.skip(f"SKIPPED LOUDLY: {message}")
    raise AssertionError  # unreachable


def run_chromium(
    url: str,
    workdir: Path,
    *,
    screenshot: Path | None = None,
    dump_dom: bool = False,
    window: tuple[int, int] = (1280, 2400),
    budget_ms: int = 3000,
) -> tuple[str, list[str]]:
    """Load ``url`` headless; return (DOM if asked, every http(s)/ws URL the browser tried to fetch)."""
    profile = workdir / f"profile-{time.monotonic_ns()}"
    net_log = workdir / f"netlog-{time.monotonic_ns()}.json"
    args = [
        chromium(),
        *CHROMIUM_FLAGS,
        f"--user-data-dir={profile}",
        f"--window-size={window[0]},{window[1]}",
        f"--virtual-time-budget={budget_ms}",
        f"--log-net-log={net_log}",
    ]
    if screenshot is not None:
        args.append(f"--screenshot={screenshot}")
    if dump_dom:
        args.append("--dump-dom")
    proc = subprocess.run([*args, url], capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, f"chromium failed ({proc.returncode}): {proc.stderr[-2000:]}"
    return proc.stdout, network_requests(net_log)


def network_requests(net_log: Path) -> list[str]:
    """Network URLs the *page* asked for, from a Chromium net log (file: and data: are local).

    Chromium itself pings Google's update and account services even with the background-network
    flags; those requests have no initiating origin ('not an origin') and are left out.
    """
    if not net_log.exists():
        return []
    log = json.loads(net_log.read_text(errors="replace"))
    start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    urls = []
    for event in log.get("events", []):
        params = event.get("params") or {}
        url = params.get("url", "")
        if event.get("type") != start_job or params.get("initiator") == "not an origin":
            continue
        if url.startswith(("http:", "https:", "ws:", "wss:", "ftp:")):
            urls.append(url)
    return sorted(set(urls))


@dataclass(frozen=True)
class PngStats:
    width: int
    height: int
    colours: int
    non_white_share: float


def png_stats(path: Path) -> PngStats:
    """How much of a screenshot is drawn on: distinct colours and the share of non-white pixels."""
    with Image.open(path) as image:
        rgb = image.convert("RGB")
        small = rgb.resize((rgb.width // 2, rgb.height // 2))
        pixels = list(small.get_flattened_data())
        colours = len(set(rgb.get_flattened_data()))
    non_white = sum(1 for r, g, b in pixels if min(r, g, b) < 235)
    return PngStats(rgb.width, rgb.height, colours, non_white / len(pixels))
