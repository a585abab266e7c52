"""Environment errors (disk full, permissions) told apart from refused input.

A refused input is the user's to fix (a bad file, a failed check); a full disk or a missing
permission is the machine's, whatever the input. The commands report the latter as such, with
their own exit code (``EXIT_ENVIRONMENT``), so a script or a person does not go looking for a
fault in a file that is fine.
"""

from __future__ import annotations

import errno
from dataclasses import dataclass

import duckdb

EXIT_REFUSED = 1
"""The input was refused, or a check failed: the message names what to fix."""
EXIT_ENVIRONMENT = 3
"""The machine stopped the command: no space left, no permission, a read-only file system."""

REASONS: dict[int, str] = {
    errno.ENOSPC: "no space left on the device (the disk is full)",
    errno.EDQUOT: "disk quota exceeded",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.EROFS: "read-only file system",
}
# How DuckDB words the same conditions in its IO errors (it does not carry the errno).
DUCKDB_WORDING: dict[str, int] = {
    "No space left on device": errno.ENOSPC,
    "Disk quota exceeded": errno.EDQUOT,
    "Permission denied": errno.EACCES,
    "Operation not permitted": errno.EPERM,
    "Read-only file system": errno.EROFS,
}


@dataclass(frozen=True)
class EnvironmentProblem:
    """What the machine refused: the condition, and the file or message it was reported with."""

    code: int
    detail: str

    @property
    def reason(self) -> str:
        return REASONS[self.code]

    def render(self, command: str) -> str:
        return (
            f"[{command}] environment error, not a problem with your input: {self.reason}: {self.detail}\n"
            f"[{command}] fix the machine (free space, permissions) and run the same command again"
        )


def environment_problem(exc: BaseException) -> EnvironmentProblem | None:
    """The environment error behind ``exc`` (it, or any exception it was raised from or while
    handling), or None when it is something else."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno in REASONS:
            where = current.filename or current.strerror or str(current)
            return EnvironmentProblem(current.errno, str(where))
        if isinstance(current, (OSError, duckdb.IOException, duckdb.PermissionException)):
            for wording, code in DUCKDB_WORDING.items():
                if wording in str(current):
                    return EnvironmentProblem(code, str(current).strip().splitlines()[0])
        current = current.__cause__ or current.__context__
    return None
