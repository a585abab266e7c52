"""Drive an interactive program through a pseudo-terminal, as a person at a terminal would."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import struct
import termios
import time
from collections.abc import Sequence
from pathlib import Path

# A terminal answers these queries; programs that ask (the DuckDB CLI does) wait for the answer.
TERMINAL_QUERIES = {
    b"\x1b]11;?": b"\x1b]11;rgb:ffff/ffff/ffff\x1b\\",  # background colour
    b"\x1b[c": b"\x1b[?62;22c",  # device attributes
    b"\x1b[6n": b"\x1b[1;1R",  # cursor position
}
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)")


class PtySession:
    """One program on a pty: ``send`` a line, ``read_until`` a text appears in what it printed."""

    def __init__(self, argv: Sequence[str], cwd: Path, env: dict[str, str]) -> None:
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: a 40 x 160 terminal, then become the program
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 160, 0, 0))
            os.chdir(cwd)
            os.execvpe(argv[0], list(argv), env)
        self.output = b""
        self._answered = dict.fromkeys(TERMINAL_QUERIES, 0)
        self.exit_code: int | None = None

    def _pump(self, seconds: float) -> bool:
        ready, _, _ = select.select([self.fd], [], [], seconds)
        if not ready:
            return True
        try:
            chunk = os.read(self.fd, 65536)
        except OSError:  # the program exited
            return False
        if not chunk:
            return False
        self.output += chunk
        for query, answer in TERMINAL_QUERIES.items():
            asked = self.output.count(query)
            for _ in range(asked - self._answered[query]):
                os.write(self.fd, answer)
            self._answered[query] = asked
        return True

    def text(self) -> str:
        """Everything printed so far, without terminal escape sequences."""
        return ANSI.sub("", self.output.decode("utf-8", errors="replace")).replace("\r\n", "\n")

    def read_until(self, marker: str, limit: float = 60.0) -> str:
        """Read until ``marker`` was printed (or the program ended, or ``limit`` seconds passed)."""
        deadline = time.monotonic() + limit
        while marker not in self.text() and time.monotonic() < deadline:
            if not self._pump(0.2):
                break
        return self.text()

    def send(self, line: str) -> None:
        os.write(self.fd, line.encode("utf-8") + b"\r")

    def close(self) -> int:
        """Wait for the program to end (kill it after 30 s); its exit status. Safe to call twice."""
        if self.exit_code is not None:
            return self.exit_code
        deadline = time.monotonic() + 30
        pid, status = os.waitpid(self.pid, os.WNOHANG)
        while not pid and time.monotonic() < deadline:
            self._pump(0.2)
            pid, status = os.waitpid(self.pid, os.WNOHANG)
        if not pid:
            os.kill(self.pid, signal.SIGKILL)
            _, status = os.waitpid(self.pid, 0)
        os.close(self.fd)
        self.exit_code = os.waitstatus_to_exitcode(status)
        return self.exit_code
