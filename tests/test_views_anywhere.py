"""The published file works under any file name and any ATTACH alias: no view names its catalog.

Reproduces what a user saw: a copy saved as ``trade_2024.duckdb`` had 11 of its 12 views failing,
and ATTACHed as ``new_build`` beside another file attached as ``china_regional_trade``, its views
silently read that other file. Here the other file is a copy whose tables were all emptied, so a
view that reads the wrong file answers with other rows and the fingerprints differ.
"""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

import duckdb
import pytest

from bi_helpers import SharedBuild
from tradewh.publish import PublishError, publish

Relation = tuple[str, str]


def views_and_marts(con: duckdb.DuckDBPyConnection, catalog: str) -> list[Relation]:
    """Every view, and every table of the marts schema, of ``catalog``."""
    rows = con.execute(
        "select schema_name, view_name from duckdb_views() where database_name = ? and not internal"
        " union all select schema_name, table_name from duckdb_tables() where database_name = ?"
        " and schema_name = 'marts' order by 1, 2",
        [catalog, catalog],
    ).fetchall()
    return [(schema, name) for schema, name in rows]


def fingerprints(con: duckdb.DuckDBPyConnection, catalog: str, relations: list[Relation]) -> dict[Relation, tuple]:
    """(rows, sum of row hashes) of each relation, read through ``catalog``."""
    return {
        (schema, name): con.execute(
            f'select count(*), sum(hash(t)) from "{catalog}"."{schema}"."{name}" as t'
        ).fetchone()
        for schema, name in relations
    }


def emptied_copy(source: Path, target: Path) -> Path:
    """A copy of the warehouse under the published name with every table emptied."""
    target.parent.mkdir(parents=True)
    shutil.copyfile(source, target)
    target.chmod(stat.S_IRUSR | stat.S_IWUSR)
    with duckdb.connect(str(target)) as con:
        tables = con.execute("select schema_name, table_name from duckdb_tables() where not internal").fetchall()
        for schema, table in tables:
            con.execute(f'delete from "{schema}"."{table}"')
        con.execute("checkpoint")
    return target


def test_every_view_and_mart_answers_from_its_own_file_under_another_name_and_alias(
    built: SharedBuild, tmp_path: Path
) -> None:
    with duckdb.connect(str(built.warehouse), read_only=True) as con:
        (catalog,) = con.execute("select current_database()").fetchone()
        relations = views_and_marts(con, catalog)
        expected = fingerprints(con, catalog, relations)
        (views,) = con.execute("select count(*) from duckdb_views() where not internal").fetchone()
    assert catalog == "china_regional_trade"
    assert views >= 12
    answering = [r for r, (rows, _) in expected.items() if rows > 0]
    assert len(answering) >= 20, "most views and marts have rows, so reading another file would show"

    renamed = tmp_path / "trade_2024.duckdb"
    shutil.copyfile(built.warehouse, renamed)
    with duckdb.connect(str(renamed), read_only=True) as con:
        assert fingerprints(con, "trade_2024", relations) == expected, "opened directly under another name"

    other = emptied_copy(built.warehouse, tmp_path / "other" / "china_regional_trade.duckdb")
    with duckdb.connect() as con:
        con.execute(f"attach '{other}' as china_regional_trade (read_only)")
        con.execute(f"attach '{renamed}' as new_build (read_only)")
        assert fingerprints(con, "new_build", relations) == expected, "ATTACHed as new_build"
        con.execute("use china_regional_trade")  # the other file is now the default catalog
        assert fingerprints(con, "new_build", relations) == expected, "with the other file as default catalog"
        theirs = fingerprints(con, "china_regional_trade", relations)
    assert all(theirs[r][0] == 0 for r in answering), "the other file really answers differently"


def test_no_view_of_the_published_file_names_a_catalog(built: SharedBuild) -> None:
    with duckdb.connect(str(built.warehouse), read_only=True) as con:
        naming = con.execute(
            "select schema_name || '.' || view_name from duckdb_views()"
            " where not internal and sql ilike '%china_regional_trade%'"
        ).fetchall()
    assert naming == []


def test_publish_refuses_a_view_that_names_its_catalog(tmp_path: Path) -> None:
    staging = tmp_path / "china_regional_trade.staging.duckdb"
    with duckdb.connect(str(staging)) as con:
        con.execute("create schema marts")
        con.execute("create table marts.t as select 1 as a")
        con.execute("create view marts.v as select a from china_regional_trade.marts.t")
    warehouse = tmp_path / "wh" / "china_regional_trade.duckdb"
    with pytest.raises(PublishError, match=r"marts\.v names its catalog"):
        publish(staging, warehouse)
    assert not warehouse.exists()
    assert list(warehouse.parent.iterdir()) == [], "no temporary file left"
