"""Python tooling for the China regional trade warehouse (importable; the CLIs in scripts/ are thin)."""

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def fsync_path(path: Path) -> None:
    """Flush a file's contents, or a directory's entries (a rename in it), to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
