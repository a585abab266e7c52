"""A locked interactive SQL shell on the published warehouse (``make sql``).

Why not the DuckDB CLI: its ``-safe`` flag fails in the ``duckdb-cli`` package from PyPI
(``Cannot change configuration option "extension_directories"``) because that package's
``duckdb`` launcher prepends ``-cmd "SET extension_directories = ..."`` to every command line,
and ``-cmd`` runs after ``-safe`` has locked the configuration. The binary it wraps accepts
``-safe``, and then refuses ``.shell``, ``.system``, ``.read``, ``.output``, ``.once`` and
``.open``, but not ``.pager COMMAND``, which runs COMMAND through the system shell the next
time a result is shown on a terminal. So this shell is the duckdb Python module with no way out:

- the connection is read-only with external access off and the configuration locked
  (``LOCKED_SETTINGS``): DuckDB itself refuses writes, ATTACH, COPY TO, file readers
  (read_csv, read_text, glob, ...), INSTALL/LOAD and every SET;
- dot commands are this module's own (``DOT_COMMANDS``): none of them runs a program, opens a
  file or another database; any other dot command is refused by name;
- line editing (readline, on a terminal) completes schema and relation names only (its default
  completes file names) and keeps no history file.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TextIO

import duckdb

from tradewh import PROJECT_ROOT
from tradewh.publish import build_label, build_stamp

DEFAULT_WAREHOUSE = PROJECT_ROOT / "warehouse" / "china_regional_trade.duckdb"

LOCKED_SETTINGS: dict[str, bool] = {"enable_external_access": False, "lock_configuration": True}
"""What every BI connection should set besides read-only (docs/connect-bi.md)."""

SHELL_SETTINGS: dict[str, bool] = {**LOCKED_SETTINGS, "python_enable_replacements": False}
"""The shell also turns off scans of Python variables by name (a query can only see the file)."""

PROMPT, CONTINUE = "trade> ", "  ...> "
DEFAULT_MAX_ROWS = 40


def open_locked(warehouse: Path) -> duckdb.DuckDBPyConnection:
    """The warehouse, read-only, no external access, configuration locked."""
    warehouse = Path(warehouse)
    if not warehouse.is_file():
        raise FileNotFoundError(f"no warehouse at {warehouse}: run `make build` first (or pass WAREHOUSE=path)")
    return duckdb.connect(str(warehouse), read_only=True, config=dict(SHELL_SETTINGS))


class Shell:
    """Reads SQL (statements end with ``;``) and this shell's dot commands; writes results to ``out``."""

    def __init__(self, con: duckdb.DuckDBPyConnection, out: TextIO, err: TextIO) -> None:
        self.con, self.out, self.err = con, out, err
        self.max_rows = DEFAULT_MAX_ROWS
        self.failed = False
        self.done = False

    # ---------------------------------------------------------------- input

    def run(self, lines: Iterator[str]) -> None:
        """Execute every complete statement and dot command in ``lines`` (until ``.quit`` or EOF)."""
        buffer = ""
        for line in lines:
            if not buffer.strip() and line.strip().startswith("."):
                self.dot_command(line.strip())
            else:
                buffer += line + "\n"
                if buffer.rstrip().endswith(";") and self.execute(buffer):
                    buffer = ""
            if self.done:
                return
        if buffer.strip():
            self.execute(buffer, final=True)

    def execute(self, text: str, *, final: bool = False) -> bool:
        """Run the statements in ``text``; False when it is not complete yet (an open quote)."""
        try:
            statements = self.con.extract_statements(text)
        except duckdb.ParserException as exc:
            if "unterminated" in str(exc) and not final:
                return False
            self.error(exc)
            return True
        for statement in statements:
            try:
                relation = self.con.sql(statement.query)
                if relation is not None:
                    self.show(relation)
            except duckdb.Error as exc:
                self.error(exc)
            except KeyboardInterrupt:
                self.error("interrupted")
        return True

    def show(self, relation: duckdb.DuckDBPyRelation) -> None:
        """The CLI's box rendering, as wide as the terminal, at most ``max_rows`` rows."""
        captured = io.StringIO()
        with contextlib.redirect_stdout(captured):
            relation.show(max_width=shutil.get_terminal_size((120, 40)).columns, max_rows=self.max_rows or 2**62)
        self.out.write(captured.getvalue())
        self.out.flush()

    def error(self, message: object) -> None:
        self.failed = True
        self.err.write(f"Error: {message}\n")
        self.err.flush()

    # ---------------------------------------------------------------- dot commands

    def dot_command(self, line: str) -> None:
        name, _, argument = line.partition(" ")
        handler = DOT_COMMANDS.get(name)
        if handler is None:
            self.error(
                f"{name} is not available in this locked shell: it runs no programs, reads and writes no files and"
                f" opens no other database. Commands: {', '.join(DOT_COMMANDS)}"
            )
            return
        handler[0](self, argument.strip())

    def help(self, _: str) -> None:
        for name, (_, text) in DOT_COMMANDS.items():
            self.out.write(f"{name:<16}{text}\n")
        self.out.write("SQL statements end with ';'. The warehouse is read-only; query the marts schema.\n")

    def tables(self, pattern: str) -> None:
        self.show(
            self.con.sql(
                "select schema_name as schema, table_name as name, 'table' as kind from duckdb_tables()"
                " where database_name = current_database() union all"
                " select schema_name, view_name, 'view' from duckdb_views()"
                " where database_name = current_database() and not internal"
            )
            .filter(duckdb.SQLExpression(f"name ilike {_literal(pattern or '%')}"))
            .order("schema, name")
        )

    def schema(self, name: str) -> None:
        if not name:
            self.error("usage: .schema NAME (a table or view, e.g. marts.dim_region)")
            return
        schema, _, relation = name.rpartition(".")
        columns = self.con.sql(
            "select column_name as column, data_type as type, comment from duckdb_columns()"
            f" where database_name = current_database() and table_name = {_literal(relation)}"
            + (f" and schema_name = {_literal(schema)}" if schema else "")
            + " order by schema_name, column_index"
        )
        if not columns.fetchall():
            self.error(f"no table or view named {name}")
            return
        self.show(columns)

    def maxrows(self, argument: str) -> None:
        if not argument.isdigit():
            self.error("usage: .maxrows N (0 shows every row)")
            return
        self.max_rows = int(argument) or None

    def quit(self, _: str) -> None:
        self.done = True


DOT_COMMANDS: dict[str, tuple[Callable[[Shell, str], None], str]] = {
    ".help": (Shell.help, "this list"),
    ".tables": (Shell.tables, "tables and views (.tables PATTERN: those whose name is ILIKE PATTERN)"),
    ".schema": (Shell.schema, "columns, types and descriptions of a table or view (.schema marts.dim_region)"),
    ".maxrows": (Shell.maxrows, f"rows shown per result (default {DEFAULT_MAX_ROWS}; 0: all)"),
    ".quit": (Shell.quit, "leave (also .exit or Ctrl-D)"),
    ".exit": (Shell.quit, "leave"),
}


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def terminal_lines(shell: Shell) -> Iterator[str]:
    """Lines typed at a terminal, with line editing and completion of relation names."""
    import readline

    names = sorted(
        {
            part
            for (schema, name) in shell.con.execute(
                "select schema_name, table_name from duckdb_tables() union all"
                " select schema_name, view_name from duckdb_views() where not internal"
            ).fetchall()
            for part in (schema, f"{schema}.{name}")
        }
    )

    def complete(text: str, state: int) -> str | None:
        matches = [n for n in names if n.startswith(text)]
        return matches[state] if state < len(matches) else None

    readline.set_completer_delims(" \t\n(),;")
    readline.set_completer(complete)
    readline.parse_and_bind("tab: complete")
    prompt = PROMPT
    while True:
        try:
            line = input(prompt)
        except EOFError:
            shell.out.write("\n")
            return
        except KeyboardInterrupt:  # Ctrl-C drops the statement being typed
            shell.out.write("^C\n")
            yield ";"  # ends any open statement harmlessly: an empty statement list
            prompt = PROMPT
            continue
        yield line
        prompt = CONTINUE if line.strip() and not line.rstrip().endswith(";") and not line.startswith(".") else PROMPT


def banner(con: duckdb.DuckDBPyConnection, warehouse: Path) -> str:
    return (
        f"{warehouse} ({build_label(build_stamp(con))})\n"
        "Read-only, no file access, settings locked. SQL ends with ';'; .help lists the commands.\n"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--warehouse", type=Path, default=DEFAULT_WAREHOUSE, help="the published DuckDB file")
    parser.add_argument("-c", "--command", help="run these statements (or one dot command) and exit")
    args = parser.parse_args(argv)
    try:
        con = open_locked(args.warehouse)
    except (FileNotFoundError, duckdb.Error) as exc:
        print(f"[sql] {exc}", file=sys.stderr)
        return 2
    shell = Shell(con, sys.stdout, sys.stderr)
    try:
        if args.command is not None:
            shell.run(iter(args.command.splitlines()))
            return 1 if shell.failed else 0
        if sys.stdin.isatty():
            shell.out.write(banner(con, args.warehouse))
            shell.run(terminal_lines(shell))
            return 0
        shell.run(line.rstrip("\n") for line in sys.stdin)
        return 1 if shell.failed else 0
    finally:
        con.close()
