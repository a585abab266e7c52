"""Generate ``seeds/reference/ref_gacc_partner_names.csv``: GACC Chinese partner name -> ISO3.

Two inputs, so the crosswalk can be regenerated rather than hand-edited:

- ``pycountry``'s zh_CN translation of ISO 3166-1 names (阿富汗 AFG, 德国 DEU, ...). Names that
  pycountry leaves untranslated (Bolivia, Iran, ...) are skipped.
- ``seeds/reference/ref_gacc_partner_name_overrides.csv``: the names GACC prints where they differ
  (俄罗斯联邦 RUS, 吉尔吉斯斯坦 KGZ, 韩国 KOR, 中国香港 HKG, 刚果(布) COG, ...). An override wins
  over a pycountry name that is spelt the same.

Full-width and half-width parentheses are both listed, since exports use either.
"""

from __future__ import annotations

import csv
import gettext
from pathlib import Path

import pycountry

from tradewh.ingest_common import REFERENCE_DIR, read_reference

OUTPUT = "ref_gacc_partner_names"
OVERRIDES = "ref_gacc_partner_name_overrides"
FULL_WIDTH = str.maketrans({"(": "\uff08", ")": "\uff09"})
HALF_WIDTH = str.maketrans({"\uff08": "(", "\uff09": ")"})


def _has_han(text: str) -> bool:
    return any("\u4e00" <= char <= "\u9fff" for char in text)


def pycountry_names() -> dict[str, str]:
    """zh_CN name -> ISO3 for every country pycountry translates (first ISO3 wins on a clash)."""
    zh = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["zh_CN"])
    names: dict[str, str] = {}
    for country in sorted(pycountry.countries, key=lambda c: c.alpha_3):
        name = zh.gettext(country.name).strip()
        if _has_han(name):
            names.setdefault(name, country.alpha_3)
    return names


def crosswalk(reference_dir: Path = REFERENCE_DIR) -> list[dict[str, str]]:
    """Rows gacc_name, iso3, name_source, sorted by name; overrides first, both parenthesis widths."""
    known = {country.alpha_3 for country in pycountry.countries}
    rows: dict[str, dict[str, str]] = {}
    for override in read_reference(OVERRIDES, reference_dir):
        name, iso3 = override["gacc_name"].strip(), override["iso3"].strip()
        if iso3 not in known:
            raise ValueError(f"{OVERRIDES}.csv: {name!r} -> {iso3!r} is not an ISO 3166-1 alpha-3 code")
        for variant in {name, name.translate(FULL_WIDTH), name.translate(HALF_WIDTH)}:
            if variant in rows and rows[variant]["iso3"] != iso3:
                raise ValueError(f"{OVERRIDES}.csv: {variant!r} is mapped to both {rows[variant]['iso3']} and {iso3}")
            rows[variant] = {"gacc_name": variant, "iso3": iso3, "name_source": "gacc_override"}
    for name, iso3 in pycountry_names().items():
        for variant in {name, name.translate(FULL_WIDTH), name.translate(HALF_WIDTH)}:
            rows.setdefault(variant, {"gacc_name": variant, "iso3": iso3, "name_source": "pycountry_zh_cn"})
    return [rows[name] for name in sorted(rows)]


def write_crosswalk(reference_dir: Path = REFERENCE_DIR) -> Path:
    """Regenerate the crosswalk seed atomically; returns its path."""
    rows = crosswalk(reference_dir)
    path = reference_dir / f"{OUTPUT}.csv"
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["gacc_name", "iso3", "name_source"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    tmp.replace(path)
    return path
