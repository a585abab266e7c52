"""Shared fixtures: one fresh `dbt build` of the warehouse per test session, in a temp dir, and
the BI tests' one `make build` of a published warehouse (bi_helpers.shared_build)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pytest

from tradewh.dbt import run_dbt

if TYPE_CHECKING:
    from bi_helpers import SharedBuild


@pytest.fixture(scope="session")
def built_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse built from this checkout's seeds and models (dbt build: models and dbt tests).

    Read it only; tests that corrupt data take a copy with `warehouse_copy`. Set
    TRADEWH_TEST_WAREHOUSE to a file you built already to skip the build while iterating.
    """
    prebuilt = os.environ.get("TRADEWH_TEST_WAREHOUSE")
    if prebuilt:
        return Path(prebuilt).resolve()
    root = tmp_path_factory.mktemp("built")
    database = root / "china_regional_trade.duckdb"
    run_dbt(["build", "--quiet"], database=database, target_path=root / "target", capture=True)
    with duckdb.connect(str(database)) as connection:
        connection.execute("checkpoint")
    return database


@pytest.fixture
def warehouse_copy(built_warehouse: Path, tmp_path: Path) -> Path:
    """A private copy of the built warehouse that a test may modify."""
    copy = tmp_path / built_warehouse.name
    shutil.copyfile(built_warehouse, copy)
    return copy


@pytest.fixture
def warehouse_reader(built_warehouse: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the built warehouse."""
    connection = duckdb.connect(str(built_warehouse), read_only=True)
    try:
        yield connection
    finally:
        connection.close()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> SharedBuild:
    """The published warehouse the BI tests read: `make build` once per session while readers query
    it (bi_helpers.shared_build); a test that asks for it fails when that build failed."""
    from bi_helpers import require_build, shared_build

    return require_build(shared_build(tmp_path_factory))
