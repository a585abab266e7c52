"""Landing GACC query vintages: partitions, atomic moves, the revision guard and retractions.

A vintage is ``<landing>/gacc/flow=<flow>/period=<period>/currency=<currency>/grain=<grain>/
<ingested_at>_<hash>/`` holding ``rows.parquet`` and a ``_vintage.json`` manifest. It is staged in
``<landing>/.staging/`` (same file system, outside ``gacc/``), flushed and renamed into place under
an exclusive lock on the landing root: readers see all of it or none.

A retraction withdraws a vintage without deleting it: a record
``<landing>/gacc_retractions/flow=.../period=.../currency=.../grain=.../<retracted_at>_<hash>.parquet``;
the models then publish the vintage before it again.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from tradewh import fsync_path
from tradewh.ingest_common import IngestError
from tradewh.locking import locked

VINTAGE_DIR = re.compile(r"^(?P<stamp>\d{8}T\d{12}Z)_(?P<hash>[0-9a-f]{32})$")
MANIFEST = "_vintage.json"
STAGING_DIR = ".staging"  # under the landing root, beside gacc/ (dbt's glob never looks there)
RETRACTIONS_DIR = "gacc_retractions"


@dataclass
class IngestResult:
    """What an ingest did."""

    status: str  # 'new' (first vintage), 'revision' (supersedes), 'unchanged', 'validated' (dry run)
    content_hash: str
    rows: int
    path: Path | None
    flow: str
    period: str
    currency: str
    grain: str
    region_codes: list[str]
    value_total: float
    months: list[str] = field(default_factory=list)
    superseded: list[Path] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)  # what a revision changed (rows, totals)
    warnings: list[str] = field(default_factory=list)


def partition_dir(root: Path, flow: str, period: str, currency: str, grain: str) -> Path:
    return root / "gacc" / f"flow={flow}" / f"period={period}" / f"currency={currency}" / f"grain={grain}"


def retraction_dir(root: Path, partition: Path) -> Path:
    return root / RETRACTIONS_DIR / partition.relative_to(root / "gacc")


def retracted_hashes(root: Path, partition: Path) -> set[str]:
    directory = retraction_dir(root, partition)
    if not directory.is_dir():
        return set()
    return {path.stem.rsplit("_", 1)[-1] for path in directory.glob("*.parquet")}


def existing_vintages(directory: Path) -> list[Path]:
    """The vintage directories of a partition, oldest first."""
    if not directory.is_dir():
        return []
    return sorted(path for path in directory.iterdir() if path.is_dir() and VINTAGE_DIR.match(path.name))


def landing_stamp(root: Path, now: dt.datetime | None = None) -> dt.datetime:
    """The landing time of a new vintage or retraction (UTC): ``now``, or the current time, but
    always after every landing event already in ``root``, so that events land in the order of
    their times even if the clock was set back. Call it under the landing lock."""
    stamp = (now or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc)
    names = [path.name for path in root.glob("gacc/*/*/*/*/*")]
    names += [path.stem for path in root.glob(f"{RETRACTIONS_DIR}/*/*/*/*/*.parquet")]
    newest = max((match["stamp"] for name in names if (match := VINTAGE_DIR.match(name))), default=None)
    if newest is not None:
        after = dt.datetime.strptime(newest, "%Y%m%dT%H%M%S%fZ").replace(tzinfo=dt.timezone.utc)
        stamp = max(stamp, after + dt.timedelta(microseconds=1))
    return stamp


def published_vintage(root: Path, directory: Path) -> Path | None:
    """The latest vintage of a partition that is not retracted."""
    withdrawn = retracted_hashes(root, directory)
    live = [path for path in existing_vintages(directory) if path.name.split("_")[-1] not in withdrawn]
    return live[-1] if live else None


def same_content(root: Path, directory: Path, digest: str) -> Path | None:
    """The published vintage when it has this content hash (a retracted one may land again)."""
    latest = published_vintage(root, directory)
    return latest if latest is not None and latest.name.endswith(digest) else None


def same_rows_as_published(root: Path, staged: Path, directory: Path, workdir: Path, columns: str) -> Path | None:
    """The published vintage when it holds exactly the staged rows although its hash differs.

    The content hash uses DuckDB's fast ``hash()``, which a DuckDB upgrade may change; comparing
    the rows themselves (only when no hash matched) keeps re-ingesting the same files a no-op.
    """
    latest = published_vintage(root, directory)
    if latest is None:
        return None
    con = duckdb.connect(":memory:")
    try:
        con.execute(f"set temp_directory = '{workdir}'")
        new, old = f"read_parquet('{staged}')", f"read_parquet('{latest / 'rows.parquet'}')"
        differing = con.execute(
            f"""
            select count(*) from (
                (select {columns} from {new} except all select {columns} from {old})
                union all
                (select {columns} from {old} except all select {columns} from {new})
            )
            """
        ).fetchone()[0]
    finally:
        con.close()
    return latest if differing == 0 else None


def read_manifest(vintage: Path) -> dict:
    return json.loads((vintage / MANIFEST).read_text(encoding="utf-8"))


def write_manifest(stage: Path, result: IngestResult, query: dict, parts: list[dict], ingested_at: dt.datetime) -> None:
    manifest = {
        "query": query,
        "content_hash": result.content_hash,
        "ingested_at": ingested_at.isoformat(),
        "rows": result.rows,
        "months": result.months,
        "region_codes": result.region_codes,
        "value_total": result.value_total,
        "parts": parts,
        "duckdb": duckdb.__version__,
    }
    (stage / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _revision_check(root: Path, target_dir: Path, result: IngestResult, parts: int, revision: bool) -> None:
    """A vintage with fewer rows or parts than the one it supersedes needs --revision; say what changed."""
    previous = published_vintage(root, target_dir)
    if previous is None:
        return
    old = read_manifest(previous)
    old_parts = len(old.get("parts", []))
    result.changes = [
        f"rows {old['rows']:,} -> {result.rows:,} ({result.rows - old['rows']:+,})",
        f"parts {old_parts} -> {parts}",
        f"total {old['value_total']:,.2f} -> {result.value_total:,.2f} {result.currency.upper()} "
        f"({result.value_total - old['value_total']:+,.2f})",
    ]
    if (result.rows < old["rows"] or parts < old_parts) and not revision:
        raise IngestError(
            f"{previous}: the new vintage has fewer rows or parts than the one it would supersede ("
            + "; ".join(result.changes)
            + "): a part missing?",
            hint="Give --revision if the platform really revised the query down.",
        )


def land(
    stage: Path,
    root: Path,
    target_dir: Path,
    result: IngestResult,
    *,
    query: dict,
    parts: list[dict],
    revision: bool,
    now: dt.datetime | None = None,
) -> None:
    """Move the staged vintage directory into its partition under the lock (see the module docstring).

    The vintage's landing time (its directory name, its manifest's ``ingested_at``) is taken under
    the lock and after every event already landed (``landing_stamp``), so vintages land in the
    order of their times: a build's high-water mark (macros/gacc_incremental.sql) never passes
    over a vintage that lands later.
    """
    for path in stage.iterdir():
        with path.open("rb") as handle:
            os.fsync(handle.fileno())
    root.mkdir(parents=True, exist_ok=True)
    with locked(root):
        same = same_content(root, target_dir, result.content_hash)
        if same:  # another process landed the same content meanwhile
            result.status, result.path = "unchanged", same
            return
        _revision_check(root, target_dir, result, len(parts), revision)
        ingested_at = landing_stamp(root, now)
        write_manifest(stage, result, query, parts, ingested_at)
        with (stage / MANIFEST).open("rb") as handle:
            os.fsync(handle.fileno())
        name = f"{ingested_at:%Y%m%dT%H%M%S%f}Z_{result.content_hash}"
        withdrawn = retracted_hashes(root, target_dir)
        result.superseded = [p for p in existing_vintages(target_dir) if p.name.split("_")[-1] not in withdrawn]
        created = [parent for parent in (target_dir, *target_dir.parents) if not parent.exists()]
        target_dir.mkdir(parents=True, exist_ok=True)
        hidden = target_dir / f".{name}.partial"
        try:
            try:
                stage.rename(target_dir / name)
            except OSError as exc:
                if exc.errno != errno.EXDEV:
                    raise
                shutil.copytree(stage, hidden)
                for path in hidden.iterdir():
                    with path.open("rb") as handle:
                        os.fsync(handle.fileno())
                hidden.rename(target_dir / name)
            fsync_path(target_dir)
        except BaseException:
            shutil.rmtree(hidden, ignore_errors=True)
            for parent in created:
                with contextlib.suppress(OSError):
                    parent.rmdir()
            raise
    result.path = target_dir / name
    result.status = "revision" if result.superseded else "new"


@contextlib.contextmanager
def staging_area(root: Path) -> Iterator[Path]:
    """A fresh private directory ``<root>/.staging/<random>/`` for the vintages of one call.

    Staging on the landing root's own file system makes landing a rename instead of a copy. It is
    removed again (with the root itself if this call created it) when empty, so a refused query
    leaves the landing root exactly as it was.
    """
    area = root / STAGING_DIR
    created = [path for path in (area, root, *root.parents) if not path.exists()]
    for attempt in range(5):  # another ingest may remove an empty .staging between the two calls
        area.mkdir(parents=True, exist_ok=True)
        try:
            container = Path(tempfile.mkdtemp(prefix="ingest-", dir=area))
            break
        except FileNotFoundError:
            if attempt == 4:
                raise
    try:
        yield container
    finally:
        shutil.rmtree(container, ignore_errors=True)
        for path in created:  # deepest first
            with contextlib.suppress(OSError):
                path.rmdir()
        with contextlib.suppress(OSError):
            area.rmdir()


def find_vintage(root: Path, key: str) -> Path:
    """A vintage by its directory (path) or its content hash (or a unique prefix of it)."""
    candidate = Path(key)
    if candidate.is_dir() and VINTAGE_DIR.match(candidate.resolve().name):
        return candidate.resolve()
    matches = [
        p
        for p in (root / "gacc").glob("flow=*/period=*/currency=*/grain=*/*")
        if p.is_dir() and VINTAGE_DIR.match(p.name) and p.name.split("_")[-1].startswith(key.lower())
    ]
    if len(matches) != 1:
        found = "no vintage" if not matches else f"{len(matches)} vintages"
        raise IngestError(f"{key}: {found} with this directory or content hash under {root / 'gacc'}")
    return matches[0]


def retract(root: Path, key: str, reason: str, now: dt.datetime | None = None) -> tuple[Path, Path | None]:
    """Withdraw a published vintage (recorded, not deleted); returns it and the one published again."""
    vintage = find_vintage(root, key)
    partition = vintage.parent
    digest = vintage.name.split("_")[-1]
    with locked(root):
        if digest in retracted_hashes(root, partition):
            raise IngestError(f"{vintage}: already retracted")
        stamp = landing_stamp(root, now)
        target = retraction_dir(root, partition)
        target.mkdir(parents=True, exist_ok=True)
        final = target / f"{stamp:%Y%m%dT%H%M%S%f}Z_{digest}.parquet"
        hidden = target / f".{final.name}.partial"
        con = duckdb.connect(":memory:")
        try:
            con.execute(
                f"copy (select ?::varchar as retracted_query_hash, ?::timestamp as retracted_at, "
                f"?::varchar as reason) to '{hidden}' (format parquet)",
                [digest, stamp.replace(tzinfo=None), reason],
            )
        finally:
            con.close()
        with hidden.open("rb") as handle:
            os.fsync(handle.fileno())
        hidden.rename(final)
        fsync_path(target)
    return vintage, published_vintage(root, partition)
