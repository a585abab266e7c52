# ruff: noqa: RUF001 - the platform's Chinese text uses full-width punctuation on purpose
"""SYNTHETIC GACC online-query-platform exports, for load tests and benchmarks.

Writes files in the platform's CSV export format (header 商品编码,商品名称,贸易伙伴编码,
贸易伙伴名称,贸易方式编码,贸易方式名称,注册地编码,注册地名称,第一数量,第一计量单位,第二数量,
第二计量单位,美元 or 人民币), one folder per query (flow x month x currency), each query split into
parts of at most 10,000 rows named like repeated browser downloads (``download.csv``,
``download(1).csv``, ...), some queries in GBK, some in UTF-8 with a BOM, the rest plain UTF-8.
A ``MANIFEST.json`` lists every query's flow, month, currency, encoding and files, and a
``README.md`` says, in both languages, that the data are synthetic.

What is real and what is not:
- Province x year totals (exports + imports, US dollars) equal the NBS figures in
  ``seeds/raw/nbs_trade_by_importer_location_annual.csv`` exactly, in whole dollars (the NBS
  figures are thousand dollars with at most three decimals, so ``thousand * 1000`` is a whole
  number), for every calendar year the data cover completely, in US-dollar queries. A year covered
  only in part carries those months' share of the NBS total. Yuan queries (``cny_share > 0``)
  convert each row at the month's rate in ``ref_fx_monthly`` and round to whole yuan, so their
  totals come back within 0.5 yuan per row.
- Everything below the province x flow x month total is invented: export shares, the seasonal
  profile, and the split over partners (GACC names and codes, ~200), 8-digit HS codes (a
  generated catalogue inside the real chapters, plus a few real codes such as 85076000) and trade
  modes follows Zipf-like weights with noise. Shares are plausible, not statistics.

Generation is deterministic for a seed (byte-identical files) and streams: one query (one flow,
one month, all provinces) is built at a time with numpy and written part by part, so memory stays
at a few hundred MB whatever the total. The values of a month do not depend on how many months
are generated, and the newest month always has ``rows_per_month`` rows, so a longer history does
not change the size of the "new month" a benchmark ingests incrementally.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import os
import shutil
import sys
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from functools import cached_property
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
from tqdm import tqdm

from tradewh import PROJECT_ROOT
from tradewh import synthetic_catalogue as cat

FORMAT_VERSION = 3  # bump whenever the output changes, so cached datasets are not reused
PART_ROWS = 10_000  # the platform's download limit
# a user splits a query into parts below the limit (a part of exactly 10,000 rows is refused as cut off)
DEFAULT_PART_ROWS = 9_000
DEFAULT_ROOT = PROJECT_ROOT / "data" / "synthetic"
DEFAULT_ROWS_PER_MONTH = 400_000
DEFAULT_END = "2024-12"
MANIFEST_NAME = "MANIFEST.json"
FLOWS = ("export", "import")
FIELDS = (
    "数据年月", "商品编码", "商品名称", "贸易伙伴编码", "贸易伙伴名称", "贸易方式编码", "贸易方式名称",
    "注册地编码", "注册地名称", "第一数量", "第一计量单位", "第二数量", "第二计量单位",
)  # fmt: skip
VALUE_FIELD = {"usd": "美元", "cny": "人民币"}
NBS_CSV = PROJECT_ROOT / "seeds" / "raw" / "nbs_trade_by_importer_location_annual.csv"
REGIONS_CSV = PROJECT_ROOT / "seeds" / "reference" / "ref_regions.csv"
FX_MONTHLY_CSV = PROJECT_ROOT / "seeds" / "reference" / "ref_fx_monthly.csv"
_CATALOGUE_SEED = 20_240_101  # the HS catalogue is the same for every seed
_MIN_ROWS_PER_CELL = 1


# --------------------------------------------------------------------------------------------
# configuration


def parse_month(text: str) -> tuple[int, int]:
    """'2024-03' -> (2024, 3); ValueError naming the text otherwise."""
    try:
        year_text, month_text = text.split("-")
        year, month = int(year_text), int(month_text)
    except ValueError:
        raise ValueError(f"not a month (YYYY-MM): {text!r}") from None
    if not 1 <= month <= 12:
        raise ValueError(f"not a month (YYYY-MM): {text!r}")
    return year, month


def _month_index(year: int, month: int) -> int:
    return year * 12 + month - 1


def _month_of(index: int) -> tuple[int, int]:
    return index // 12, index % 12 + 1


@dataclass(frozen=True)
class SyntheticConfig:
    """What to generate. ``rows`` is exact; months run back from ``end``.

    Without ``start``, the newest months get ``rows_per_month`` rows each and the oldest month the
    rest (so N rows cover ceil(N / rows_per_month) months). With ``start``, the rows are spread
    evenly over start..end.
    """

    rows: int
    seed: int = 42
    end: str = DEFAULT_END
    start: str | None = None
    rows_per_month: int = DEFAULT_ROWS_PER_MONTH
    gbk_share: float = 0.25
    bom_share: float = 0.25
    cny_share: float = 0.0
    part_rows: int = DEFAULT_PART_ROWS

    def __post_init__(self) -> None:
        if self.rows < 2 * 31:
            raise ValueError("rows must be at least 62 (one row per province and flow in one month)")
        if not 1 <= self.part_rows <= PART_ROWS:
            raise ValueError(f"part_rows must be 1..{PART_ROWS} (the platform's download limit)")
        if self.rows_per_month < 2 * 31:
            raise ValueError("rows_per_month must be at least 62")
        for name in ("gbk_share", "bom_share", "cny_share"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1")
        if self.gbk_share + self.bom_share > 1.0:
            raise ValueError("gbk_share + bom_share must be at most 1")
        parse_month(self.end)
        if self.start is not None:
            parse_month(self.start)

    def rows_by_month(self) -> list[tuple[int, int, int]]:
        """[(year, month, rows)], oldest first; every month has at least 62 rows."""
        end = _month_index(*parse_month(self.end))
        if self.start is not None:
            start = _month_index(*parse_month(self.start))
            if start > end:
                raise ValueError(f"start {self.start} is after end {self.end}")
            count = end - start + 1
            rows = _allocate(self.rows, np.ones(count), minimum=0)
            if rows.min() < 62:
                raise ValueError(f"{self.rows} rows over {count} months leaves fewer than 62 rows in a month")
            return [(*_month_of(start + i), int(rows[i])) for i in range(count)]
        full, rest = divmod(self.rows, self.rows_per_month)
        per_month = [self.rows_per_month] * full
        if rest >= 62 or not per_month:
            per_month.insert(0, rest)
        else:  # a tiny remainder joins the oldest full month
            per_month[0] += rest
        start = end - len(per_month) + 1
        return [(*_month_of(start + i), rows) for i, rows in enumerate(per_month)]

    @property
    def dataset_name(self) -> str:
        """Folder name: every parameter that changes the output, so a cache hit is safe."""
        parts = [f"gacc_synthetic_v{FORMAT_VERSION}", f"seed{self.seed}", f"rows{self.rows}", f"end{self.end}"]
        parts.append(f"start{self.start}" if self.start else f"rpm{self.rows_per_month}")
        if (self.gbk_share, self.bom_share, self.cny_share) != (0.25, 0.25, 0.0):
            parts.append(f"gbk{self.gbk_share:g}_bom{self.bom_share:g}_cny{self.cny_share:g}")
        if self.part_rows != DEFAULT_PART_ROWS:
            parts.append(f"part{self.part_rows}")
        return "_".join(parts)


# --------------------------------------------------------------------------------------------
# reference data (read from the project's seeds)


@dataclass(frozen=True)
class Province:
    customs_code: str  # "65"
    region_code: str  # "650000"
    name_zh: str
    has_land_border: bool


def load_provinces(path: Path = REGIONS_CSV) -> list[Province]:
    with path.open(encoding="utf-8") as handle:
        rows = [row for row in csv.DictReader(handle) if row["region_level"] == "province"]
    return [
        Province(row["customs_registration_code"], row["region_code"], row["name_zh"], row["has_land_border"] == "true")
        for row in rows
    ]


def load_nbs_totals_usd(path: Path = NBS_CSV) -> dict[tuple[str, int], int]:
    """(region_code, year) -> total trade in whole US dollars (thousand * 1000, half-even)."""
    totals: dict[tuple[str, int], int] = {}
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            dollars = (Decimal(row["total_trade_usd_thousand"]) * 1000).quantize(Decimal(1), ROUND_HALF_EVEN)
            totals[row["region_code"], int(row["year"])] = int(dollars)
    return totals


def load_fx_monthly(path: Path = FX_MONTHLY_CSV) -> dict[tuple[int, int], float]:
    with path.open(encoding="utf-8") as handle:
        return {(int(r["year"]), int(r["month"])): float(r["cny_per_usd"]) for r in csv.DictReader(handle)}


# --------------------------------------------------------------------------------------------
# numeric helpers


def _allocate(total: int, weights: np.ndarray, minimum: int = 1) -> np.ndarray:
    """Split the integer ``total`` over ``weights``: each gets >= minimum, the sum is exact."""
    count = len(weights)
    base = np.full(count, minimum, dtype=np.int64)
    rest = int(total) - minimum * count
    if rest < 0:
        raise ValueError(f"cannot give {count} parts at least {minimum} out of {total}")
    weights = np.asarray(weights, dtype=np.float64)
    raw = weights / weights.sum() * rest
    floor = np.floor(raw).astype(np.int64)
    deficit = rest - int(floor.sum())
    if deficit > 0:
        order = np.argsort(-(raw - floor), kind="stable")
        whole, part = divmod(deficit, count)
        floor += whole
        floor[order[:part]] += 1
    elif deficit < 0:  # float rounding overshoot: take it back from the largest
        order = np.argsort(-floor, kind="stable")
        floor[order[:-deficit]] -= 1
    return base + floor


def _zipf(count: int, exponent: float) -> np.ndarray:
    return 1.0 / np.arange(1, count + 1, dtype=np.float64) ** exponent


# --------------------------------------------------------------------------------------------
# catalogues


@dataclass
class Catalogue:
    """Everything a row is drawn from (the same for every seed)."""

    provinces: list[Province]
    hs_codes: np.ndarray  # str, sorted
    hs_names: np.ndarray
    hs_chapter_index: np.ndarray  # int, index into chapters
    hs_unit: np.ndarray  # str, first unit
    hs_unit_price: np.ndarray  # USD per first unit
    hs_weight: dict[str, np.ndarray]  # flow -> weight per code
    chapters: list[str]
    partner_codes: np.ndarray
    partner_names: np.ndarray
    partner_iso3: np.ndarray
    partner_weight: dict[str, np.ndarray]
    mode_codes: np.ndarray
    mode_names: np.ndarray
    mode_weight: dict[str, np.ndarray]
    extras: dict[str, object] = field(default_factory=dict)


def build_catalogue() -> Catalogue:
    rng = np.random.default_rng(_CATALOGUE_SEED)
    chapters = sorted(cat.CHAPTERS)
    codes: list[str] = []
    weights: dict[str, list[float]] = {"export": [], "import": []}
    for chapter in chapters:
        export_share, import_share = cat.CHAPTER_SHARE_PCT.get(chapter, (0.15, 0.15))
        n_codes = int(np.clip(round(30 * math.sqrt(max(export_share, import_share) / 0.15)), 12, 400))
        headings = max(2, min(99, n_codes // 6))
        grid = np.array([f"{chapter}{h:02d}{s}{n}" for h in range(1, headings + 1)
                         for s in ("10", "11", "19", "20", "29", "30", "90", "91", "99")
                         for n in ("00", "10", "90", "99")])  # fmt: skip
        chosen = rng.choice(len(grid), size=min(n_codes, len(grid)), replace=False)
        chapter_codes = [str(code) for code in grid[chosen]]
        chapter_codes += [code for code in cat.NAMED_CODES if code.startswith(chapter) and code not in chapter_codes]
        zipf = _zipf(len(chapter_codes), 1.1)
        rng.shuffle(zipf)
        zipf /= zipf.sum()
        for position, code in enumerate(chapter_codes):
            boost = cat.NAMED_CODES[code][2] / len(chapter_codes) if code in cat.NAMED_CODES else 1.0
            codes.append(code)
            weights["export"].append(export_share * zipf[position] * max(boost, 1.0))
            weights["import"].append(import_share * zipf[position] * max(boost, 1.0))
    order = np.argsort(np.array(codes))
    hs_codes = np.array(codes)[order]
    chapter_index = np.array([chapters.index(code[:2]) for code in hs_codes])
    names, units, prices = [], [], []
    for code in hs_codes:
        if code in cat.NAMED_CODES:
            name, unit, _ = cat.NAMED_CODES[code]
        else:
            name = f"{cat.CHAPTERS[code[:2]]}（{code[:4]}.{code[4:6]}.{code[6:]}）"
            unit = _unit_for(code, rng)
        names.append(name)
        units.append(unit)
        centre = {"千克": 1.3, "辆": 9.8, "台": 4.5, "个": 2.5, "件": 2.0, "双": 2.2}[unit]
        prices.append(float(np.exp(rng.normal(centre, 0.8))))
    hs_weight = {flow: np.array(w)[order] for flow, w in weights.items()}

    partners = cat.PARTNERS
    head = np.array(cat.PARTNER_HEAD_SHARE_PCT)
    tail_count = len(partners) - len(head)
    tail = head[-1] * (len(head) / np.arange(len(head) + 1, len(partners) + 1)) ** 1.6
    base = np.concatenate([head, tail])[: len(partners)] if tail_count > 0 else head[: len(partners)]
    iso3 = np.array([p[2] for p in partners])
    partner_weight = {}
    for flow in FLOWS:
        tilt = np.array([cat.PARTNER_FLOW_TILT[flow].get(code, 1.0) for code in iso3])
        partner_weight[flow] = base * tilt
    modes = cat.TRADE_MODES
    return Catalogue(
        provinces=load_provinces(),
        hs_codes=hs_codes,
        hs_names=np.array(names),
        hs_chapter_index=chapter_index,
        hs_unit=np.array(units),
        hs_unit_price=np.array(prices),
        hs_weight=hs_weight,
        chapters=chapters,
        partner_codes=np.array([p[0] for p in partners]),
        partner_names=np.array([p[1] for p in partners]),
        partner_iso3=iso3,
        partner_weight=partner_weight,
        mode_codes=np.array([m[0] for m in modes]),
        mode_names=np.array([m[1] for m in modes]),
        mode_weight={"export": np.array([m[2] for m in modes]), "import": np.array([m[3] for m in modes])},
    )


def _unit_for(code: str, rng: np.random.Generator) -> str:
    chapter = code[:2]
    if chapter in ("84", "85", "90", "91"):
        return str(rng.choice(["台", "个", "千克"], p=[0.35, 0.35, 0.3]))
    if chapter == "87":
        return "辆" if code[2:4] <= "05" else "千克"
    if chapter in ("61", "62", "63", "94", "95"):
        return "件"
    if chapter == "64":
        return "双"
    return "千克"


# --------------------------------------------------------------------------------------------
# the generator


@dataclass
class _Cell:
    province: int
    rows: int
    value_usd: int


class Generator:
    """Builds queries for one config; ``query_table`` is pure (same inputs, same rows)."""

    def __init__(self, config: SyntheticConfig) -> None:
        self.config = config
        self.catalogue = build_catalogue()
        self.nbs = load_nbs_totals_usd()
        self.fx = load_fx_monthly()
        years = {year for year, _, _ in config.rows_by_month()}
        provinces = self.catalogue.provinces
        missing = [(p.region_code, y) for p in provinces for y in years if (p.region_code, y) not in self.nbs]
        if missing:
            raise ValueError(f"no NBS total for {missing[:3]}...: choose months within the NBS years")

    @cached_property
    def _province_weights(self) -> dict[tuple[str, int], tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """(flow, province index) -> (hs, partner, mode) probability vectors."""
        cat_ = self.catalogue
        out = {}
        for index, province in enumerate(cat_.provinces):
            rng = np.random.default_rng([self.config.seed, int(province.customs_code), 11])
            chapter_tilt = np.exp(rng.normal(0.0, 0.8, len(cat_.chapters)))
            partner_tilt = np.exp(rng.normal(0.0, 0.6, len(cat_.partner_iso3)))
            boost = cat.PROVINCE_PARTNER_BOOST.get(province.customs_code, {})
            partner_boost = np.array([boost.get(code, 1.0) for code in cat_.partner_iso3])
            for flow in FLOWS:
                hs = cat_.hs_weight[flow] * chapter_tilt[cat_.hs_chapter_index]
                partner = cat_.partner_weight[flow] * partner_tilt * partner_boost
                mode = cat_.mode_weight[flow].copy()
                border = cat_.mode_codes == "19"
                mode[border] = mode[border] * 20.0 if province.has_land_border else 0.0
                market = cat_.mode_codes == "39"
                mode[market] *= cat.MARKET_PROCUREMENT_BOOST.get(province.customs_code, 0.2)
                out[flow, index] = (hs / hs.sum(), partner / partner.sum(), mode / mode.sum())
        return out

    def month_values(self, year: int, month: int) -> dict[tuple[str, int], int]:
        """(flow, province index) -> US dollars for one month; independent of the config's range."""
        values = {}
        for index, province in enumerate(self.catalogue.provinces):
            total = self.nbs[province.region_code, year]
            rng = np.random.default_rng([self.config.seed, year, int(province.customs_code), 7])
            export_share = cat.EXPORT_SHARE.get(province.customs_code, 0.60) + rng.normal(0, 0.02)
            export_share = float(np.clip(export_share, 0.05, 0.95))
            profile = np.array(cat.MONTH_PROFILE) * np.exp(rng.normal(0, 0.05, 12))
            shares = np.concatenate([export_share * profile, (1 - export_share) * profile])
            split = _allocate(total, shares, minimum=0)
            values["export", index] = int(split[month - 1])
            values["import", index] = int(split[12 + month - 1])
        return values

    def month_cells(self, year: int, month: int, rows: int) -> dict[str, list[_Cell]]:
        """Rows and dollars per (flow, province) for one month with ``rows`` rows in all."""
        values = self.month_values(year, month)
        keys = sorted(values)
        weights = np.array([max(values[key], 1) ** 0.55 for key in keys], dtype=np.float64)
        counts = _allocate(rows, weights, minimum=_MIN_ROWS_PER_CELL)
        cells: dict[str, list[_Cell]] = {flow: [] for flow in FLOWS}
        for key, count in zip(keys, counts, strict=True):
            flow, province = key
            cells[flow].append(_Cell(province, int(count), values[key]))
        return cells

    def _cell_rows(self, flow: str, year: int, month: int, cell: _Cell) -> dict[str, np.ndarray]:
        cat_ = self.catalogue
        rng = np.random.default_rng([self.config.seed, year, month, FLOWS.index(flow), cell.province, 3])
        p_hs, p_partner, p_mode = self._province_weights[flow, cell.province]
        n_partner, n_mode = len(p_partner), len(p_mode)
        keys = np.empty(0, dtype=np.int64)
        while len(keys) < cell.rows:
            draw = int((cell.rows - len(keys)) * 1.5) + 32
            hs = rng.choice(len(p_hs), size=draw, p=p_hs)
            partner = rng.choice(n_partner, size=draw, p=p_partner)
            mode = rng.choice(n_mode, size=draw, p=p_mode)
            candidates = np.concatenate([keys, (hs * n_partner + partner) * n_mode + mode])
            _, first = np.unique(candidates, return_index=True)
            keys = candidates[np.sort(first)][: cell.rows]
        hs, rest = np.divmod(keys, n_partner * n_mode)
        partner, mode = np.divmod(rest, n_mode)
        weight = (p_hs[hs] * p_partner[partner] * p_mode[mode]) ** 0.25 * np.exp(rng.normal(0.0, 1.2, len(keys)))
        value = _allocate(cell.value_usd, weight, minimum=1) if cell.rows <= cell.value_usd else None
        if value is None:
            raise ValueError(f"cell {flow} {year}-{month:02d} province {cell.province}: more rows than dollars")
        price = cat_.hs_unit_price[hs] * np.exp(rng.normal(0.0, 0.3, len(keys)))
        quantity1 = np.maximum(1, np.rint(value / price)).astype(np.int64)
        kg_price = np.exp(rng.normal(1.5, 1.0, len(keys)))
        quantity2 = np.maximum(1, np.rint(value / kg_price)).astype(np.int64)
        return {"hs": hs, "partner": partner, "mode": mode, "province": np.full(len(keys), cell.province),
                "quantity1": quantity1, "quantity2": quantity2, "value_usd": value}  # fmt: skip

    def query_table(self, flow: str, year: int, month: int, cells: list[_Cell], currency: str) -> pa.Table:
        """One query (flow x month, all provinces) in platform column order, sorted like the platform."""
        parts = [self._cell_rows(flow, year, month, cell) for cell in cells if cell.rows > 0]
        cols = {key: np.concatenate([part[key] for part in parts]) for key in parts[0]}
        order = np.lexsort((cols["province"], cols["mode"], cols["partner"], cols["hs"]))
        cols = {key: value[order] for key, value in cols.items()}
        cat_ = self.catalogue
        provinces = cat_.provinces
        unit1 = cat_.hs_unit[cols["hs"]]
        has_second = unit1 != "千克"
        value = cols["value_usd"]
        if currency == "cny":
            value = np.rint(value * self.fx[year, month]).astype(np.int64)

        def labels(index: np.ndarray, dictionary: np.ndarray) -> pa.Array:
            return pa.DictionaryArray.from_arrays(pa.array(index, pa.int32()), pa.array(dictionary)).cast(pa.string())

        unit_codes, unit_index = np.unique(unit1, return_inverse=True)
        # the platform writes amounts with thousands separators, a missing second unit as "?" with "0"
        amounts = pa.array([f"{amount:,}" for amount in value.tolist()], pa.string())
        columns = [
            pa.array(np.full(len(value), f"{year}{month:02d}")),
            labels(cols["hs"], cat_.hs_codes),
            labels(cols["hs"], cat_.hs_names),
            labels(cols["partner"], cat_.partner_codes),
            labels(cols["partner"], cat_.partner_names),
            labels(cols["mode"], cat_.mode_codes),
            labels(cols["mode"], cat_.mode_names),
            labels(cols["province"], np.array([p.customs_code for p in provinces])),
            labels(cols["province"], np.array([p.name_zh for p in provinces])),
            pa.array(cols["quantity1"]),
            labels(unit_index, unit_codes),
            pa.array(np.where(has_second, cols["quantity2"], 0)),
            pa.array(np.where(has_second, "千克", "?")),
            amounts,
        ]
        return pa.Table.from_arrays(columns, names=[*FIELDS, VALUE_FIELD[currency]])

    def query_choices(self, flow: str, year: int, month: int) -> tuple[str, str]:
        """(currency, encoding) of one query, drawn from the config's shares."""
        rng = np.random.default_rng([self.config.seed, year, month, FLOWS.index(flow), 5])
        draw_encoding, draw_currency = rng.random(2)
        if draw_encoding < self.config.gbk_share:
            encoding = "gbk"
        elif draw_encoding < self.config.gbk_share + self.config.bom_share:
            encoding = "utf-8-sig"
        else:
            encoding = "utf-8"
        currency = "cny" if draw_currency < self.config.cny_share else "usd"
        return currency, encoding


def part_name(index: int) -> str:
    """The names a browser gives repeated downloads of one file: download.csv, download(1).csv, ..."""
    return "download.csv" if index == 0 else f"download({index}).csv"


def encode_part(table: pa.Table, encoding: str) -> bytes:
    """One part file's bytes as the platform writes them: every field quoted, a trailing comma."""
    buffer = io.BytesIO()
    trailing = table.append_column("", pa.nulls(table.num_rows, pa.string()))  # written as nothing
    pa_csv.write_csv(trailing, buffer, pa_csv.WriteOptions(include_header=False, quoting_style="all_valid", eol="\r\n"))
    header = ",".join(f'"{name}"' for name in table.column_names) + ",\r\n"
    text = header + buffer.getvalue().decode("utf-8")
    if encoding == "gbk":
        return text.encode("gbk")
    if encoding == "utf-8-sig":
        return b"\xef\xbb\xbf" + text.encode("utf-8")
    return text.encode("utf-8")


README_TEXT = """# SYNTHETIC DATA — 合成数据，非真实海关统计

Everything in this folder was generated by `scripts/generate_synthetic.py` for load tests and
benchmarks. It imitates the format of the GACC online query platform's CSV exports; it is NOT
customs data. Province x year totals equal the NBS figures (complete years, US-dollar queries);
everything below that (partners, HS codes, trade modes, months, quantities) is invented.

Do not load it into the published warehouse. Benchmarks ingest it into their own landing root
and warehouse file under `warehouse/bench/` or `data/synthetic/`.

本目录中的全部文件均为程序生成的合成数据，仅用于性能测试，不是海关统计数据。

Config: {config}
"""


def generate(
    config: SyntheticConfig, out_dir: Path | None = None, *, force: bool = False, progress: bool = True
) -> Path:
    """Write the dataset (or reuse a complete one with the same config); return its folder.

    The folder is built under a temporary name beside ``out_dir`` and renamed into place when
    complete, so a folder with a MANIFEST.json is always whole.
    """
    out_dir = Path(out_dir) if out_dir is not None else DEFAULT_ROOT / config.dataset_name
    manifest_path = out_dir / MANIFEST_NAME
    if manifest_path.exists() and not force:
        existing = json.loads(manifest_path.read_text(encoding="utf-8"))
        if existing.get("config") == asdict(config) and existing.get("format_version") == FORMAT_VERSION:
            return out_dir
    generator = Generator(config)
    months = config.rows_by_month()
    tmp_dir = out_dir.with_name(f".{out_dir.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp_dir, ignore_errors=True)
    (tmp_dir / "queries").mkdir(parents=True)
    queries = []
    province_year_usd: dict[str, dict[str, int]] = {}
    bar = tqdm(total=config.rows, unit="row", unit_scale=True, desc="synthetic GACC rows", disable=not progress)
    try:
        for year, month, rows in months:
            cells = generator.month_cells(year, month, rows)
            for flow in FLOWS:
                currency, encoding = generator.query_choices(flow, year, month)
                table = generator.query_table(flow, year, month, cells[flow], currency)
                period = f"{year}-{month:02d}"
                query_id = f"{flow}_{period}_{currency}"
                query_dir = tmp_dir / "queries" / query_id
                query_dir.mkdir()
                files = []
                for index, offset in enumerate(range(0, table.num_rows, config.part_rows)):
                    part = table.slice(offset, config.part_rows)
                    (query_dir / part_name(index)).write_bytes(encode_part(part, encoding))
                    files.append(f"queries/{query_id}/{part_name(index)}")
                    bar.update(part.num_rows)
                for cell in cells[flow]:
                    region = generator.catalogue.provinces[cell.province].region_code
                    by_year = province_year_usd.setdefault(region, {})
                    by_year[str(year)] = by_year.get(str(year), 0) + cell.value_usd
                queries.append({
                    "id": query_id, "flow": flow, "month": period, "currency": currency,
                    "value_column": VALUE_FIELD[currency], "encoding": encoding, "rows": table.num_rows,
                    "value_usd_total": sum(cell.value_usd for cell in cells[flow]), "files": files,
                })  # fmt: skip
    except BaseException:
        bar.close()
        shutil.rmtree(tmp_dir, ignore_errors=True)
        raise
    bar.close()
    month_list = [f"{y}-{m:02d}" for y, m, _ in months]
    complete_years = sorted({y for y, _, _ in months if sum(1 for yy, _, _ in months if yy == y) == 12})
    manifest = {
        "synthetic": True,
        "notice": "SYNTHETIC DATA generated for benchmarks; not customs statistics. "
        "Never load it into the published warehouse.",
        "format_version": FORMAT_VERSION,
        "generator": "scripts/generate_synthetic.py (tradewh.synthetic)",
        "config": asdict(config),
        "rows": config.rows,
        "months": month_list,
        "complete_years": complete_years,
        "nbs_match": "province x year totals in USD equal NBS thousand USD x 1000 exactly "
        "(whole dollars) for complete_years",
        "province_year_usd": province_year_usd,
        "queries": queries,
    }
    (tmp_dir / "README.md").write_text(README_TEXT.format(config=json.dumps(asdict(config))), encoding="utf-8")
    (tmp_dir / MANIFEST_NAME).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp_dir.rename(out_dir)
    return out_dir


def load_manifest(dataset_dir: Path) -> dict:
    """The dataset's MANIFEST.json; FileNotFoundError when the folder is not a complete dataset."""
    return json.loads((Path(dataset_dir) / MANIFEST_NAME).read_text(encoding="utf-8"))


def iter_query_files(dataset_dir: Path) -> Iterator[tuple[dict, list[Path]]]:
    """(query entry, absolute part paths) for every query in the manifest, oldest first."""
    dataset_dir = Path(dataset_dir)
    for query in load_manifest(dataset_dir)["queries"]:
        yield query, [dataset_dir / name for name in query["files"]]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="generate_synthetic.py",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=__doc__,
        epilog=(
            "Examples:\n"
            "  scripts/generate_synthetic.py --rows 1000000\n"
            "      -> data/synthetic/gacc_synthetic_v1_seed42_rows1000000_end2024-12_rpm400000/ (3 months)\n"
            "  scripts/generate_synthetic.py --rows 240000 --start 2023-01 --end 2023-12 --out /tmp/y2023\n"
            "      -> one complete year whose province totals equal NBS 2023\n"
            "Ingest one query of it (its own landing root, never the published one):\n"
            "  TRADEWH_LANDING_ROOT=data/synthetic/landing \\\n"
            "      scripts/ingest.py gacc DIR/queries/export_2024-12_usd/*.csv --flow export"
        ),
    )
    parser.add_argument("--rows", type=int, required=True, help="total number of detail rows (exact)")
    parser.add_argument("--seed", type=int, default=42, help="random seed; the same seed gives byte-identical files")
    parser.add_argument("--end", default=DEFAULT_END, help="newest month, YYYY-MM (default %(default)s)")
    parser.add_argument("--start", default=None,
                        help="oldest month, YYYY-MM: spread the rows evenly over start..end instead of "
                             "filling the newest months with --rows-per-month rows each")  # fmt: skip
    parser.add_argument("--rows-per-month", type=int, default=DEFAULT_ROWS_PER_MONTH,
                        help="rows in each month (both flows) without --start (default %(default)s)")  # fmt: skip
    parser.add_argument("--gbk-share", type=float, default=0.25, help="share of queries written in GBK (default 0.25)")
    parser.add_argument("--bom-share", type=float, default=0.25, help="share written as UTF-8 with BOM (default 0.25)")
    parser.add_argument("--cny-share", type=float, default=0.0,
                        help="share of queries in yuan (人民币) rather than US dollars (default 0)")  # fmt: skip
    parser.add_argument("--part-rows", type=int, default=DEFAULT_PART_ROWS, help="rows per part file, at most 10000")
    parser.add_argument("--out", type=Path, default=None,
                        help="output folder (default: data/synthetic/<name from the parameters>)")  # fmt: skip
    parser.add_argument("--force", action="store_true", help="regenerate even if a complete copy exists")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    try:
        config = SyntheticConfig(
            rows=args.rows, seed=args.seed, end=args.end, start=args.start, rows_per_month=args.rows_per_month,
            gbk_share=args.gbk_share, bom_share=args.bom_share, cny_share=args.cny_share, part_rows=args.part_rows,
        )  # fmt: skip
        out_dir = generate(config, args.out, force=args.force, progress=not args.quiet)
    except (ValueError, OSError) as exc:
        print(f"generate_synthetic: {exc}", file=sys.stderr)
        return 2
    manifest = load_manifest(out_dir)
    files = sum(len(q["files"]) for q in manifest["queries"])
    print(f"SYNTHETIC dataset: {out_dir}\n  {manifest['rows']:,} rows, {len(manifest['queries'])} queries, "
          f"{files} part files, months {manifest['months'][0]}..{manifest['months'][-1]}")  # fmt: skip
    return 0
