"""Generate ``seeds/reference/ref_region_places.csv``: every place GACC's region table prints.

Each name in the tables given becomes one row: the national total (总值) and the provinces with
their GB/T 2260 codes from ref_regions; every other place with the province it is printed
under (the table lists a province, then its cities and zones), a level from its name
(…开发区/园区/工业园/示范区/实验区 a development zone, …合作区 a cooperation zone, …新区 a new area,
…州 an autonomous prefecture, …市 a prefecture- or county-level city by its code) and, where
the administrative-division list of the PyPI package cpca (resources/adcodes.csv, Ministry of
Civil Affairs codes) has the name inside that province, its GB/T 2260 code. A place with no code
is keyed ``<province code>/<name>``: never a made-up code.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from tradewh.ingest_common import REFERENCE_DIR, read_reference
from tradewh.ingest_region_table import FOOTNOTE_PREFIX, NATIONAL_LABEL

PLACES_SEED = REFERENCE_DIR / "ref_region_places.csv"
COLUMNS = ["name_as_printed", "region_code", "parent_region_code", "region_level", "gbt2260_code", "code_source"]
CPCA_SOURCE = "PyPI cpca 0.5.5, resources/adcodes.csv (first 6 of 12 digits)"
REF_SOURCE = "ref_regions (GB/T 2260)"
_ZONE_MARKERS = ("开发区", "园区", "工业园", "示范区", "实验区")


def read_adcodes(path: Path) -> dict[str, list[tuple[str, str]]]:
    """cpca's adcodes.csv as {province prefix (2 digits): [(6-digit code, name), ...]}."""
    by_province: dict[str, list[tuple[str, str]]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            code = row["adcode"][:6]
            by_province.setdefault(code[:2], []).append((code, row["name"]))
    return by_province


def _unique(codes: list[str]) -> str:
    return codes[0] if len(codes) == 1 else ""


def _level_and_code(name: str, candidates: list[tuple[str, str]]) -> tuple[str, str]:
    if any(marker in name for marker in _ZONE_MARKERS):
        return "development_zone", ""
    if name.endswith("合作区"):
        return "cooperation_zone", ""
    if name.endswith("新区"):
        # 天津滨海新区 is the district 滨海新区: the name without the city prefix, when cpca has it.
        return "new_area", _unique([code for code, known in candidates if known == name[2:]])
    if name.endswith("州"):
        codes = [c for c, known in candidates if known.startswith(name[:-1]) and known.endswith("自治州")]
        return "autonomous_prefecture", _unique(codes)
    if name.endswith("市"):
        code = _unique([code for code, known in candidates if known == name])
        level = "city" if not code else "prefecture_city" if code.endswith("00") else "county_city"
        return level, code
    code = _unique([code for code, known in candidates if known == f"{name}县"])
    return ("county" if code else "other"), code


def place_rows(tables: list[Path], adcodes: dict[str, list[tuple[str, str]]]) -> list[dict[str, str]]:
    """One row per distinct place name of ``tables``, in the order first printed."""
    provinces = {
        row["name_zh"]: row["region_code"] for row in read_reference("ref_regions") if row["region_level"] == "province"
    }
    rows: dict[str, dict[str, str]] = {}
    for path in tables:
        lines = list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))
        parent = ""
        for line in lines[3:]:
            if not line or line[0].startswith(FOOTNOTE_PREFIX):
                break
            name = line[0].strip()
            if name == NATIONAL_LABEL:
                row = {"region_code": "000000", "parent_region_code": "", "region_level": "national"}
                row |= {"gbt2260_code": "000000", "code_source": REF_SOURCE}
            elif name in provinces:
                parent = provinces[name]
                row = {"region_code": parent, "parent_region_code": "000000", "region_level": "province"}
                row |= {"gbt2260_code": parent, "code_source": REF_SOURCE}
            else:
                level, code = _level_and_code(name, adcodes.get(parent[:2], []))
                row = {"region_code": code or f"{parent}/{name}", "parent_region_code": parent}
                row |= {"region_level": level, "gbt2260_code": code, "code_source": CPCA_SOURCE if code else ""}
            rows.setdefault(name, {"name_as_printed": name, **row})
    return list(rows.values())


def write_places(rows: list[dict[str, str]], path: Path = PLACES_SEED) -> Path:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(buffer.getvalue(), encoding="utf-8")
    tmp.replace(path)
    return path
