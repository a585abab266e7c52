"""Superset against the published warehouse, run by `make test-superset` in .venv-superset.

    .venv-superset/bin/python tests/superset_probe.py WAREHOUSE WORKDIR

With Superset's own code, inside its app, as docs/connect-bi.md tells a user to configure it:
the SQLAlchemy URI and the engine parameters read from that page. It runs Superset's connection test
(what "Test connection" in the database dialog calls), then one query through the Database model
(as SQL Lab and charts do), then a write and a local-file read, which must be refused. Prints one
line per step; exits 1 at the first failure.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

CONNECT_BI = Path(__file__).resolve().parents[1] / "docs" / "connect-bi.md"
QUERY = "select count(*) as provinces from marts.fct_province_trade_annual where year = 2023"


def documented_engine_parameters() -> dict:
    """The "Engine parameters" JSON of the Superset section of docs/connect-bi.md."""
    section = CONNECT_BI.read_text(encoding="utf-8").split("**Superset**", 1)[1]
    return json.loads(re.search(r"```json\n(.*?)```", section, re.DOTALL)[1])


def main() -> int:
    warehouse, work = Path(sys.argv[1]).resolve(), Path(sys.argv[2]).resolve()
    work.mkdir(parents=True, exist_ok=True)
    config = work / "superset_config.py"
    config.write_text(
        'SECRET_KEY = "superset-probe-only-not-a-secret"\n'
        f'SQLALCHEMY_DATABASE_URI = "sqlite:///{work / "superset.db"}"\n'
    )
    os.environ["SUPERSET_CONFIG_PATH"] = str(config)
    os.environ["SUPERSET_HOME"] = str(work)
    upgrade = subprocess.run(
        [str(Path(sys.executable).with_name("superset")), "db", "upgrade"], capture_output=True, text=True, check=False
    )
    if upgrade.returncode != 0:
        print(f"superset db upgrade failed:\n{upgrade.stderr[-3000:]}")
        return 1
    from superset.app import create_app

    app = create_app()
    with app.app_context():
        from superset.commands.database.test_connection import TestConnectionDatabaseCommand
        from superset.models.core import Database

        uri = f"duckdb:///{warehouse}"
        extra = json.dumps({"engine_params": documented_engine_parameters()})
        TestConnectionDatabaseCommand({"sqlalchemy_uri": uri, "extra": extra}).run()
        print(f"connection test passed: {uri}")
        database = Database(database_name="china_regional_trade", sqlalchemy_uri=uri, extra=extra)
        frame = database.get_df(QUERY, schema="marts")
        provinces = int(frame["provinces"][0])
        print(f"query answered: {provinces} provinces in 2023")
        if provinces != 31:
            return 1
        csv = work / "local.csv"
        csv.write_text("a\n1\n")
        for sql, refusal in (
            ("create table marts.intruder (a integer)", "read-only"),
            (f"select * from read_csv('{csv}')", "disabled by configuration"),
        ):
            try:
                database.get_df(sql, schema="marts")
            except Exception as exc:  # noqa: BLE001  Superset wraps DuckDB's errors in its own types
                if refusal not in str(exc):
                    print(f"refused for another reason: {sql}: {exc}")
                    return 1
                print(f"refused as expected: {sql}")
                continue
            print(f"NOT refused: {sql}")
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
