#!/usr/bin/env python3
"""Regenerate seeds/reference/ref_region_places.csv from GACC region tables and cpca's code list.

  scripts/generate_region_places.py TABLE.csv... [--adcodes PATH]

--adcodes defaults to the adcodes.csv of an installed cpca (pip install cpca==0.5.5; only this
generator needs it). Review the diff: a new zone of a new month appears as a new row.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

from tradewh.region_places import place_rows, read_adcodes, write_places


def _default_adcodes() -> Path | None:
    spec = importlib.util.find_spec("cpca")
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent / "resources" / "adcodes.csv"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("tables", nargs="+", type=Path, metavar="TABLE", help="GACC region tables (YYYY-MM.csv)")
    parser.add_argument("--adcodes", type=Path, default=_default_adcodes(), help="cpca's resources/adcodes.csv")
    args = parser.parse_args(argv)
    if args.adcodes is None:
        parser.error("cpca is not installed: give --adcodes PATH (cpca 0.5.5's resources/adcodes.csv)")
    path = write_places(place_rows(sorted(args.tables), read_adcodes(args.adcodes)))
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
