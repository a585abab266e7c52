"""A damaged warehouse, a full disk and a missing permission are each reported as what they are.

- `make validate` on a truncated or corrupted copy: one line saying the file is damaged, before
  any expectation runs (exit 2), instead of a table of errored expectations.
- A full disk (a real, filled tmpfs) and a missing permission (a folder mode 0555; as root the
  command runs without CAP_DAC_OVERRIDE through `setpriv`, so the mode applies) during ingest and
  validation: "environment error, not a problem with your input", exit 3, never the exit code of
  a refused input (1).
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from gacc_helpers import FIXTURES
from tradewh import PROJECT_ROOT
from tradewh.errors import EXIT_ENVIRONMENT, EXIT_REFUSED, environment_problem
from tradewh.ingest_common import IngestError

INGEST = ["scripts/ingest.py", "gacc", str(FIXTURES / "export_2020-01_usd.csv"), "--flow", "export",
          "--period", "2020-01", "--currency", "usd"]  # fmt: skip
ENVIRONMENT = "environment error, not a problem with your input"


def run(
    args: list[str], *, as_plain_user: bool = False, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """Run a project script; ``as_plain_user``: without the capabilities that let root ignore modes."""
    prefix = (
        ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"]
        if as_plain_user and os.geteuid() == 0
        else []
    )
    return subprocess.run(
        [*prefix, sys.executable, *args],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs, filled up: every write on it fails with ENOSPC."""
    mount = tmp_path / "full"
    mount.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)], capture_output=True,
                             text=True, check=False)  # fmt: skip
    if mounted.returncode != 0:
        pytest.skip(f"SKIPPED LOUDLY: cannot mount a small tmpfs here (root needed): {mounted.stderr.strip()}")
    try:
        with (mount / "filler").open("wb", buffering=0) as filler:
            try:
                while True:
                    filler.write(b"\0" * 4096)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True)


@pytest.fixture
def read_only_folder(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "no-permission"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        yield folder
    finally:
        folder.chmod(0o755)


def test_environment_errors_are_told_apart_from_refused_input() -> None:
    assert environment_problem(OSError(errno.ENOSPC, "No space left on device", "/data/x")).code == errno.ENOSPC
    assert environment_problem(PermissionError(errno.EACCES, "Permission denied", "/data")).code == errno.EACCES
    io = duckdb.IOException('IO Error: Could not write file "/l/rows.parquet": No space left on device')
    try:
        try:
            raise io
        except duckdb.Error:
            raise IngestError("rows.csv: cannot be read as CSV: IO Error: ...") from None
    except IngestError as wrapped:
        assert environment_problem(wrapped).code == errno.ENOSPC, "found behind the refusal it was wrapped in"
    assert environment_problem(IngestError("rows.csv: line 3: partner 'Permission denied' is unmapped")) is None
    assert environment_problem(OSError(errno.ENOENT, "No such file or directory")) is None
    assert EXIT_ENVIRONMENT not in (0, EXIT_REFUSED, 2)


def test_ingest_on_a_full_disk_says_so_with_its_own_exit_code(full_disk: Path) -> None:
    proc = run([*INGEST, "--landing-root", str(full_disk)])
    assert proc.returncode == EXIT_ENVIRONMENT, proc.stdout + proc.stderr
    assert ENVIRONMENT in proc.stderr and "no space left" in proc.stderr, proc.stderr
    assert "cannot be read as CSV" not in proc.stderr
    assert sorted(p.name for p in full_disk.iterdir()) == ["filler"], "nothing half-written left"


def test_ingest_without_permission_says_so_with_its_own_exit_code(read_only_folder: Path) -> None:
    proc = run([*INGEST, "--landing-root", str(read_only_folder)], as_plain_user=True)
    assert proc.returncode == EXIT_ENVIRONMENT, proc.stdout + proc.stderr
    assert ENVIRONMENT in proc.stderr and "permission denied" in proc.stderr, proc.stderr
    assert list(read_only_folder.iterdir()) == []


def test_a_refused_input_keeps_its_own_exit_code(tmp_path: Path) -> None:
    bad = tmp_path / "export_2020-01_usd.csv"
    bad.write_bytes((FIXTURES / "export_2020-01_usd.csv").read_bytes().replace(b"65,", b"99,", 1))
    proc = run([*INGEST[:2], str(bad), *INGEST[3:], "--landing-root", str(tmp_path / "landing")])
    assert proc.returncode == EXIT_REFUSED, proc.stdout + proc.stderr
    assert "refused" in proc.stderr and ENVIRONMENT not in proc.stderr


def damaged(source: Path, target: Path, how: str) -> Path:
    shutil.copyfile(source, target)
    size = target.stat().st_size
    if how == "truncated":
        os.truncate(target, size // 2)
    else:  # bytes overwritten past the file header, as a bad disk or a careless copy leaves them
        with target.open("r+b") as handle:
            for offset in range(3 * 4096 + 512, size, 65536):
                handle.seek(offset)
                handle.write(b"\xa5" * 64)
    return target


@pytest.mark.parametrize("how", ["truncated", "corrupted"])
def test_validate_on_a_damaged_copy_says_so_in_one_line_before_any_expectation(
    built_warehouse: Path, tmp_path: Path, how: str
) -> None:
    copy = damaged(built_warehouse, tmp_path / "china_regional_trade.duckdb", how)
    proc = run(["scripts/validate.py", "--warehouse", str(copy), "--no-data-docs"])
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "damaged warehouse" in lines[0] and str(copy) in lines[0], proc.stderr
    assert proc.stdout == "", "no expectation ran, no table printed"


def test_validate_on_a_full_disk_says_so_with_its_own_exit_code(built_warehouse: Path, full_disk: Path) -> None:
    docs = full_disk / "data_docs"
    proc = run(["scripts/validate.py", "--warehouse", str(built_warehouse), "--data-docs-dir", str(docs)])
    assert proc.returncode == EXIT_ENVIRONMENT, proc.stdout + proc.stderr
    assert ENVIRONMENT in proc.stderr and "no space left" in proc.stderr, proc.stderr


def test_validate_without_permission_for_its_data_docs_says_so(built_warehouse: Path, read_only_folder: Path) -> None:
    docs = read_only_folder / "data_docs"
    proc = run(["scripts/validate.py", "--warehouse", str(built_warehouse), "--data-docs-dir", str(docs)],
               as_plain_user=True)  # fmt: skip
    assert proc.returncode == EXIT_ENVIRONMENT, proc.stdout + proc.stderr
    assert ENVIRONMENT in proc.stderr and "permission denied" in proc.stderr, proc.stderr
