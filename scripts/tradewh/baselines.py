"""Two baselines for the benchmark: the detail marts' main aggregations straight from the CSV files.

Both read the platform-format part files of a synthetic dataset (its MANIFEST.json gives each
query's flow and currency; the month is in the files' 数据年月 column) and write the same three tables as
Parquet, the aggregations of the ingest issue's detail marts that need no bloc membership:

- ``region_partner_monthly``: region_code x period_start x flow x partner_iso3
  (``fct_region_partner_trade_monthly``),
- ``region_chapter_monthly``: region_code x period_start x flow x hs_chapter (the chapter grain of
  ``fct_region_product_trade_monthly``; the named product groups are not computed),
- ``region_trade_mode_monthly``: region_code x period_start x flow x trade_mode_code
  (``fct_region_trade_mode_monthly``),

each with ``value_usd`` and ``value_cny`` summed (a value given in one currency is converted at the
month's rate from ``ref_fx_monthly``), the province as its GB/T code (``注册地编码`` + '0000') and the
partner as ISO3 through ``ref_gacc_partners`` (by the platform's partner code). Bloc totals
(membership as of the month) are left out of both baselines.

- ``duckdb``: the floor. GBK parts are first transcoded to UTF-8 (DuckDB's own reader needs the
  ``encodings`` extension for GBK, which cannot be downloaded here); then one hand-written SQL
  script reads every part once and computes the three aggregations in one pass with
  ``grouping sets``.
- ``pandas``: what a user would otherwise write: ``pd.read_csv`` per part (UTF-8, falling back to
  GBK), ``concat``, ``map``/``merge`` for partner and rate, three ``groupby().sum()``.

Run as ``python -m tradewh.baselines {duckdb,pandas} DATASET --out DIR`` (``scripts`` on the path);
it prints one JSON line with its timings.
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pandas as pd

from tradewh import PROJECT_ROOT
from tradewh.synthetic import FIELDS, FX_MONTHLY_CSV, VALUE_FIELD, load_manifest
from tradewh.synthetic_catalogue import PARTNERS

CROSSWALK_CSV = PROJECT_ROOT / "seeds" / "reference" / "ref_gacc_partners.csv"
OUTPUTS = ("region_partner_monthly", "region_chapter_monthly", "region_trade_mode_monthly")
TEXT_COLUMNS = ("商品编码", "贸易伙伴编码", "贸易方式编码", "注册地编码")


def partner_crosswalk(path: Path = CROSSWALK_CSV) -> dict[str, str]:
    """Platform partner code -> ISO3: the project's partner seed, else the generator's own list."""
    if path.exists():
        with path.open(encoding="utf-8", newline="") as handle:
            return {
                row["gacc_partner_code"]: row["partner_iso3"] for row in csv.DictReader(handle) if row["partner_iso3"]
            }
    return {code: iso3 for code, _, iso3 in PARTNERS}


def _dataset_files(dataset: Path) -> list[dict[str, str]]:
    """One entry per part file: path, flow, period_start, currency, encoding."""
    out = []
    for query in load_manifest(dataset)["queries"]:
        for name in query["files"]:
            out.append({
                "path": str((dataset / name).resolve()), "flow": query["flow"],
                "period_start": f"{query['month']}-01", "currency": query["currency"], "encoding": query["encoding"],
            })  # fmt: skip
    return out


def transcode_gbk(files: list[dict[str, str]], workdir: Path) -> list[dict[str, str]]:
    """Copy every GBK part to UTF-8 under ``workdir``; returns the file list with readable paths."""
    out = []
    for index, entry in enumerate(files):
        readable = entry
        if entry["encoding"] == "gbk":
            target = workdir / f"part{index}.csv"
            target.write_bytes(Path(entry["path"]).read_bytes().decode("gbk").encode("utf-8"))
            readable = {**entry, "path": str(target)}
        out.append(readable)
    return out


# The floor: one SQL script. {usd_files} / {cny_files} are lists of paths, {files} a VALUES list.
FLOOR_SQL = """
create temp table query_files (path varchar, flow varchar, period_start date, currency varchar);
insert into query_files values {files};

create temp table partners as
select gacc_partner_code, partner_iso3 as iso3 from read_csv('{crosswalk}', header = true, all_varchar = true)
where partner_iso3 is not null;

create temp table fx as
select make_date(year::int, month::int, 1) as period_start, cny_per_usd::double as cny_per_usd
from read_csv('{fx}', header = true);

create temp table aggregates as
with

raw_rows as (
    select 商品编码, 贸易伙伴编码, 贸易方式编码, 贸易方式名称, 注册地编码,
        replace(美元, ',', '')::double as value_usd, null::double as value_cny, filename
    from read_csv({usd_files}, header = true, auto_detect = false, filename = true, columns = {usd_columns})
    union all
    select 商品编码, 贸易伙伴编码, 贸易方式编码, 贸易方式名称, 注册地编码,
        null::double as value_usd, replace(人民币, ',', '')::double as value_cny, filename
    from read_csv({cny_files}, header = true, auto_detect = false, filename = true, columns = {cny_columns})
),

enriched as (
    select
        query_files.flow,
        query_files.period_start,
        raw_rows.注册地编码 || '0000' as region_code,
        partners.iso3 as partner_iso3,
        left(raw_rows.商品编码, 2) as hs_chapter,
        raw_rows.贸易方式编码 as trade_mode_code,
        coalesce(raw_rows.value_usd, raw_rows.value_cny / fx.cny_per_usd) as value_usd,
        coalesce(raw_rows.value_cny, raw_rows.value_usd * fx.cny_per_usd) as value_cny
    from raw_rows
    inner join query_files on raw_rows.filename = query_files.path
    inner join partners on raw_rows.贸易伙伴编码 = partners.gacc_partner_code
    inner join fx on query_files.period_start = fx.period_start
)

select
    region_code, period_start, flow, partner_iso3, hs_chapter, trade_mode_code,
    grouping(partner_iso3, hs_chapter, trade_mode_code) as grouping_id,
    sum(value_usd) as value_usd,
    sum(value_cny) as value_cny
from enriched
group by grouping sets (
    (region_code, period_start, flow, partner_iso3),
    (region_code, period_start, flow, hs_chapter),
    (region_code, period_start, flow, trade_mode_code)
);

copy (select region_code, period_start, flow, partner_iso3, value_usd, value_cny from aggregates
      where grouping_id = 3) to '{out}/region_partner_monthly.parquet' (format parquet);
copy (select region_code, period_start, flow, hs_chapter, value_usd, value_cny from aggregates
      where grouping_id = 5) to '{out}/region_chapter_monthly.parquet' (format parquet);
copy (select region_code, period_start, flow, trade_mode_code, value_usd, value_cny from aggregates
      where grouping_id = 6) to '{out}/region_trade_mode_monthly.parquet' (format parquet);
"""

READ_ONLY_SQL = """
create temp table raw_rows as
select * from read_csv({paths}, header = true, auto_detect = false, filename = true, columns = {columns});
"""


def _columns_sql(currency: str) -> str:
    types = {name: "VARCHAR" for name in FIELDS}
    types["第一数量"] = types["第二数量"] = "DOUBLE"
    types[VALUE_FIELD[currency]] = "VARCHAR"  # thousands separators: parsed in the SQL
    types["trailing_field"] = "VARCHAR"  # the platform's trailing comma
    return "{" + ", ".join(f"'{name}': '{kind}'" for name, kind in types.items()) + "}"


def _sql_list(paths: list[str]) -> str:
    return "[" + ", ".join("'" + path.replace("'", "''") + "'" for path in paths) + "]"


def duckdb_floor(dataset: Path, out: Path, threads: int | None = None) -> dict[str, float]:
    """Run the floor; returns timings (transcode_s, sql_s, total_s)."""
    started = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="floor-", dir=out) as tmp:
        files = transcode_gbk(_dataset_files(dataset), Path(tmp))
        transcoded = time.perf_counter()
        by_currency = {cur: [f["path"] for f in files if f["currency"] == cur] for cur in VALUE_FIELD}
        # read_csv needs at least one file per branch: an empty currency reads an empty part.
        empty = {}
        for currency, paths in by_currency.items():
            if not paths:
                empty_path = Path(tmp) / f"empty_{currency}.csv"
                empty_path.write_text(",".join([*FIELDS, VALUE_FIELD[currency]]) + ",\n", encoding="utf-8")
                empty[currency] = [str(empty_path)]
        values = ", ".join(
            f"('{f['path'].replace(chr(39), chr(39) * 2)}', '{f['flow']}', '{f['period_start']}', '{f['currency']}')"
            for f in files
        )
        sql = FLOOR_SQL.format(
            files=values,
            crosswalk=CROSSWALK_CSV if CROSSWALK_CSV.exists() else _fallback_crosswalk(Path(tmp)),
            fx=FX_MONTHLY_CSV,
            usd_files=_sql_list(by_currency["usd"] or empty["usd"]),
            cny_files=_sql_list(by_currency["cny"] or empty["cny"]),
            usd_columns=_columns_sql("usd"),
            cny_columns=_columns_sql("cny"),
            out=out,
        )
        con = duckdb.connect()
        if threads:
            con.execute(f"set threads = {int(threads)}")
        con.execute(sql)
        con.close()
    finished = time.perf_counter()
    return {"transcode_s": transcoded - started, "sql_s": finished - transcoded, "total_s": finished - started}


def duckdb_read_csv(dataset: Path, threads: int | None = None) -> dict[str, float]:
    """DuckDB's own read_csv of every part into a table (GBK parts transcoded first, timed apart)."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="readcsv-") as tmp:
        files = transcode_gbk(_dataset_files(dataset), Path(tmp))
        transcoded = time.perf_counter()
        con = duckdb.connect()
        if threads:
            con.execute(f"set threads = {int(threads)}")
        rows = 0
        for currency in VALUE_FIELD:
            paths = [f["path"] for f in files if f["currency"] == currency]
            if paths:
                con.execute(READ_ONLY_SQL.format(paths=_sql_list(paths), columns=_columns_sql(currency)))
                rows += con.execute("select count(*) from raw_rows").fetchone()[0]
                con.execute("drop table raw_rows")
        con.close()
    finished = time.perf_counter()
    return {"transcode_s": transcoded - started, "read_csv_s": finished - transcoded, "rows": rows}


def _fallback_crosswalk(workdir: Path) -> Path:
    path = workdir / "partners.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["gacc_partner_code", "partner_iso3"])
        writer.writerows(partner_crosswalk().items())
    return path


def pandas_baseline(dataset: Path, out: Path) -> dict[str, float]:
    """The straightforward pandas version; returns timings (total_s)."""
    started = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    frames = []
    for entry in _dataset_files(dataset):
        dtypes = {name: str for name in TEXT_COLUMNS}
        try:
            frame = pd.read_csv(entry["path"], dtype=dtypes, encoding="utf-8-sig", thousands=",")
        except UnicodeDecodeError:
            frame = pd.read_csv(entry["path"], dtype=dtypes, encoding="gbk", thousands=",")
        frame["flow"] = entry["flow"]
        frame["period_start"] = entry["period_start"]
        frames.append(frame)
    data = pd.concat(frames, ignore_index=True)
    del frames
    fx = pd.read_csv(FX_MONTHLY_CSV)
    fx["period_start"] = fx["year"].astype(str) + "-" + fx["month"].astype(str).str.zfill(2) + "-01"
    data = data.merge(fx[["period_start", "cny_per_usd"]], on="period_start", how="left")
    usd = data["美元"] if "美元" in data else pd.Series(float("nan"), index=data.index)
    cny = data["人民币"] if "人民币" in data else pd.Series(float("nan"), index=data.index)
    data["value_usd"] = usd.fillna(cny / data["cny_per_usd"])
    data["value_cny"] = cny.fillna(usd * data["cny_per_usd"])
    data["region_code"] = data["注册地编码"] + "0000"
    data["partner_iso3"] = data["贸易伙伴编码"].map(partner_crosswalk())
    data["hs_chapter"] = data["商品编码"].str[:2]
    data["trade_mode_code"] = data["贸易方式编码"]
    data["period_start"] = pd.to_datetime(data["period_start"]).dt.date
    keys = ["region_code", "period_start", "flow"]
    for name, column in zip(OUTPUTS, ("partner_iso3", "hs_chapter", "trade_mode_code"), strict=True):
        result = data.groupby([*keys, column], as_index=False)[["value_usd", "value_cny"]].sum()
        result.to_parquet(out / f"{name}.parquet", index=False)
    return {"total_s": time.perf_counter() - started}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tradewh.baselines",
        description="Compute the detail marts' main aggregations straight from a synthetic dataset's CSV files "
        "(duckdb: the hand-written SQL floor; pandas: the straightforward pandas version; read_csv: DuckDB's "
        "read_csv alone). Prints one JSON line of timings.",
    )
    parser.add_argument("method", choices=["duckdb", "pandas", "read_csv"], help="which baseline to run")
    parser.add_argument("dataset", type=Path, help="a folder written by scripts/generate_synthetic.py")
    parser.add_argument("--out", type=Path, help="folder for the Parquet results (required for duckdb and pandas)")
    parser.add_argument("--threads", type=int, default=None, help="DuckDB threads (default: all cores)")
    args = parser.parse_args(argv)
    try:
        if args.method == "read_csv":
            timings = duckdb_read_csv(args.dataset, args.threads)
        else:
            if args.out is None:
                parser.error("--out is required for duckdb and pandas")
            if args.out.exists():
                shutil.rmtree(args.out)
            if args.method == "duckdb":
                timings = duckdb_floor(args.dataset, args.out, args.threads)
            else:
                timings = pandas_baseline(args.dataset, args.out)
    except (OSError, ValueError, KeyError) as exc:
        print(f"baseline {args.method} failed: {exc}", file=sys.stderr)
        return 1
    print(json.dumps({"method": args.method, **timings}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
