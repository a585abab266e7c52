"""BI access to the published warehouse: it opens in DuckDB 1.4, and the DuckDB CLI, Python and
SQLAlchemy (duckdb-engine, as Superset connects) read it read-only, with no way to write."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
import sqlalchemy as sa

from bi_helpers import SharedBuild, readme_connection_line
from tradewh import PROJECT_ROOT
from tradewh.locking import locked

COMPAT_DUCKDB = "1.4.4"
COMPAT_ENV = PROJECT_ROOT / ".venv-compat" / f"duckdb-{COMPAT_DUCKDB}"
# What docs/connect-bi.md tells every tool to set: read-only, no file access, settings locked.
LOCKED = {"enable_external_access": False, "lock_configuration": True}
WRITES = (
    "create table marts.intruder (a integer)",
    "insert into marts.dim_region (region_code) values ('999999')",
    "update marts.dim_region set region_name_en = 'x'",
    "delete from marts.rpt_figure_issues",
    "drop table marts.dim_region",
    "alter table marts.dim_region add column x integer",
    "comment on table marts.dim_region is 'changed'",
    "create schema scratch",
    "create view marts.v as select 1 as a",
)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def compat_python() -> Path:
    """A separate virtual environment with DuckDB 1.4 (cached in .venv-compat/, git-ignored)."""
    python = COMPAT_ENV / "bin" / "python"
    COMPAT_ENV.parent.mkdir(exist_ok=True)
    with locked(COMPAT_ENV.parent / ".lock"):  # another test run may be creating it right now
        check = [str(python), "-c", f"import duckdb; assert duckdb.__version__ == '{COMPAT_DUCKDB}'"]
        if python.exists() and subprocess.run(check, capture_output=True, check=False).returncode == 0:
            return python
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(COMPAT_ENV)], check=True)
        install = subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", f"duckdb=={COMPAT_DUCKDB}"],
            capture_output=True,
            text=True,
            check=False,
        )
        assert install.returncode == 0, f"could not install duckdb=={COMPAT_DUCKDB}: {install.stderr[-2000:]}"
        subprocess.run(check, check=True)
    return python


COMPAT_PROBE = """
import json, sys, duckdb
path, readme_line, local_csv = sys.argv[1:4]
con = eval(readme_line)  # the README's Python line
marts = [t for (t,) in con.execute(
    "select table_name from duckdb_tables() where schema_name = 'marts' order by 1").fetchall()]
out = {
    "version": duckdb.__version__,
    "rows": {t: con.execute(f'select count(*) from marts."{t}"').fetchone()[0] for t in marts},
    "comments": con.execute(
        "select count(*) from duckdb_columns() where schema_name = 'marts' and comment is not null").fetchone()[0],
    "columns": con.execute("select count(*) from duckdb_columns() where schema_name = 'marts'").fetchone()[0],
    "xizang_2023": con.execute(
        "select value_usd from marts.fct_province_trade_annual where region_code = '540000' and year = 2023"
    ).fetchone()[0],
    "build_id": con.execute("select build_id from meta.build_info").fetchone()[0],
}
refusals = {"write": "create table marts.x (a integer)", "local_read": f"select * from read_csv('{local_csv}')"}
for key, sql in refusals.items():
    try:
        con.execute(sql)
        out[key] = "allowed"
    except duckdb.Error as exc:
        out[key] = str(exc)
con.close()
alias = duckdb.connect()  # every view answers when the file is ATTACHed under another alias
alias.execute(f"attach '{path}' as elsewhere (read_only)")
views = alias.execute("select schema_name, view_name from duckdb_views() where database_name = 'elsewhere'").fetchall()
count = 'select count(*) from elsewhere."{}"."{}"'
out["views"] = {f"{s}.{v}": alias.execute(count.format(s, v)).fetchone()[0] for s, v in views}
print(json.dumps(out, default=str))
"""


@pytest.mark.slow
def test_the_published_file_opens_in_duckdb_1_4(built: SharedBuild, tmp_path: Path) -> None:
    python = compat_python()
    local_csv = tmp_path / "local.csv"
    local_csv.write_text("a\n1\n")
    readme_line = readme_connection_line("Python")
    proc = subprocess.run(
        [str(python), "-c", COMPAT_PROBE, str(built.warehouse), readme_line, str(local_csv)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    seen = json.loads(proc.stdout)
    with duckdb.connect(str(built.warehouse), read_only=True) as con:
        marts = con.execute("select table_name from duckdb_tables() where schema_name = 'marts'").fetchall()
        rows = {t: con.execute(f'select count(*) from marts."{t}"').fetchone()[0] for (t,) in marts}
        (build_id,) = con.execute("select build_id from meta.build_info").fetchone()
        views = con.execute("select schema_name, view_name from duckdb_views() where not internal").fetchall()
        view_rows = {f"{s}.{v}": con.execute(f'select count(*) from "{s}"."{v}"').fetchone()[0] for s, v in views}
    assert seen["version"] == COMPAT_DUCKDB
    assert seen["rows"] == rows, "DuckDB 1.4 reads every mart, row for row"
    assert len(rows) >= 8 and rows["fct_province_trade_annual"] >= 31 * 9
    assert seen["comments"] == seen["columns"] > 0, "the dbt descriptions come through as column comments"
    assert float(seen["xizang_2023"]) == pytest.approx(1.54e9, rel=0.01)
    assert seen["build_id"] == build_id
    assert "read-only" in seen["write"]
    assert "disabled by configuration" in seen["local_read"]
    assert seen["views"] == view_rows and len(view_rows) >= 12, "DuckDB 1.4 reads every view under another alias"


def test_duckdb_cli_reads_and_cannot_write(built: SharedBuild, tmp_path: Path) -> None:
    cli = Path(sys.executable).with_name("duckdb")
    assert cli.exists(), "the DuckDB CLI comes from the pinned duckdb-cli package"
    before = digest(built.warehouse)
    base = [
        str(cli),
        "-readonly",
        "-cmd",
        "SET enable_external_access = false",
        "-cmd",
        "SET lock_configuration = true",
    ]
    read = subprocess.run(
        [*base, "-csv", str(built.warehouse), "-c", "select count(*) as provinces from marts.fct_province_trade_annual"
         " where year = 2023"],
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    assert read.returncode == 0, read.stderr
    assert read.stdout.split() == ["provinces", "31"]
    escape_file = tmp_path / "out.csv"
    for statement in (*WRITES, f"copy (select 1) to '{escape_file}'", "set enable_external_access = true"):
        attempt = subprocess.run(
            [*base, str(built.warehouse), "-c", statement], capture_output=True, text=True, check=False
        )
        assert attempt.returncode != 0, f"the CLI accepted: {statement}"
        assert (
            "read-only" in attempt.stderr
            or "disabled by configuration" in attempt.stderr
            or ("locked" in attempt.stderr)
        ), attempt.stderr
    assert not escape_file.exists()
    assert digest(built.warehouse) == before


def test_python_read_only_connection_refuses_every_write(built: SharedBuild, tmp_path: Path) -> None:
    before = digest(built.warehouse)
    with duckdb.connect(str(built.warehouse), read_only=True, config=LOCKED) as con:
        assert con.execute("select count(*) from marts.dim_region").fetchone()[0] >= 32
        for statement in WRITES:
            with pytest.raises(duckdb.Error, match="read-only"):
                con.execute(statement)
        with pytest.raises(duckdb.Error, match="disabled by configuration"):
            con.execute(f"copy (select 1) to '{tmp_path / 'x.csv'}'")
        with pytest.raises(duckdb.Error, match="disabled by configuration"):
            con.execute(f"attach '{tmp_path / 'other.duckdb'}' as other")
        with pytest.raises(duckdb.Error):
            con.execute("set enable_external_access = true")
        with pytest.raises(duckdb.Error):
            con.execute(f"attach '{built.warehouse}' as again (read_only false)")
    assert digest(built.warehouse) == before


def test_a_plain_read_write_open_of_the_published_file_is_refused_for_users(built: SharedBuild) -> None:
    """The file is mode 0444: a BI user who is not root cannot open it for writing at all."""
    mode = built.warehouse.stat().st_mode & 0o777
    assert mode == 0o444
    assert not built.warehouse.with_name(built.warehouse.name + ".wal").exists()


def test_sqlalchemy_duckdb_engine_read_only(built: SharedBuild) -> None:
    before = digest(built.warehouse)
    engine = sa.create_engine(f"duckdb:///{built.warehouse}", connect_args={"read_only": True, "config": dict(LOCKED)})
    try:
        inspector = sa.inspect(engine)
        tables = inspector.get_table_names(schema="marts")
        assert {"fct_province_trade_annual", "fct_region_trade_ytd", "rpt_figure_issues", "dim_region"} <= set(tables)
        columns = inspector.get_columns("fct_province_trade_annual", schema="marts")
        assert {c["name"] for c in columns} >= {"region_code", "year", "value_usd", "yoy_pct"}
        assert all(c["comment"] for c in columns), "BI tools show the dbt descriptions (column comments)"
        assert inspector.get_table_comment("dim_region", schema="marts")["text"]
        with engine.connect() as conn:
            total = conn.execute(
                sa.text("select sum(value_usd) from marts.fct_province_trade_annual where year = 2023")
            ).scalar_one()
            assert float(total) == pytest.approx(5935.94e9, rel=1e-4)
            for statement in WRITES:
                with pytest.raises(sa.exc.DBAPIError, match="read-only"):
                    conn.execute(sa.text(statement))
                conn.rollback()
    finally:
        engine.dispose()
    assert digest(built.warehouse) == before


def test_parquet_exports_match_the_marts(built: SharedBuild) -> None:
    parquet = built.folder / "parquet"
    with duckdb.connect(str(built.warehouse), read_only=True) as con:
        marts = sorted(t for (t,) in con.execute("select table_name from duckdb_tables() where schema_name = 'marts'")
                       .fetchall())  # fmt: skip
        assert sorted(p.stem for p in parquet.glob("*.parquet")) == marts
        assert not list(parquet.glob(".*")), "no partial files left"
        for mart in marts:
            path = parquet / f"{mart}.parquet"
            diff = con.execute(
                f'select count(*) from ((select * from marts."{mart}" except all select * from read_parquet(?))'
                f' union all (select * from read_parquet(?) except all select * from marts."{mart}"))',
                [str(path), str(path)],
            ).fetchone()[0]
            assert diff == 0, f"{path} differs from marts.{mart}"
