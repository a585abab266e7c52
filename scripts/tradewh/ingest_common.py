"""Shared pieces of the ingest commands: the error type, the landing root, reference-seed readers."""

from __future__ import annotations

import csv
import os
from pathlib import Path

from tradewh import PROJECT_ROOT

LANDING_ROOT_ENV = "TRADEWH_LANDING_ROOT"
REFERENCE_DIR = PROJECT_ROOT / "seeds" / "reference"


class IngestError(Exception):
    """Input refused. ``problems`` holds one line per fault, each naming file and row/column/value."""

    def __init__(self, problems: list[str] | str, hint: str | None = None) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        self.hint = hint
        super().__init__(self.render())

    def render(self) -> str:
        lines = [f"  - {problem}" for problem in self.problems]
        text = "refused:\n" + "\n".join(lines)
        if self.hint:
            text += f"\n{self.hint}"
        return text


def landing_root(explicit: Path | str | None = None) -> Path:
    """The landing zone: ``explicit``, else $TRADEWH_LANDING_ROOT, else ``data/landing`` in the project."""
    if explicit:
        return Path(explicit).resolve()
    from_env = os.environ.get(LANDING_ROOT_ENV)
    if from_env:
        return Path(from_env).resolve()
    return PROJECT_ROOT / "data" / "landing"


def read_reference(name: str, reference_dir: Path = REFERENCE_DIR) -> list[dict[str, str]]:
    """Rows of a small reference seed (``name`` without ``.csv``) as dictionaries of text."""
    path = reference_dir / f"{name}.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))
