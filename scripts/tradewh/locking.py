"""The one exclusive lock of this project: on the landing root, a seed's folder, a build's lock file.

``flock`` on the path itself: a directory is locked as it is (no lock file is left behind), a file
is created when missing. The lock belongs to the open file, so it is released when the block ends
or the process dies, and two holders in one process exclude each other as two processes do.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def locked(path: Path, *, wait: bool = True) -> Iterator[bool]:
    """Hold an exclusive lock on ``path`` (a directory, or a file) for the block; yields whether it is held.

    ``wait=True`` waits for another holder to release it (and yields True); ``wait=False`` yields
    False at once when another holder has it, and then holds nothing.
    """
    fd = os.open(path, os.O_RDONLY if path.is_dir() else os.O_RDONLY | os.O_CREAT, 0o666)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:  # wait=False, and another holder has it
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
