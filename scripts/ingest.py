#!/usr/bin/env python3
"""Bring customs data into the warehouse.

  gacc          land the part files of one GACC online-platform query (stats.customs.gov.cn)
                in the landing zone as one Parquet vintage, after validating every row
  figure        validate one published figure (a press or customs release) and append it to
                seeds/raw/customs_published_figures.csv
  partner-names regenerate seeds/reference/ref_gacc_partner_names.csv (GACC partner name ->
                ISO3) from pycountry and seeds/reference/ref_gacc_partner_name_overrides.csv

Exit codes: 0 done (or nothing to do), 1 input refused (nothing was written), 2 usage error.
Then `make build` (dbt build) publishes the new data. See docs/ingest.md.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tradewh.ingest_common import LANDING_ROOT_ENV, IngestError
from tradewh.ingest_figures import COLUMNS, HELP, add_figure
from tradewh.ingest_gacc import ingest_gacc
from tradewh.ingest_partner_names import write_crosswalk

GACC_HELP = f"""\
Land one GACC platform query. The FILEs are the parts of ONE query (the platform exports at most
10,000 rows per download); give them all at once. The flow, the period and the currency were
chosen in the query and are not in the files, so say them here.

Each file must have the platform's header
  商品编码,商品名称,贸易伙伴编码,贸易伙伴名称,贸易方式编码,贸易方式名称,注册地编码,注册地名称,
  第一数量,第一计量单位,第二数量,第二计量单位,美元   (or 人民币 instead of 美元)
in UTF-8 (with or without BOM) or GBK; the encoding is detected from the header line.

Normalised: 注册地编码 '65' -> region_code '650000' (GB/T 2260); 贸易伙伴名称 -> ISO3 through
seeds/reference/ref_gacc_partner_names.csv; 商品编码 kept as text (a leading zero lost by a
spreadsheet is restored); values as decimals.

Refused, with file, line, column and value, exit code 1 and the landing zone untouched: missing
or unknown columns, unknown province codes, unmapped partner names (all listed), values that are
not numbers, negative values, duplicated rows (same product, partner, trade mode and province),
parts with different headers or currencies, a currency column that disagrees with --currency,
empty or truncated files, undecodable bytes.

Written to <landing>/gacc/flow=FLOW/period=PERIOD/currency=CURRENCY/<ingested_at>_<hash>/
(one part-NNNN.parquet per file and a _vintage.json manifest), moved into place atomically.
The same content again writes nothing ('unchanged'). Different content for the same flow,
period, currency and province is a new vintage: the marts publish the latest one and the older
ones stay in the landing zone and in intermediate.int_gacc_query_vintages. Unknown trade mode
codes are accepted with a warning (add them to seeds/reference/ref_trade_modes.csv).

The landing root is --landing-root, else ${LANDING_ROOT_ENV}, else data/landing.
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


def _gacc(args: argparse.Namespace) -> int:
    result = ingest_gacc(
        args.files,
        flow=args.flow,
        period=args.period,
        currency=args.currency,
        root=args.landing_root,
        dry_run=args.dry_run,
        memory_limit=args.memory_limit,
        progress=sys.stderr.isatty(),
    )
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    summary = (
        f"{result.rows} rows, regions {','.join(result.region_codes)}, "
        f"total {result.value_total:,.2f} {result.currency.upper()}, content {result.content_hash[:16]}"
    )
    messages = {
        "validated": f"valid (dry run, nothing written): {summary}",
        "unchanged": f"unchanged: this content is already landed as {result.path}; nothing written",
        "new": f"landed {result.path}: {summary}",
        "revision": (
            f"landed {result.path}: {summary}\n"
            f"new vintage: supersedes, for its provinces, {', '.join(p.name for p in result.superseded)} "
            "(kept for audit)"
        ),
    }
    print(messages[result.status])
    return 0


def _figure(args: argparse.Namespace) -> int:
    figure = {column: getattr(args, column) for column in COLUMNS if getattr(args, column) is not None}
    row = add_figure(figure, seed=args.seed) if args.seed else add_figure(figure)
    target = args.seed or "the published-figures seed"
    print(f"appended figure {row['figure_id']} ({row['value_as_printed']}) to {target}")
    return 0


def _partner_names(_: argparse.Namespace) -> int:
    path = write_crosswalk()
    print(f"wrote {path}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)

    gacc = commands.add_parser(
        "gacc",
        help="land the part files of one GACC platform query",
        description=GACC_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    gacc.add_argument("files", nargs="+", type=Path, metavar="FILE", help="the part files of one query (CSV)")
    gacc.add_argument("--flow", required=True, choices=["export", "import"], help="the query's flow")
    gacc.add_argument("--period", required=True, help="the query's period: YYYY (a year) or YYYY-MM (one month)")
    gacc.add_argument("--currency", required=True, choices=["usd", "cny"], help="the query's currency (美元 / 人民币)")
    gacc.add_argument(
        "--landing-root", type=Path, help=f"landing zone root (default ${LANDING_ROOT_ENV} or data/landing)"
    )
    gacc.add_argument("--dry-run", action="store_true", help="validate and report, write nothing")
    gacc.add_argument("--memory-limit", default="1GB", help="DuckDB memory limit; beyond it DuckDB spills to disk")
    gacc.set_defaults(handler=_gacc)

    figure = commands.add_parser(
        "figure",
        help="validate a published figure and append it to the published-figures seed",
        description=FIGURE_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    for column in COLUMNS:
        figure.add_argument(f"--{column.replace('_', '-')}", dest=column, help=HELP[column])
    figure.add_argument(
        "--seed", type=Path, help="the seed to append to (default seeds/raw/customs_published_figures.csv)"
    )
    figure.set_defaults(handler=_figure)

    names = commands.add_parser(
        "partner-names",
        help="regenerate the GACC partner-name crosswalk seed",
        description="Regenerate seeds/reference/ref_gacc_partner_names.csv from pycountry's zh_CN names and "
        "seeds/reference/ref_gacc_partner_name_overrides.csv (overrides win). Review the diff.",
    )
    names.set_defaults(handler=_partner_names)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except IngestError as exc:
        print(exc.render(), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
