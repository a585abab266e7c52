"""Ingest GACC online query platform exports (stats.customs.gov.cn) into the landing zone.

One call ingests one *query*: its part files (one download holds at most 10,000 rows) and what
the user chose on the platform that the files do not say: the flow, and the months when the file
has no 数据年月 column (the amounts are then cumulative over the queried range). The currency,
the dimensions and whether it is by month are read from the header (ingest_gacc_read), the rows
checked in DuckDB (ingest_gacc_check), and the query landed as one vintage (ingest_gacc_land).
``ingest_gacc_many`` ingests many queries in one call, each exactly as ``ingest_gacc`` would.

Same content again -> nothing is written. Different content for the same flow, period, currency
and grain -> a new vintage beside the old one; the models publish the latest one that is not
retracted and keep the others queryable.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import os
import shutil
import tempfile
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from tradewh.ingest_common import REFERENCE_DIR, IngestError, landing_root
from tradewh.ingest_gacc_check import (
    CONTENT_COLUMNS,
    FLOWS,
    Lookups,
    QuerySpec,
    check_staged,
    install_lookups,
    landing_select,
    load_lookups,
    parse_period,
    stage_query,
)
from tradewh.ingest_gacc_land import (
    IngestResult,
    land,
    partition_dir,
    same_content,
    same_rows_as_published,
    staging_area,
)
from tradewh.ingest_gacc_read import (
    DIMENSIONS,
    Layout,
    Part,
    check_same_header,
    inspect_part,
    make_readable,
    read_layout,
)

__all__ = ["IngestResult", "QueryOutcome", "QueryRequest", "ingest_gacc", "ingest_gacc_many"]


@dataclass
class QueryRequest:
    """One query: its part files and what was chosen on the platform but is not in the files."""

    files: Sequence[Path | str]
    flow: str
    period: str | None = None  # required when the files have no 数据年月 column
    currency: str | None = None  # read from the header; when given, it must agree
    complete: Sequence[str] = ()  # dimensions the query covers completely (no filter on them)
    allow_full_parts: bool = False
    revision: bool = False

    @property
    def label(self) -> str:
        return f"{self.flow} {self.period or 'by month'} {self.currency or ''}".strip()


@dataclass
class QueryOutcome:
    """What became of one query of a batch: a result, or the refusal (nothing of it was written)."""

    request: QueryRequest
    result: IngestResult | None = None
    error: IngestError | None = None


@dataclass
class _Staged:
    """A query checked and staged as Parquet, waiting to be landed (or found already landed)."""

    parts: list[Part]
    layout: Layout
    spec: QuerySpec
    stage: Path  # the vintage directory to land: rows.parquet (+ _vintage.json when landed)
    result: IngestResult = field(repr=False)


def ingest_gacc(files: Sequence[Path | str], *, flow: str, root: Path | str | None = None, **options) -> IngestResult:
    """Validate the parts of one query and land them as one vintage; see the module docstring.

    ``options``: period, currency, complete, allow_full_parts, revision (QueryRequest), and
    reference_dir, dry_run, tmp_dir, memory_limit, threads, progress, now (ingest_gacc_many).
    Raises IngestError when the query is refused (nothing is written).
    """
    query_fields = {"period", "currency", "complete", "allow_full_parts", "revision"}
    request = QueryRequest(files=files, flow=flow, **{k: v for k, v in options.items() if k in query_fields})
    (outcome,) = ingest_gacc_many([request], root=root, **{k: v for k, v in options.items() if k not in query_fields})
    if outcome.error is not None:
        raise outcome.error
    assert outcome.result is not None
    return outcome.result


def ingest_gacc_many(
    requests: Sequence[QueryRequest],
    *,
    root: Path | str | None = None,
    reference_dir: Path = REFERENCE_DIR,
    dry_run: bool = False,
    tmp_dir: Path | None = None,
    memory_limit: str = "1GB",
    threads: int | None = None,
    workers: int | None = None,
    progress: bool = False,
    now: dt.datetime | None = None,
    on_outcome: Callable[[QueryOutcome], None] | None = None,
) -> list[QueryOutcome]:
    """Ingest many queries, each exactly as ``ingest_gacc`` would; outcomes in the order given.

    A refused query (IngestError) is reported in its outcome and leaves its partition untouched;
    the others go on. Any other exception stops the batch (queries landed before it stay landed).
    ``workers`` threads (default: one per core) stage whole queries side by side on cursors of one
    DuckDB database; landing stays in this thread, in order, with at most ``workers + 1`` queries
    staged ahead.
    """
    root_path = landing_root(root)
    lookups = load_lookups(reference_dir)
    cores = threads or _usable_cores()
    n_workers = max(1, min(workers or cores, len(requests)))
    outcomes: list[QueryOutcome] = []
    with contextlib.ExitStack() as stack:
        workdir = stack.enter_context(_workspace(tmp_dir))
        staging = workdir if dry_run else stack.enter_context(staging_area(root_path))
        database = _connect(workdir, memory_limit, max(1, cores // n_workers))
        stack.callback(database.close)
        local = threading.local()
        cursors: list[duckdb.DuckDBPyConnection] = []
        stack.callback(lambda: [cursor.close() for cursor in cursors])

        def work(index: int, request: QueryRequest) -> _Staged:
            cursor = getattr(local, "cursor", None)
            if cursor is None:  # one cursor per worker thread (temp tables are per cursor)
                cursor = local.cursor = database.cursor()
                cursors.append(cursor)
                install_lookups(cursor, lookups)
            return _prepare_and_stage(
                cursor, request, lookups, workdir / f"q{index}", staging / f"q{index}", progress=progress
            )

        pool = ThreadPoolExecutor(max_workers=n_workers, thread_name_prefix="tradewh-ingest")
        stack.callback(pool.shutdown, wait=True, cancel_futures=True)
        window: deque[tuple[int, QueryRequest, Future[_Staged]]] = deque()
        upcoming = iter(enumerate(requests))
        for index, request in itertools.islice(upcoming, n_workers + 1):
            window.append((index, request, pool.submit(work, index, request)))
        while window:
            index, request, future = window.popleft()
            outcome = QueryOutcome(request)
            try:
                outcome.result = _land_staged(future.result(), request, root_path, workdir, dry_run=dry_run, now=now)
            except IngestError as exc:
                outcome.error = exc
            finally:
                shutil.rmtree(workdir / f"q{index}", ignore_errors=True)
                shutil.rmtree(staging / f"q{index}", ignore_errors=True)
            for index, request in itertools.islice(upcoming, 1):
                window.append((index, request, pool.submit(work, index, request)))
            outcomes.append(outcome)
            if on_outcome is not None:
                on_outcome(outcome)
    return outcomes


def _spec(request: QueryRequest, layout: Layout, lookups: Lookups) -> QuerySpec:
    """The query as the user describes it, checked against what the header says."""
    if request.flow not in FLOWS:
        raise IngestError(f"--flow {request.flow!r}: expected one of {', '.join(FLOWS)}")
    if request.currency is not None and request.currency != layout.currency:
        raise IngestError(f"the amount column is in {layout.currency} but --currency {request.currency} was given")
    unknown = [d for d in request.complete if d not in DIMENSIONS]
    if unknown:
        raise IngestError(f"--complete {','.join(unknown)}: expected dimensions among {', '.join(DIMENSIONS)}")
    missing = [d for d in request.complete if d not in layout.dimensions]
    if missing:
        raise IngestError(
            f"--complete {','.join(missing)}: the query has no such column (it has {', '.join(layout.dimensions)})"
        )
    period = parse_period(request.period)
    if period is None and not layout.by_month:
        raise IngestError(
            "the files have no 数据年月 / Date of data column, so they do not say their months: give --period "
            "YYYY-MM (one month) or YYYY-MM..YYYY-MM (the cumulative range the query covered)"
        )
    if period is not None and layout.by_month:
        raise IngestError(
            "the files are by month (数据年月 / Date of data): their months come from the file; drop --period"
        )
    if period is not None:
        absent = [
            f"{period.year}-{m:02d}"
            for m in (period.month_from, period.month_to)
            if (period.year, m) not in lookups.fx_months
        ]
        if absent:
            raise IngestError(
                f"--period {period.label}: month(s) {', '.join(sorted(set(absent)))} are not in "
                "seeds/reference/ref_fx_monthly.csv: add the months' exchange rates first"
            )
    return QuerySpec(
        flow=request.flow, period=period, complete=list(request.complete), allow_full_parts=request.allow_full_parts
    )


def _prepare_and_stage(
    con: duckdb.DuckDBPyConnection,
    request: QueryRequest,
    lookups: Lookups,
    workdir: Path,
    stage_parent: Path,
    *,
    progress: bool,
) -> _Staged:
    """Inspect the parts, transcode GBK, stage as Parquet and check (a worker)."""
    if not request.files:
        raise IngestError("no files given")
    paths = [Path(file) for file in request.files]
    if len({path.resolve() for path in paths}) != len(paths):
        raise IngestError("the same file is given twice: " + ", ".join(map(str, paths)))
    if len({path.name for path in paths}) != len(paths):
        raise IngestError("two parts have the same file name: " + ", ".join(map(str, paths)))
    parts = [inspect_part(index, path) for index, path in enumerate(paths)]
    layout = read_layout(parts[0])
    check_same_header(parts)
    spec = _spec(request, layout, lookups)
    workdir.mkdir()
    make_readable(parts, workdir, progress)
    stage = stage_parent / "vintage"  # a plain mkdir: the landed directory gets the usual mode
    stage.mkdir(parents=True)
    checked_file = workdir / "checked.parquet"
    stage_query(con, parts, layout, spec, checked_file)
    checked = check_staged(con, checked_file, parts=parts, layout=layout, spec=spec, lookups=lookups)
    months = checked.months
    period_label = (
        spec.period.label if spec.period else (months[0] if len(months) == 1 else f"{months[0]}..{months[-1]}")
    )
    landing_sql = landing_select(checked_file, period_label)
    con.execute(f"copy ({landing_sql}) to '{stage / 'rows.parquet'}' (format parquet, compression snappy)")
    result = IngestResult(
        status="validated",
        content_hash=checked.content_hash,
        rows=checked.rows,
        path=None,
        flow=spec.flow,
        period=period_label,
        currency=layout.currency,
        grain=grain_label(layout, checked.hs_length),
        region_codes=checked.region_codes,
        value_total=checked.value_total,
        months=months,
        warnings=checked.warnings,
    )
    return _Staged(parts=parts, layout=layout, spec=spec, stage=stage, result=result)


def grain_label(layout: Layout, hs_length: int | None) -> str:
    """The query's dimensions as a path segment: 'hs8-partner-trade_mode-region', 'hs2', 'partner'."""
    return "-".join(f"hs{hs_length}" if dim == "commodity" else dim for dim in layout.dimensions)


def _land_staged(
    staged: _Staged, request: QueryRequest, root: Path, workdir: Path, *, dry_run: bool, now: dt.datetime | None
) -> IngestResult:
    """Land a staged query unless the same content is already published (the batch's own thread)."""
    result = staged.result
    target_dir = partition_dir(root, result.flow, result.period, result.currency, result.grain)
    compare_dir = Path(tempfile.mkdtemp(prefix="compare-", dir=workdir))  # its own DuckDB spill directory
    try:
        same = same_content(root, target_dir, result.content_hash) or same_rows_as_published(
            root, staged.stage / "rows.parquet", target_dir, compare_dir, CONTENT_COLUMNS
        )
    finally:
        shutil.rmtree(compare_dir, ignore_errors=True)
    if same:
        result.status, result.path = "unchanged", same
        return result
    if dry_run:
        return result
    layout, spec = staged.layout, staged.spec
    query = {
        "flow": result.flow,
        "period": result.period,
        "period_kind": "by_month"
        if spec.period is None
        else ("month" if result.period == result.months[0] else "range"),
        "currency": result.currency,
        "dimensions": layout.dimensions,
        "hs_length": None if "commodity" not in layout.dimensions else int(result.grain.split("-")[0][2:]),
        "complete": spec.complete,
        "quantities": layout.has_quantities,
        "interface": "en" if layout.english else "zh",
    }
    parts = [{"source": p.path.name, "encoding": p.encoding, "rows": p.rows} for p in staged.parts]
    land(staged.stage, root, target_dir, result, query=query, parts=parts, revision=request.revision, now=now)
    return result


@contextlib.contextmanager
def _workspace(tmp_root: Path | None) -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="tradewh-ingest-", dir=tmp_root))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _connect(workdir: Path, memory_limit: str, threads: int | None) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:")
    con.execute(f"set temp_directory = '{workdir / 'spill'}'")
    con.execute(f"set memory_limit = '{memory_limit.replace(chr(39), '')}'")
    con.execute("set preserve_insertion_order = false")  # the fast path needs no row order
    if threads:
        con.execute(f"set threads = {int(threads)}")
    return con


def _usable_cores() -> int:
    """Cores this process may run on (the affinity mask, which containers narrow; else all)."""
    with contextlib.suppress(AttributeError, OSError):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1
