"""The repository stays clean: ruff, sqlfluff (dbt templater, duckdb dialect), dbt parse --warn-error."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tradewh import PROJECT_ROOT
from tradewh.dbt import dbt_env, dbt_executable

BIN = Path(sys.executable).parent


def run(command: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, env=env, check=False)


def test_ruff_clean() -> None:
    result = run([str(BIN / "ruff"), "check", "scripts", "tests"])
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_clean() -> None:
    result = run([str(BIN / "ruff"), "format", "--check", "scripts", "tests"])
    assert result.returncode == 0, result.stdout + result.stderr


def test_dbt_parse_warn_error(tmp_path: Path) -> None:
    env = dbt_env(tmp_path / "parse.duckdb", target_path=tmp_path / "target")
    result = run([dbt_executable(), "--warn-error", "parse", "--no-partial-parse"], env=env)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


@pytest.mark.slow
def test_sqlfluff_clean(tmp_path: Path) -> None:
    env = dbt_env(tmp_path / "lint.duckdb", target_path=tmp_path / "target")
    result = run([str(BIN / "sqlfluff"), "lint", "models", "macros", "tests/dbt", "--format", "human"], env=env)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
