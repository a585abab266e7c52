"""Great Expectations validation of a built warehouse: the independent second look at the totals.

How a run works (see docs/validation.md for why):

1. The committed file context in ``expectations/`` (great_expectations.yml and one suite JSON per
   check) is copied to a temporary directory, so a run never writes into the repository and
   concurrent runs never share state. GX's runtime stores live under ``uncommitted/`` there.
2. The warehouse is opened with ``duckdb.connect(path, read_only=True)``. Each suite carries the
   SQL of its check in ``meta.query``; the query's result becomes a pandas DataFrame.
3. The frame is validated through a pandas datasource (``add_dataframe_asset`` + a whole-dataframe
   batch definition + a ValidationDefinition). GX's SQL datasource is not used: on DuckDB it
   returns empty results (GX issues 10738 and 11579).
4. Every expectation ends as ``pass``, ``fail`` or ``error``. ``error`` (the query failed, a
   table is missing, GX raised inside an expectation, a result is missing) is a failure, never a
   pass. Data Docs are built into ``<warehouse dir>/data_docs/`` unless disabled.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import logging
import math
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import duckdb
import great_expectations as gx
import pandas as pd
from great_expectations.core.run_identifier import RunIdentifier

from tradewh.errors import environment_problem
from tradewh.leftovers import gx_temp_prefix
from tradewh.validation_spec import CONTEXT_DIR, SPEC_PATH, SUITES_DIRNAME, SpecError, load_spec

if TYPE_CHECKING:
    from great_expectations.core.expectation_suite import ExpectationSuite
    from great_expectations.data_context import FileDataContext

Status = Literal["pass", "fail", "error"]
DATA_DOCS_ENV = "TRADEWH_DATA_DOCS_DIR"
SITE_NAME = "warehouse_site"
_MAX_KEYS_SHOWN = 5


class ValidationSetupError(RuntimeError):
    """Validation could not start (no warehouse file, no file context): the message says which."""


class DamagedWarehouseError(ValidationSetupError):
    """The warehouse file cannot be read whole (truncated, corrupted): no expectation was run."""


@dataclass(frozen=True)
class Outcome:
    """The result of one expectation."""

    suite: str
    expectation: str
    status: Status
    observed: str
    expected: str
    detail: str = ""

    @property
    def passed(self) -> bool:
        return self.status == "pass"


@dataclass
class ValidationReport:
    """All outcomes of one run; ``success`` only when there is at least one and all passed."""

    warehouse: Path
    outcomes: list[Outcome] = field(default_factory=list)
    data_docs_index: Path | None = None

    @property
    def success(self) -> bool:
        return bool(self.outcomes) and all(o.passed for o in self.outcomes)

    @property
    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.passed]

    def failed_expectations(self) -> set[str]:
        return {o.expectation for o in self.failures}

    def summary(self) -> str:
        return format_summary(self)


def default_data_docs_dir(warehouse: Path) -> Path:
    """``--warehouse X`` writes Data Docs to ``X``'s directory ``/data_docs``."""
    return Path(warehouse).resolve().parent / "data_docs"


def validate_warehouse(
    warehouse: Path,
    *,
    data_docs: bool = True,
    data_docs_dir: Path | None = None,
    context_dir: Path = CONTEXT_DIR,
    only: Sequence[str] | None = None,
) -> ValidationReport:
    """Validate ``warehouse`` (opened read-only) against every suite of the file context.

    ``only`` restricts the run to the named suites (for debugging; the CLI and the build run all).
    Raises ValidationSetupError when the warehouse file or the file context is missing; every
    problem inside a check is reported as an ``error`` outcome instead.
    """
    warehouse = Path(warehouse).resolve()
    if not warehouse.is_file():
        raise ValidationSetupError(f"no warehouse file at {warehouse}")
    if not (context_dir / "great_expectations.yml").is_file():
        raise ValidationSetupError(f"no GX file context at {context_dir} (great_expectations.yml missing)")
    check_readable(warehouse)
    docs_dir = (data_docs_dir or default_data_docs_dir(warehouse)).resolve()
    report = ValidationReport(warehouse=warehouse)

    with _quiet_gx(), tempfile.TemporaryDirectory(prefix=gx_temp_prefix()) as tmp:
        runtime_dir = Path(tmp) / "context"
        shutil.copytree(context_dir, runtime_dir, ignore=shutil.ignore_patterns("uncommitted"))
        staging_docs = Path(tmp) / "data_docs"
        try:
            context = _open_context(runtime_dir, staging_docs)
        except Exception as exc:  # GX raises many types for a broken context; re-raised as a setup error
            raise ValidationSetupError(f"GX cannot open the file context {context_dir}: {exc}") from exc
        suites = _load_suites(context, runtime_dir, only, report)
        if only is None:
            report.outcomes.extend(_suites_missing_from_context(runtime_dir))
        datasource = context.data_sources.add_pandas("warehouse")
        try:
            connection = duckdb.connect(str(warehouse), read_only=True)
        except duckdb.Error as exc:
            raise ValidationSetupError(f"cannot open {warehouse} read-only: {exc}") from exc
        # Data Docs name the run after the validated file, so a page says what it describes.
        run_id = RunIdentifier(run_name=warehouse.name, run_time=dt.datetime.now(dt.timezone.utc))
        try:
            for suite in suites:
                report.outcomes.extend(_run_suite(context, datasource, connection, suite, run_id))
        finally:
            connection.close()
        if data_docs:
            report.data_docs_index = _build_data_docs(context, staging_docs, docs_dir, report)
    return report


def check_readable(warehouse: Path) -> None:
    """Read every table of ``warehouse`` whole (a hash of every row), before any expectation runs.

    A truncated or corrupted copy fails here, with one line saying so, instead of as a list of
    errored expectations. An environment error (``tradewh.errors``) is raised as it is.
    """
    try:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            tables = con.execute(
                "select schema_name, table_name from duckdb_tables()"
                " where database_name = current_database() and not internal"
            ).fetchall()
            for schema, table in tables:
                con.execute(f'select count(*), sum(hash(t)) from "{schema}"."{table}" as t').fetchone()
    except duckdb.Error as exc:
        if environment_problem(exc) is not None:
            raise
        raise DamagedWarehouseError(
            f"damaged warehouse: {warehouse} cannot be read whole ({_first_line(str(exc))}); no expectation was"
            " run. Rebuild it (make build) or restore the previous build (docs/connect-bi.md)"
        ) from exc


@contextlib.contextmanager
def _quiet_gx() -> Iterator[None]:
    """GX logs warnings and prints progress bars on its own; the summary says what matters."""
    previous = os.environ.get("GX_ANALYTICS_ENABLED")
    os.environ["GX_ANALYTICS_ENABLED"] = "False"
    logger = logging.getLogger("great_expectations")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)
        if previous is None:
            os.environ.pop("GX_ANALYTICS_ENABLED", None)
        else:
            os.environ["GX_ANALYTICS_ENABLED"] = previous


def _open_context(runtime_dir: Path, docs_dir: Path) -> FileDataContext:
    with contextlib.redirect_stdout(io.StringIO()):
        return gx.get_context(
            mode="file",
            context_root_dir=str(runtime_dir),
            runtime_environment={DATA_DOCS_ENV: str(docs_dir)},
        )


def _load_suites(
    context: FileDataContext, runtime_dir: Path, only: Sequence[str] | None, report: ValidationReport
) -> list[ExpectationSuite]:
    names = sorted(p.stem for p in (runtime_dir / SUITES_DIRNAME).glob("*.json"))
    if only is not None:
        unknown = sorted(set(only) - set(names))
        if unknown:
            raise ValidationSetupError(f"no suite named {unknown} in {runtime_dir.name}; suites: {names}")
        names = [n for n in names if n in set(only)]
    if not names:
        raise ValidationSetupError(f"no expectation suites in {CONTEXT_DIR / SUITES_DIRNAME}")
    suites = []
    for name in names:
        try:
            suites.append(context.suites.get(name))
        except Exception as exc:  # noqa: BLE001  GX raises many types for a bad suite file; each is a failure
            report.outcomes.append(
                Outcome(name, f"{name}.*", "error", "-", "-", f"suite file cannot be loaded by GX: {exc}")
            )
    return suites


def _suites_missing_from_context(runtime_dir: Path) -> list[Outcome]:
    """A check in the spec without its suite JSON would be silently skipped: make it an error."""
    spec = runtime_dir / SPEC_PATH.name
    if not spec.is_file():
        return []
    try:
        checks = load_spec(spec)
    except SpecError as exc:
        return [Outcome("spec", f"{SPEC_PATH.name}.*", "error", "-", "-", str(exc))]
    present = {p.stem for p in (runtime_dir / SUITES_DIRNAME).glob("*.json")}
    return [
        Outcome(
            check.name, name, "error", "-", "-", f"no suite JSON for this check ({SUITES_DIRNAME}/{check.name}.json)"
        )
        for check in checks
        if check.name not in present
        for name in check.expectation_names()
    ]


def _expectation_name(suite_name: str, index: int, config_meta: dict[str, Any] | None, type_: str) -> str:
    name = (config_meta or {}).get("name")
    return str(name) if name else f"{suite_name}.{index}:{type_}"


def _run_suite(
    context: FileDataContext,
    datasource: Any,
    connection: duckdb.DuckDBPyConnection,
    suite: ExpectationSuite,
    run_id: RunIdentifier,
) -> list[Outcome]:
    expectations = list(suite.expectations)
    names = [_expectation_name(suite.name, i, e.meta, e.expectation_type) for i, e in enumerate(expectations)]
    expected = {
        name: describe_expected(e.expectation_type, e.configuration.kwargs)
        for name, e in zip(names, expectations, strict=True)
    }

    def all_errored(reason: str) -> list[Outcome]:
        return [Outcome(suite.name, n, "error", "-", expected[n], reason) for n in names]

    if not expectations:
        return [Outcome(suite.name, f"{suite.name}.*", "error", "-", "-", "suite has no expectations")]
    query = (suite.meta or {}).get("query")
    if isinstance(query, list) and all(isinstance(line, str) for line in query):
        query = "\n".join(query)
    if not isinstance(query, str) or not query.strip():
        return all_errored("suite meta has no `query`: nothing to validate")
    try:
        frame = connection.execute(query).df()
    except duckdb.Error as exc:
        return all_errored(f"query failed: {type(exc).__name__}: {_first_line(str(exc))}")
    row_key = [str(c) for c in (suite.meta or {}).get("row_key") or []]
    missing_keys = [c for c in row_key if c not in frame.columns]
    if missing_keys:
        return all_errored(f"query result lacks the row_key columns {missing_keys}")
    result_format: dict[str, Any] = {"result_format": "COMPLETE"}
    if row_key:
        result_format["unexpected_index_column_names"] = row_key
    frame = _plain_dtypes(frame)
    try:
        asset = datasource.add_dataframe_asset(name=suite.name)
        batch_definition = asset.add_batch_definition_whole_dataframe("whole_frame")
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(name=suite.name, data=batch_definition, suite=suite)
        )
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            result = definition.run(batch_parameters={"dataframe": frame}, result_format=result_format, run_id=run_id)
    except Exception as exc:  # noqa: BLE001  anything GX raises makes every expectation of the suite a failure
        return all_errored(f"GX raised while validating: {type(exc).__name__}: {_first_line(str(exc))}")

    by_name: dict[str, Any] = {}
    for i, item in enumerate(result.results):
        config = item.expectation_config
        type_ = config.type if config else "?"
        by_name[_expectation_name(suite.name, i, config.meta if config else None, type_)] = item
    outcomes = []
    for name in names:
        item = by_name.get(name)
        if item is None:
            outcomes.append(Outcome(suite.name, name, "error", "-", expected[name], "GX returned no result for it"))
            continue
        outcomes.append(_outcome(suite.name, name, expected[name], item, row_key=row_key, rows=len(frame)))
    return outcomes


def _plain_dtypes(frame: pd.DataFrame) -> pd.DataFrame:
    """Object columns for text; GX's pandas metrics predate pandas 3's string dtype in places."""
    converted = frame.copy()
    for column in converted.columns:
        if isinstance(converted[column].dtype, pd.StringDtype):
            converted[column] = converted[column].astype(object)
    return converted


def _raised(exception_info: Any) -> str | None:
    """The exception message when GX caught one for this expectation (two shapes exist)."""
    if not isinstance(exception_info, dict):
        return None
    if exception_info.get("raised_exception"):
        return str(exception_info.get("exception_message") or "exception without message")
    for value in exception_info.values():
        if isinstance(value, dict) and value.get("raised_exception"):
            return str(value.get("exception_message") or "exception without message")
    return None


def _outcome(suite: str, name: str, expected: str, item: Any, *, row_key: list[str], rows: int) -> Outcome:
    message = _raised(item.exception_info)
    if message is not None:
        return Outcome(suite, name, "error", "-", expected, f"GX raised inside the expectation: {_first_line(message)}")
    result = item.result or {}
    observed = describe_observed(result, rows)
    if item.success:
        return Outcome(suite, name, "pass", observed, expected)
    return Outcome(suite, name, "fail", observed, expected, describe_offenders(result, row_key))


def describe_expected(type_: str, kwargs: dict[str, Any]) -> str:
    """A short human reading of an expectation's bound, e.g. ``gap_pct in [-0.1, 0.1]``."""
    if "column" in kwargs:
        subject = str(kwargs["column"])
    elif "column_list" in kwargs:
        subject = "(" + ", ".join(map(str, kwargs["column_list"])) + ")"
    elif type_.startswith("expect_table_row_count"):
        subject = "rows"
    else:
        subject = type_.removeprefix("expect_").replace("_", " ")
    lo, hi = kwargs.get("min_value"), kwargs.get("max_value")
    if lo is not None and hi is not None:
        bound = f"= {_fmt(lo)}" if lo == hi else f"in [{_fmt(lo)}, {_fmt(hi)}]"
    elif lo is not None:
        bound = f">= {_fmt(lo)}"
    elif hi is not None:
        bound = f"<= {_fmt(hi)}"
    elif "value_set" in kwargs:
        bound = "in {" + ", ".join(map(str, kwargs["value_set"])) + "}"
    elif "value" in kwargs:
        bound = f"= {_fmt(kwargs['value'])}"
    else:
        bound = ""
    return f"{subject} {bound}".strip()


def describe_observed(result: dict[str, Any], rows: int) -> str:
    if "observed_value" in result:
        return _fmt(result["observed_value"])
    if "unexpected_count" in result:
        return f"{result['unexpected_count']} of {result.get('element_count', rows)} rows outside"
    return f"{rows} rows"


def describe_offenders(result: dict[str, Any], row_key: list[str]) -> str:
    indexed = result.get("unexpected_index_list") or result.get("partial_unexpected_index_list") or []
    values = result.get("partial_unexpected_list") or []
    shown = []
    for i, entry in enumerate(indexed[:_MAX_KEYS_SHOWN]):
        key = " | ".join(str(entry.get(c)) for c in row_key) if isinstance(entry, dict) else str(entry)
        value = f" -> {_fmt(values[i])}" if i < len(values) else ""
        shown.append(f"{key}{value}")
    if not shown and values:
        shown = [_fmt(v) for v in values[:_MAX_KEYS_SHOWN]]
    more = len(indexed) - len(shown)
    return "; ".join(shown) + (f"; and {more} more" if more > 0 else "")


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        return f"{value:,.6g}" if abs(value) < 1e6 else f"{value:,.0f}"
    return str(value)


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[0] if lines else text


def _build_data_docs(
    context: FileDataContext, staging_docs: Path, docs_dir: Path, report: ValidationReport
) -> Path | None:
    """Render into a scratch directory, then replace ``docs_dir`` (no half-written site)."""
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            context.build_data_docs(site_names=[SITE_NAME])
        if not (staging_docs / "index.html").is_file():
            raise FileNotFoundError(f"GX wrote no index.html under {staging_docs}")
        docs_dir.parent.mkdir(parents=True, exist_ok=True)
        if docs_dir.exists():
            shutil.rmtree(docs_dir)
        shutil.copytree(staging_docs, docs_dir)
    except Exception as exc:  # a site that cannot be written fails the run, whatever the cause
        if environment_problem(exc) is not None:
            raise  # the machine's problem (disk full, permissions): reported as such by the caller
        reason = f"{type(exc).__name__}: {exc}"
        report.outcomes.append(Outcome("data_docs", "data_docs.written", "error", "-", "index.html", reason))
        return None
    return docs_dir / "index.html"


def install_data_docs(source: Path, destination: Path) -> None:
    """Replace ``destination`` with the Data Docs rendered into ``source`` (used after publishing)."""
    if not (source / "index.html").is_file():
        raise FileNotFoundError(f"no Data Docs to install: {source / 'index.html'} is missing")
    if destination.exists():
        shutil.rmtree(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(source), str(destination))


def format_summary(report: ValidationReport) -> str:
    """The table printed by ``make validate``, then one line per failure saying why."""
    header = ("suite", "expectation", "observed", "expected", "result")
    rows = [
        (o.suite, o.expectation.removeprefix(o.suite + "."), o.observed, o.expected, o.status.upper())
        for o in report.outcomes
    ]
    widths = [min(max(len(h), *(len(r[i]) for r in rows)) if rows else len(h), 60) for i, h in enumerate(header)]

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(_clip(c, w).ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    out = [
        f"Great Expectations on {report.warehouse} (opened read-only)",
        line(header),
        line(tuple("-" * w for w in widths)),
    ]
    out.extend(line(r) for r in rows)
    passed = sum(o.passed for o in report.outcomes)
    failed = sum(o.status == "fail" for o in report.outcomes)
    errored = sum(o.status == "error" for o in report.outcomes)
    out.append(f"\n{passed} passed, {failed} failed, {errored} errored (an error counts as a failure)")
    for o in report.failures:
        kind = "FAILED" if o.status == "fail" else "ERRORED"
        why = f"; {o.detail}" if o.detail else ""
        out.append(f"  {kind} {o.expectation}: observed {o.observed}, expected {o.expected}{why}")
    if report.data_docs_index is not None:
        out.append(f"Data Docs: {report.data_docs_index}")
    out.append("VALIDATION PASSED" if report.success else "VALIDATION FAILED")
    return "\n".join(out)


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "~"
