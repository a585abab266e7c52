"""Every client the README documents, connected with exactly the README's line for it.

Each connection runs a query and sees a write, a COPY ... TO and a read_csv of a local file
refused. The lines are read from README.md's "Connect your BI tool" section, so the README and
the tests cannot drift apart. The DuckDB 1.4 check (same Python line, duckdb 1.4.4) is in
test_bi_access.py; the SQL shell (`make sql`) in test_sql_shell.py.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import duckdb
import ibis
import pandas as pd
import pytest
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from bi_helpers import SharedBuild, readme_connection_line
from tradewh import PROJECT_ROOT

SECRET = "local-file-content-5be1"
QUERY = "select count(*) as provinces from marts.fct_province_trade_annual where year = 2023"


def connect_as_documented(label: str, warehouse: Path) -> object:
    """Evaluate the README's line for ``label`` with ``path`` naming the warehouse."""
    namespace = {"duckdb": duckdb, "sa": sa, "ibis": ibis, "NullPool": NullPool, "path": str(warehouse)}
    return eval(readme_connection_line(label), namespace)  # the README's own line, nothing else


@pytest.fixture
def local_csv(tmp_path: Path) -> Path:
    path = tmp_path / "local.csv"
    path.write_text(f"a,b\n{SECRET},1\n")
    return path


def assert_refusals(execute: Callable[[str], object], error: type[Exception], tmp_path: Path, local_csv: Path) -> None:
    """A write, a COPY TO and a read of a local file are each refused for the right reason."""
    with pytest.raises(error, match="read-only"):
        execute("create table marts.intruder (a integer)")
    copied = tmp_path / "copied.csv"
    with pytest.raises(error, match="disabled by configuration"):
        execute(f"copy (select 1 as x) to '{copied}'")
    assert not copied.exists()
    with pytest.raises(error, match="disabled by configuration") as refused:
        execute(f"select * from read_csv('{local_csv}')")
    assert SECRET not in str(refused.value)
    with pytest.raises(error, match="locked"):
        execute("set enable_external_access = true")


def test_python_with_the_readme_line(built: SharedBuild, tmp_path: Path, local_csv: Path) -> None:
    con = connect_as_documented("Python", built.warehouse)
    try:
        assert con.execute(QUERY).fetchone() == (31,)
        assert_refusals(con.execute, duckdb.Error, tmp_path, local_csv)
    finally:
        con.close()


def test_sqlalchemy_and_pandas_with_the_readme_line(built: SharedBuild, tmp_path: Path, local_csv: Path) -> None:
    engine = connect_as_documented("SQLAlchemy", built.warehouse)
    try:
        with engine.connect() as conn:
            frame = pd.read_sql(sa.text(QUERY), conn)
            assert frame["provinces"].tolist() == [31]

            def execute(sql: str) -> None:
                try:
                    conn.execute(sa.text(sql))
                finally:
                    conn.rollback()

            assert_refusals(execute, sa.exc.DBAPIError, tmp_path, local_csv)
        inspector = sa.inspect(engine)
        assert "dim_region" in inspector.get_table_names(schema="marts")
        assert all(c["comment"] for c in inspector.get_columns("dim_region", schema="marts"))
        # the limit the README states: duckdb-engine 0.17 cannot reflect primary keys
        with pytest.raises(sa.exc.DBAPIError, match="REGCLASS"):
            inspector.get_pk_constraint("dim_region", schema="marts")
    finally:
        engine.dispose()


def test_ibis_with_the_readme_line(built: SharedBuild, tmp_path: Path, local_csv: Path) -> None:
    con = connect_as_documented("ibis", built.warehouse)
    try:
        table = con.table("fct_province_trade_annual", database="marts")
        assert table.filter(table.year == 2023).count().execute() == 31
        assert_refusals(con.raw_sql, duckdb.Error, tmp_path, local_csv)
        with pytest.raises(duckdb.Error, match="disabled by configuration"):
            con.read_csv(str(local_csv)).execute()
    finally:
        con.disconnect()


def test_ibis_fails_without_allowed_configs(built: SharedBuild) -> None:
    """Why the README's ibis line carries `allowed_configs`: ibis runs SET timezone on connect."""
    with pytest.raises(duckdb.Error, match='"timezone"'):
        ibis.duckdb.connect(str(built.warehouse), read_only=True, enable_external_access=False, lock_configuration=True)


def test_the_readme_example_queries_run_in_the_sql_shell(built: SharedBuild) -> None:
    """The README's first example query, run with the command the README gives for it."""
    text = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    sql = re.search(r"```sql\n(.*?)```", text, re.DOTALL)[1]
    proc = subprocess.run(
        [sys.executable, "scripts/sql_shell.py", "--warehouse", str(built.warehouse), "-c", sql],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "belt_and_road_along" in proc.stdout and "183.16" in proc.stdout, proc.stdout
