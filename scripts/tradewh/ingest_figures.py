"""Add published figures (press or customs releases) to ``seeds/raw/customs_published_figures.csv``.

Every figure is checked (tradewh.figure_checks: the rules the build applies) before anything is
written, all or nothing: one refused figure refuses the whole file, and every refusal names the
figure id, the column and the value. Accepted rows are appended in the seed's own format
(tradewh.seed_io: line endings, quoting and encoding unchanged) atomically.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from tradewh import PROJECT_ROOT
from tradewh.figure_checks import References, check_figure, load_references
from tradewh.ingest_common import REFERENCE_DIR, IngestError
from tradewh.locking import locked
from tradewh.seed_io import appended_bytes, read_seed, replace_atomically

FIGURES_SEED = PROJECT_ROOT / "seeds" / "raw" / "customs_published_figures.csv"
HELP = {
    "figure_id": "unique id, lowercase letters, digits and '-' (e.g. xj-93)",
    "region_as_printed": "the region as printed (Xinjiang, 新疆, Tibet, ...): must be a known alias",
    "period_kind": "ytd (cumulative from January), month or year",
    "period_start": "first day of the period, YYYY-MM-DD",
    "period_end": "last day of the period, YYYY-MM-DD",
    "flow": "total, export or import",
    "partner_scope": "world, belt_and_road, rcep, asean, ... (ref_partner_scopes) or an ISO3 code (ref_countries)",
    "product": "all or a product group from ref_products (new_energy_vehicles, fruit, ...)",
    "value_as_printed": "the figure verbatim, e.g. '183.16 billion yuan' (empty for a growth-only figure)",
    "value": "the number as printed, in the printed unit (e.g. 183.16); must be the number in value_as_printed",
    "unit_as_printed": "the unit as printed, one of ref_units (亿元, billion yuan, million US dollars, ...)",
    "currency": "CNY or USD; defaults to the unit's currency and must agree with it",
    "qualifier": "nearly, over or about when printed so (a bound, not a point); empty otherwise",
    "yoy_pct": "reported growth over a year earlier, in percent (e.g. 59.3; not below -100)",
    "growth_multiple": "reported growth as a multiple (e.g. 3.26 for 'x3.26')",
    "yoy_as_printed": "the growth text verbatim",
    "source_kind": "customs, press, mirror or government_report (ref_source_kinds)",
    "source": "where it was published (address without scheme)",
    "published_on": "publication date, YYYY-MM-DD (not before the period's end)",
    "note": "anything a reader should know",
}


@dataclass(frozen=True)
class FiguresResult:
    """What ``add_figures`` did: the rows checked and whether they were written."""

    rows: list[dict[str, str]]
    written: bool


def read_figures_file(path: Path) -> list[dict[str, str]]:
    """The rows of a CSV file with (a subset of) the seed's columns, as text."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            rows = [dict(row) for row in reader]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise IngestError(f"{path}: cannot be read as UTF-8 CSV ({exc})") from None
    if not reader.fieldnames or "figure_id" not in reader.fieldnames:
        raise IngestError(f"{path}: line 1: the header must name the seed's columns, starting with figure_id")
    for line, row in enumerate(rows, start=2):
        if None in row:
            raise IngestError(f"{path}: line {line}: more fields than the header has")
    return rows


def check_figures(
    figures: list[dict[str, str]], existing_ids: set[str], refs: References
) -> tuple[list[dict[str, str]], list[str]]:
    """Check every figure (also against each other: one id once); the rows and every problem found."""
    rows: list[dict[str, str]] = []
    problems: list[str] = []
    seen = set(existing_ids)
    for position, figure in enumerate(figures, start=1):
        row, found = check_figure(figure, seen, refs)
        label = row["figure_id"] or f"row {position}"
        problems += [f"figure {label}: {problem}" for problem in found]
        seen.add(row["figure_id"])
        rows.append(row)
    return rows, problems


def add_figures(
    figures: list[dict[str, str]],
    seed: Path = FIGURES_SEED,
    reference_dir: Path = REFERENCE_DIR,
    dry_run: bool = False,
) -> FiguresResult:
    """Check ``figures`` and append them all to ``seed``, or none; raises IngestError listing every fault."""
    refs = load_references(reference_dir)
    with locked(seed.parent):
        current = read_seed(seed)
        if current.header != refs.columns:
            raise IngestError(f"{seed}: line 1: header is {current.header}, expected {refs.columns}")
        rows, problems = check_figures(figures, {r["figure_id"] for r in current.rows}, refs)
        if problems:
            raise IngestError(problems, hint=f"nothing was written to {seed}")
        if not dry_run and rows:
            replace_atomically(seed, appended_bytes(current, rows))
    return FiguresResult(rows=rows, written=not dry_run and bool(rows))


def add_figure(
    figure: dict[str, str], seed: Path = FIGURES_SEED, reference_dir: Path = REFERENCE_DIR
) -> dict[str, str]:
    """Check one figure and append it to ``seed`` atomically; returns the row written."""
    return add_figures([figure], seed=seed, reference_dir=reference_dir).rows[0]
