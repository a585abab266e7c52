"""`make sql`: an interactive SQL shell on the published warehouse with no way out.

Each escape the issue found in the documented DuckDB CLI command is typed into `make sql` at a
terminal (a pty): shell commands, reading a local file (its content must not be echoed), writing
files, opening or attaching another database, changing settings, COPY TO, read_csv. Each must be
refused, leave no file behind, and the shell must go on answering queries.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb

from bi_helpers import SharedBuild
from pty_session import PtySession
from tradewh import PROJECT_ROOT

SECRET = "a-local-secret-7f3a"


def escapes(work: Path) -> list[tuple[str, str, Path | None]]:
    """(what is typed, what the refusal says, a file it must not create)."""
    refused = "not available in this locked shell"
    no_files = "file system operations are disabled by configuration"
    locked = "the configuration has been locked"
    return [
        (f".shell touch {work / 'shell.txt'}", refused, work / "shell.txt"),
        (f".system touch {work / 'system.txt'}", refused, work / "system.txt"),
        (f".read {work / 'secret.sql'}", refused, None),
        (f".output {work / 'output.txt'}", refused, work / "output.txt"),
        (f".once {work / 'once.txt'}", refused, work / "once.txt"),
        (f".open {work / 'opened.duckdb'}", refused, work / "opened.duckdb"),
        (f".pager 'touch {work / 'pager.txt'}'", refused, work / "pager.txt"),
        (f".import {work / 'secret.csv'} t", refused, None),
        (f".cd {work}", refused, None),
        (f"attach '{work / 'attached.duckdb'}' as other;", no_files, work / "attached.duckdb"),
        ("attach ':memory:' as scratch;", "read-only", None),
        ("set enable_external_access = true;", locked, None),
        ("reset lock_configuration;", locked, None),
        ("set threads = 1;", locked, None),
        (f"copy (select 1 as x) to '{work / 'copied.csv'}';", no_files, work / "copied.csv"),
        (f"export database '{work / 'exported'}';", no_files, work / "exported"),
        (f"select * from read_csv('{work / 'secret.csv'}');", no_files, None),
        (f"select * from '{work / 'secret.csv'}';", no_files, None),
        (f"select * from read_text('{work / 'secret.sql'}');", no_files, None),
        ("install httpfs;", no_files, None),
        ("load httpfs;", "disabled through configuration", None),
        ("create table marts.intruder (a integer);", "read-only", None),
    ]


def test_make_sql_refuses_every_escape_at_a_terminal(built: SharedBuild, tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    (work / "secret.sql").write_text(f"select '{SECRET}';\n")
    (work / "secret.csv").write_text(f"a,b\n{SECRET},2\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "MFLAGS"))} | {"TERM": "xterm"}
    shell = PtySession(["make", "--no-print-directory", "sql", f"WAREHOUSE={built.warehouse}"], PROJECT_ROOT, env)
    try:
        banner = shell.read_until("trade> ")
        assert "read-only" in banner.lower() and "build " in banner, banner
        for i, (typed, refusal, must_not_exist) in enumerate(escapes(work)):
            start = len(shell.text())
            shell.send(typed)
            shell.send(f"select 'alive-{i}' as still_here;")
            seen = shell.read_until(f"alive-{i} ")[start:]
            assert f"alive-{i} " in seen, f"the shell stopped answering after {typed!r}:\n{seen}"
            assert refusal in seen, f"{typed!r} was not refused as expected:\n{seen}"
            assert SECRET not in seen, f"{typed!r} echoed a local file's content"
            if must_not_exist is not None:
                assert not must_not_exist.exists(), f"{typed!r} created {must_not_exist}"
        start = len(shell.text())
        shell.send("select count(*) as provinces from marts.fct_province_trade_annual")
        shell.send("  where year = 2023;")
        assert "31" in shell.read_until("31 ")[start:], "a two-line query is answered"
        shell.send(".quit")
        assert shell.close() == 0
    finally:
        shell.close()
    assert sorted(p.name for p in work.iterdir()) == ["secret.csv", "secret.sql"], "no file was written"


def test_the_shell_reads_statements_from_a_pipe_and_fails_on_refusals(built: SharedBuild, tmp_path: Path) -> None:
    script = (
        "select count(*) as n from marts.dim_region where region_level = 'province';\n"
        f"copy (select 1) to '{tmp_path / 'x.csv'}';\n"
    )
    proc = subprocess.run(
        [sys.executable, "scripts/sql_shell.py", "--warehouse", str(built.warehouse)],
        cwd=PROJECT_ROOT,
        input=script,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1, "a refused statement makes a piped run fail"
    assert "31" in proc.stdout
    assert "disabled by configuration" in proc.stderr
    assert not (tmp_path / "x.csv").exists()


def test_why_not_the_duckdb_cli_its_launcher_breaks_safe_mode(tmp_path: Path) -> None:
    """The finding behind the shell: `-safe` fails through the duckdb-cli package's launcher (it
    runs `SET extension_directories` after -safe locked the settings); the binary it wraps takes
    -safe, but there `.pager COMMAND` still runs COMMAND through the system shell."""
    import duckdb_cli

    launcher = Path(sys.executable).with_name("duckdb")
    binary = Path(duckdb_cli.__file__).with_name("duckdb")  # what the launcher runs
    broken = subprocess.run([str(launcher), "-safe", "-c", "select 1"], capture_output=True, text=True, check=False)
    assert broken.returncode != 0 and 'option "extension_directories"' in broken.stderr, broken.stderr
    works = subprocess.run([str(binary), "-safe", "-c", "select 42"], capture_output=True, text=True, check=False)
    assert works.returncode == 0 and "42" in works.stdout, works.stderr

    ran = tmp_path / "pager-ran.txt"
    database = tmp_path / "any.duckdb"
    duckdb.connect(str(database)).close()
    env = {"TERM": "xterm", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    cli = PtySession([str(binary), "-safe", "-readonly", str(database)], tmp_path, env)
    try:
        cli.read_until(" D ")
        cli.send(f".pager 'touch {ran}'")
        cli.send(".pager on")
        cli.send("select * from range(3000);")
        cli.send("select 'after-pager' as marker;")
        cli.read_until("after-pager", limit=20)
        cli.send(".quit")
    finally:
        cli.close()
    assert ran.exists(), "the CLI's -safe mode still lets .pager run a shell command"
