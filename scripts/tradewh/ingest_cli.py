"""Bring customs data into the warehouse.

  gacc          land the part files of one GACC online-platform query (stats.customs.gov.cn)
                in the landing zone as one Parquet vintage, after validating every row
  gacc-batch    land many GACC queries listed in a JSON manifest, each as `gacc` would (faster
                than one `gacc` call per query); refused queries are reported, the others land
  gacc-retract  withdraw a landed GACC vintage (recorded, not deleted): the one before it is
                published again
  figure        validate one published figure (a press or customs release) and append it to
                seeds/raw/customs_published_figures.csv
  figures       validate every figure of a CSV file (the seed's columns) and append them all,
                or none
  region-table  land GACC's monthly table by location of importers/exporters (one CSV a month,
                as saved from customs.gov.cn) in seeds/raw/gacc_region_table.csv, with vintages
  partner-names regenerate seeds/reference/ref_gacc_partner_names.csv (GACC partner name ->
                ISO3) from pycountry and seeds/reference/ref_gacc_partner_name_overrides.csv

Exit codes: 0 done (or nothing to do), 1 input refused (nothing was written), 2 usage error,
3 environment error: the disk is full or a permission is missing (tradewh.errors), not the input.
Then `make build` (dbt build) publishes the new data. See docs/ingest.md.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb

from tradewh.errors import EXIT_ENVIRONMENT, environment_problem
from tradewh.ingest_common import LANDING_ROOT_ENV, IngestError, landing_root
from tradewh.ingest_figures import FIGURES_SEED, HELP, add_figure, add_figures, read_figures_file
from tradewh.ingest_gacc import IngestResult, QueryOutcome, QueryRequest, ingest_gacc, ingest_gacc_many
from tradewh.ingest_gacc_check import FLOWS
from tradewh.ingest_gacc_land import RETRACTIONS_DIR, retract
from tradewh.ingest_gacc_read import DIMENSIONS
from tradewh.ingest_partner_names import write_crosswalk
from tradewh.ingest_region_table import ingest_region_tables

QUERY_OPTIONS = ("flow", "period", "currency", "complete", "allow_full_parts", "revision")
"""`gacc`'s options that describe the query: QueryRequest's fields besides ``files`` (``_query_options``)."""

GACC_HELP = f"""\
Land one GACC platform query (stats.customs.gov.cn). The FILEs are the parts of ONE query (the
platform exports at most 10,000 rows per download); give them all at once.

Read from the files: the encoding (GB18030/GBK as downloaded, or UTF-8 with or without BOM), the
columns in Chinese or English in any order (数据年月/Date of data, 商品编码/Commodity code,
贸易伙伴编码/Trading partner code, 贸易方式编码/Customs Regime code, 注册地编码/Locations of
importers and exporters code, their name columns, optional quantities), the currency (the last
header: 人民币, 美元 or US dollar). Not in the files, so say it here: --flow, and --period when the
files have no 数据年月 column (the amounts are then cumulative over the queried months).

Refused, with file, line, column and value, exit code 1 and the landing zone untouched: unknown
columns, unknown partner or province codes, amounts that are not amounts (NaN, inf, 1_000_000,
more than two decimals, negative, larger than China's whole trade in a month), HS codes whose
length differs from the query's, months missing from ref_fx_monthly, duplicated rows, NUL bytes,
a line without the trailing comma, a part of exactly 10,000 rows (unless --allow-full-parts), a
new vintage with fewer rows or parts than the one it supersedes (unless --revision).

Written to <landing>/gacc/flow=F/period=P/currency=C/grain=G/<ingested_at>_<hash>/ (rows.parquet
and a _vintage.json manifest recording the grain), moved into place atomically. The same content
again writes nothing. The landing root is --landing-root, else ${LANDING_ROOT_ENV}, else data/landing.
"""

GACC_BATCH_HELP = """\
Land many GACC platform queries in one call. MANIFEST is a JSON file, either a list of queries or
an object with a "queries" list (the MANIFEST.json of scripts/generate_synthetic.py is one):

  {"queries": [
    {"files": ["xj_2023-07_export/download.csv", "xj_2023-07_export/download(1).csv"],
     "flow": "export", "period": "2023-07", "complete": ["partner"]},
    ...]}

Each query takes the options of `gacc`: flow, period, currency, complete (a list),
allow_full_parts, revision. Relative file names are relative to the manifest's directory.
Every query is checked and landed
exactly as `gacc` would (its own vintage, its own checks), in the order listed. A refused query
is reported with file, line, column and value and leaves its partition untouched; the other
queries still land. Exit code 0 when every query landed (or was unchanged / valid), 1 when at
least one was refused, 2 for a manifest that cannot be read.

Faster than one `gacc` per query: one process, one DuckDB database, and the queries are staged
by one worker per core (GBK transcoding of one query overlaps DuckDB's work on another).
"""

FIGURE_HELP = """\
Validate one published figure and append it to the published-figures seed (atomically: a failed
check leaves the seed byte-for-byte as it was). Every column of the seed is an option; run
`make build` afterwards. Example:

  scripts/ingest.py figure --figure-id xj-93 --region-as-printed Xinjiang --period-kind ytd \\
      --period-start 2024-01-01 --period-end 2024-03-31 --flow total --partner-scope world \\
      --product all --value-as-printed "over 100 billion yuan" --value 100 \\
      --unit-as-printed "billion yuan" --qualifier over --source-kind press \\
      --source example.org/article --published-on 2024-04-20
"""

FIGURES_HELP = """\
Validate every published figure of FILE.csv and append them all to the published-figures seed,
or none. FILE.csv has the seed's columns (a header naming them, in any order; missing optional
columns are empty), UTF-8, any number of rows. Every row is checked before any is written (also
against the others: an id only once); every refusal names the figure id, the column and the
value, and a refusal leaves the seed byte-for-byte as it was. The rows are appended in the
seed's own line endings, quoting and encoding. Run `make build` afterwards.
"""

RETRACT_HELP = (
    "Withdraw a landed vintage (its directory, or its content hash or a prefix of it). Nothing is deleted: a "
    "retraction record is written under <landing>/gacc_retractions/, and `make build` then publishes the "
    "partition's previous vintage."
)

PARTNER_NAMES_HELP = (
    "Regenerate seeds/reference/ref_gacc_partner_names.csv from pycountry's zh_CN names and "
    "seeds/reference/ref_gacc_partner_name_overrides.csv (overrides win). Review the diff."
)

REGION_TABLE_HELP = """\
Land GACC's monthly table 进出口商品收发货人所在地总值表, one FILE a month (YYYY-MM.csv, or give
--period YYYY-MM for one file), as saved from customs.gov.cn through pandas: UTF-8 (with BOM),
three header rows (Unnamed: n_level_0 ... 单位：万人民币; 收发货人所在地,进出口,...; 收发货人所在地,
7月,1至7月,...), then 总值, the 31 provinces and their cities and zones; '-' is nil.

Refused, naming file, line, column and value, with nothing written: other header rows, a unit
other than 万人民币, a month it cannot tell (file name or --period) or that disagrees with the
header, numbers that do not parse, a place not in seeds/reference/ref_region_places.csv or
printed under another province, a place twice, a missing province.

Appended to seeds/raw/gacc_region_table.csv (one row per place, cells verbatim) in one atomic
write. The same content for a month again: 'unchanged', nothing written. Different content: a
new vintage that the marts publish; the earlier one stays in the seed and in
intermediate.int_region_table_vintages. Then `make build`.
"""


def _picked(args: argparse.Namespace, *names: str) -> dict[str, Any]:
    """The parsed options ``names`` as keyword arguments (an option's dest is the parameter's name)."""
    return {name: getattr(args, name) for name in names}


def _describe(result: IngestResult) -> str:
    """One line on a query's outcome: landed, unchanged or valid (dry run), with its figures."""
    summary = (
        f"{result.rows} rows, grain {result.grain}, months {','.join(result.months)}, regions "
        f"{','.join(result.region_codes)}, total {result.value_total:,.2f} {result.currency.upper()}, "
        f"content {result.content_hash[:16]}"
    )
    if result.status == "unchanged":
        return f"unchanged ({result.path})"
    if result.status == "validated":
        return f"valid (dry run): {summary}"
    return f"{result.status}: landed {result.path}: {summary}"


def _gacc(args: argparse.Namespace) -> int:
    result = ingest_gacc(
        args.files,
        root=args.landing_root,
        progress=sys.stderr.isatty(),
        **_picked(args, *QUERY_OPTIONS, "dry_run", "memory_limit"),
    )
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(_describe(result))
    for change in result.changes if result.status == "revision" else []:
        print(f"  changed: {change}")
    return 0


def _read_batch_manifest(path: Path) -> list[QueryRequest]:
    """The queries of a batch manifest; file names relative to the manifest's directory."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        queries = data["queries"] if isinstance(data, dict) else data
        return [
            QueryRequest(
                files=[path.parent / name for name in query["files"]],
                flow=query["flow"],
                period=query.get("period"),
                currency=query.get("currency"),
                complete=list(query.get("complete", [])),
                allow_full_parts=bool(query.get("allow_full_parts", False)),
                revision=bool(query.get("revision", False)),
            )
            for query in queries
        ]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        print(f"{path}: not a batch manifest ({type(exc).__name__}: {exc}); see --help", file=sys.stderr)
        raise SystemExit(2) from None


def _gacc_batch(args: argparse.Namespace) -> int:
    requests = _read_batch_manifest(args.manifest)
    total = len(requests)
    done = 0

    def report(outcome: QueryOutcome) -> None:
        nonlocal done
        done += 1
        label = f"[{done}/{total}] {outcome.request.label}"
        if outcome.error is not None:
            print(f"{label}: {outcome.error.render()}", file=sys.stderr)
            return
        assert outcome.result is not None
        for warning in outcome.result.warnings:
            print(f"{label}: warning: {warning}", file=sys.stderr)
        print(f"{label}: {_describe(outcome.result)}", flush=True)

    outcomes = ingest_gacc_many(
        requests, root=args.landing_root, on_outcome=report, **_picked(args, "dry_run", "memory_limit", "workers")
    )
    refused = [outcome for outcome in outcomes if outcome.error is not None]
    print(f"{total - len(refused)} of {total} queries done, {len(refused)} refused")
    return 1 if refused else 0


def _gacc_retract(args: argparse.Namespace) -> int:
    withdrawn, published = retract(landing_root(args.landing_root), args.vintage, args.reason)
    print(f"retracted {withdrawn} (kept, recorded in {RETRACTIONS_DIR}/)")
    print(f"published again: {published}" if published else "no earlier vintage: the partition publishes nothing")
    return 0


def _figure(args: argparse.Namespace) -> int:
    figure = {column: getattr(args, column) for column in HELP if getattr(args, column) is not None}
    row = add_figure(figure, seed=args.seed)
    print(f"appended figure {row['figure_id']} ({row['value_as_printed'] or 'growth only'}) to {args.seed}")
    return 0


def _figures(args: argparse.Namespace) -> int:
    result = add_figures(read_figures_file(args.file), seed=args.seed, dry_run=args.dry_run)
    ids = ", ".join(row["figure_id"] for row in result.rows)
    if args.dry_run:
        print(f"valid (dry run, nothing written): {len(result.rows)} figures: {ids}")
    else:
        print(f"appended {len(result.rows)} figures to {args.seed}: {ids}")
    return 0


def _region_table(args: argparse.Namespace) -> int:
    outcomes = ingest_region_tables(args.files, period=args.period, **({"seed": args.seed} if args.seed else {}))
    for outcome in outcomes:
        table = outcome.table
        what = {
            "unchanged": f"unchanged (vintage {outcome.vintage} has this content); nothing written",
            "new": f"landed as vintage 1 ({len(table.rows)} places)",
            "revision": f"landed as vintage {outcome.vintage} ({len(table.rows)} places): supersedes "
            f"vintage {outcome.vintage - 1}, which stays queryable",
        }[outcome.status]
        print(f"{table.path} ({table.period}): {what}")
    return 0


def _partner_names(_: argparse.Namespace) -> int:
    path = write_crosswalk()
    print(f"wrote {path}")
    return 0


def _command(
    commands: argparse._SubParsersAction,
    name: str,
    handler: Callable[[argparse.Namespace], int],
    summary: str,
    description: str,
    *,
    raw: bool = True,
) -> argparse.ArgumentParser:
    """Subcommand ``name``, run by ``handler``; ``raw``: its description is printed as written, not re-wrapped."""
    formatter = argparse.RawDescriptionHelpFormatter if raw else argparse.HelpFormatter
    parser = commands.add_parser(name, help=summary, description=description, formatter_class=formatter)
    parser.set_defaults(handler=handler)
    return parser


def _landing_root_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--landing-root", type=Path, help=f"landing zone root (default ${LANDING_ROOT_ENV} or data/landing)"
    )


def _landing_options(parser: argparse.ArgumentParser, *, memory_help: str) -> None:
    """Where and how a GACC query lands: --landing-root, --dry-run, --memory-limit."""
    _landing_root_option(parser)
    parser.add_argument("--dry-run", action="store_true", help="validate and report, write nothing")
    parser.add_argument("--memory-limit", default="1GB", help=memory_help)


def _query_options(parser: argparse.ArgumentParser) -> None:
    """QUERY_OPTIONS as command-line options."""
    parser.add_argument(
        "--flow", required=True, choices=list(FLOWS), help="the query's flow: export, import, or total (进出口)"
    )
    parser.add_argument(
        "--period",
        help="when the files have no 数据年月 column: YYYY-MM (one month) or YYYY-MM..YYYY-MM (the cumulative range)",
    )
    parser.add_argument("--currency", choices=["usd", "cny"], help="optional: checked against the amount column")
    parser.add_argument(
        "--complete",
        type=lambda text: [d for d in text.split(",") if d],
        default=[],
        metavar="DIM,...",
        help=f"dimensions the query covers completely, no filter on them (among {', '.join(DIMENSIONS)}; default none)",
    )
    parser.add_argument("--allow-full-parts", action="store_true", help="a part of exactly 10,000 rows is complete")
    parser.add_argument("--revision", action="store_true", help="accept a vintage with fewer rows or parts")


def _figures_seed_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seed", type=Path, default=FIGURES_SEED, help="the seed to append to (default %(default)s)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)

    gacc = _command(commands, "gacc", _gacc, "land the part files of one GACC platform query", GACC_HELP)
    gacc.add_argument("files", nargs="+", type=Path, metavar="FILE", help="the part files of one query (CSV)")
    _query_options(gacc)
    _landing_options(gacc, memory_help="DuckDB memory limit; beyond it DuckDB spills to disk")

    summary = "land many GACC platform queries listed in a JSON manifest"
    batch = _command(commands, "gacc-batch", _gacc_batch, summary, GACC_BATCH_HELP)
    batch.add_argument("manifest", type=Path, metavar="MANIFEST", help="JSON manifest of the queries")
    _landing_options(batch, memory_help="DuckDB memory limit, shared by all workers")
    batch.add_argument("--workers", type=int, help="queries staged at once (default: one per core)")

    summary = "withdraw a landed GACC vintage; the one before it is published again"
    retraction = _command(commands, "gacc-retract", _gacc_retract, summary, RETRACT_HELP, raw=False)
    retraction.add_argument("vintage", metavar="VINTAGE", help="vintage directory or content hash (prefix)")
    retraction.add_argument("--reason", default="", help="why (kept in the record)")
    _landing_root_option(retraction)

    summary = "validate a published figure and append it to the published-figures seed"
    figure = _command(commands, "figure", _figure, summary, FIGURE_HELP)
    for column, text in HELP.items():
        figure.add_argument(f"--{column.replace('_', '-')}", dest=column, help=text)
    _figures_seed_option(figure)

    summary = "validate the published figures of a CSV file and append them all, or none"
    figures = _command(commands, "figures", _figures, summary, FIGURES_HELP)
    figures.add_argument("file", type=Path, metavar="FILE.csv", help="figures in the seed's columns")
    _figures_seed_option(figures)
    figures.add_argument("--dry-run", action="store_true", help="check and report, write nothing")

    summary = "land GACC's monthly table by location of importers/exporters"
    table = _command(commands, "region-table", _region_table, summary, REGION_TABLE_HELP)
    table.add_argument("files", nargs="+", type=Path, metavar="FILE", help="one month's table each (CSV)")
    table.add_argument("--period", help="the month (YYYY-MM) of a file whose name does not say it")
    table.add_argument("--seed", type=Path, help="the seed to append to (default seeds/raw/gacc_region_table.csv)")

    summary = "regenerate the GACC partner-name crosswalk seed"
    _command(commands, "partner-names", _partner_names, summary, PARTNER_NAMES_HELP, raw=False)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one subcommand; its exit code (1 refused input, 3 environment error, as the module docstring says)."""
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except (IngestError, OSError, duckdb.Error) as exc:
        problem = environment_problem(exc)
        if problem is not None:
            print(problem.render("ingest"), file=sys.stderr)
            return EXIT_ENVIRONMENT
        if not isinstance(exc, IngestError):
            raise
        print(exc.render(), file=sys.stderr)
        return 1
