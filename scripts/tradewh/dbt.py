"""Run dbt as a subprocess against a chosen DuckDB file, with the project's own profile."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from tradewh import PROJECT_ROOT
from tradewh.test_failures import failed_test_figures

PRODUCTION_BUILD_ARGS: tuple[str, ...] = ("build", "--exclude-resource-type", "unit_test")
"""`dbt build` as `make build` runs it (and the bench measures it): seeds, models and data tests.

Unit tests check model logic on fixed inputs, not the data, so they do not change between two
builds of the same code; they run in the test suite (tests/conftest.py builds with them), not in
every production build (as dbt's documentation recommends).
"""


class DbtError(RuntimeError):
    """dbt exited non-zero."""


def dbt_executable() -> str:
    """The dbt next to the running interpreter (the project's .venv), else the one on PATH."""
    candidate = Path(sys.executable).with_name("dbt")
    return str(candidate) if candidate.exists() else "dbt"


def dbt_env(database: Path, target_path: Path | None = None, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for a dbt run that writes ``database`` and keeps its artefacts apart."""
    env = dict(os.environ)
    env["DBT_PROFILES_DIR"] = str(PROJECT_ROOT)
    env["DBT_DUCKDB_PATH"] = str(Path(database).resolve())
    env.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    if target_path is not None:
        env["DBT_TARGET_PATH"] = str(Path(target_path).resolve())
        env["DBT_LOG_PATH"] = str(Path(target_path).resolve() / "logs")
    if extra:
        env.update(extra)
    return env


def run_dbt(
    args: Sequence[str],
    database: Path,
    target_path: Path | None = None,
    extra_env: dict[str, str] | None = None,
    capture: bool = False,
) -> subprocess.CompletedProcess[str]:
    """Run ``dbt <args>`` in the project directory; raise DbtError when it fails."""
    command = [dbt_executable(), *args]
    result = subprocess.run(
        command,
        cwd=PROJECT_ROOT,
        env=dbt_env(database, target_path, extra_env),
        text=True,
        capture_output=capture,
        check=False,
    )
    if result.returncode != 0:
        detail = (result.stdout or "")[-4000:] if capture else ""
        figures = failed_test_figures(Path(target_path or PROJECT_ROOT / "target"), Path(database))
        if figures:
            detail += "\nfailed tests and the figures they name:\n" + "\n".join(f"  - {line}" for line in figures)
        raise DbtError(f"`dbt {' '.join(args)}` failed with exit code {result.returncode}\n{detail}")
    return result
