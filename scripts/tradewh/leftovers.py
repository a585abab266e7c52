"""Temporary files a killed build, publication or export leaves behind, and removing them.

Every temporary name this project writes carries the id of the process that owns it:

- ``<dir>/.<name>.publishing-<pid>-<hex>`` (and its ``.wal``): the new file ``tradewh.publish`` writes;
- ``<dir>/.previous/.<name>.<pid>``: the hard link publish renames into ``.previous/``;
- ``<dir>/.parquet-partial-<pid>-<hex>/``: the Parquet folder ``tradewh.export`` fills, renamed
  ``.parquet-export-<pid>-<hex>/`` when complete (stale only if ``parquet`` does not link to it),
  and ``.parquet-link-<pid>``, the link about to replace ``parquet``;
- ``<dir>/docs/.index.html.partial-<pid>``: the docs page being installed;
- ``<tmp>/tradewh-gx-<pid>-<random>/``: the Great Expectations context of a validation run.

A leftover is *stale* when its owner is no longer running; only stale ones are removed, so a
concurrent build, export or validation keeps its files. ``make build`` removes them before it
starts and ``make clean`` whenever it is run (``remove_stale``); ``make clean`` also removes the
``.build/`` folder of staging files, unless a build holds its lock (``remove_build_dir``).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import tempfile
from pathlib import Path

from tradewh.locking import locked

GX_PREFIX = "tradewh-gx-"
OWNER = re.compile(
    r"(?:publishing-|partial-|export-|link-|\.previous/\.[^/]*\.|" + GX_PREFIX + r")(\d+)(?:[-.][^/]*)?$"
)


def gx_temp_prefix() -> str:
    """The prefix of this process's GX temporary folders (``tempfile`` adds a random suffix)."""
    return f"{GX_PREFIX}{os.getpid()}-"


def owner_pid(path: Path) -> int | None:
    """The process id in a temporary name of this project, or None for any other name."""
    match = OWNER.search(path.as_posix())
    return int(match[1]) if match else None


def is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: running
        return True
    return True


def candidates(warehouse: Path, temp_dir: Path | None = None) -> list[Path]:
    """Every temporary name of this project around ``warehouse`` and in the temporary folder."""
    folder = Path(warehouse).resolve().parent
    name = Path(warehouse).name
    patterns = [
        (folder, f".{name}.publishing-*"),
        (folder / ".previous", f".{name}.*"),
        (folder, ".parquet-*"),
        (folder / "docs", ".index.html.partial-*"),
        (Path(temp_dir or tempfile.gettempdir()), f"{GX_PREFIX}*"),
    ]
    return sorted(path for root, pattern in patterns if root.is_dir() for path in root.glob(pattern))


def remove_stale(warehouse: Path, temp_dir: Path | None = None) -> list[Path]:
    """Remove the leftovers whose owner is not running; return what was removed."""
    removed = []
    link = Path(warehouse).resolve().parent / "parquet"
    in_use = link.resolve() if link.is_symlink() else None
    for path in candidates(warehouse, temp_dir):
        pid = owner_pid(path)
        if pid is None or pid == os.getpid() or is_running(pid) or path.resolve() == in_use:
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        removed.append(path)
    return removed


def remove_build_dir(warehouse: Path) -> bool:
    """Remove ``<dir>/.build/`` (staging files, dbt targets) unless a build holds one of its locks."""
    build_dir = Path(warehouse).resolve().parent / ".build"
    if not build_dir.is_dir():
        return True
    for lock in build_dir.glob("*.lock"):
        with locked(lock, wait=False) as free:
            if not free:
                return False
    shutil.rmtree(build_dir, ignore_errors=True)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--warehouse", type=Path, required=True, help="the published DuckDB file (not touched)")
    args = parser.parse_args(argv)
    if not remove_build_dir(args.warehouse):
        print(f"[clean] a build of {args.warehouse} is running: its .build/ folder was kept")
    for path in remove_stale(args.warehouse):
        print(f"[clean] removed {path} (left by a process that is no longer running)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
