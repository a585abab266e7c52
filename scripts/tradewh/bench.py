"""Benchmark the warehouse on SYNTHETIC GACC exports against plain DuckDB and pandas.

One run, on the same CSV files (a synthetic dataset, generated once and cached by its parameters
under ``data/synthetic/``):

1. ``duckdb_floor``: the hand-written DuckDB SQL script (tradewh.baselines) computing the detail
   marts' main aggregations straight from the CSV files; ``duckdb_read_csv``: DuckDB's read_csv
   alone (every column into a table), the reference for ingest throughput;
   ``pandas``: the straightforward pandas version of the floor.
2. ``ingest_history``: every query but the newest month's, through ``tradewh.ingest_gacc`` (the
   function behind ``scripts/ingest.py gacc``), one process for all queries, into the bench's own
   landing root ($TRADEWH_LANDING_ROOT set to ``<bench dir>/landing``).
3. ``build_history``: ``dbt build`` of that into the bench's own DuckDB file (never the published
   warehouse), with its own target and log paths.
4. ``ingest_month``: the newest month's queries; ``incremental_month``: ``dbt build`` again, as
   ``make build`` runs it when only the landing zone changed (``--select source:gacc+``, see
   tradewh.build), which processes only what the landing zone has that the warehouse has not
   (the incremental models).
5. ``full_build``: ``dbt build --full-refresh`` of all months: the headline build time, over the
   same rows as the baselines.
6. ``validate``: tradewh.validation.validate_warehouse on the bench file, alone.
7. A cross-check: the partner mart's totals per flow and month equal the floor's.

Every step runs as a child process, timed by wall clock, its memory measured as the peak RSS of
its whole process tree (tradewh.bench_memory). ``ingest_s`` = ingest_history + ingest_month (all
rows); ``peak_rss_mb`` = the largest peak of the ingest and build steps. Results go to
``<bench dir>/results.json`` (and ``results_<rows>.json``), a short table is printed, and
``--write-docs`` refreshes the table in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb
from tqdm import tqdm

from tradewh import PROJECT_ROOT
from tradewh.bench_memory import Measured, run_measured
from tradewh.build import LANDED
from tradewh.dbt import PRODUCTION_BUILD_ARGS, dbt_env, dbt_executable
from tradewh.synthetic import (
    DEFAULT_END,
    DEFAULT_ROOT,
    DEFAULT_ROWS_PER_MONTH,
    SyntheticConfig,
    generate,
    load_manifest,
)

COMPLETE = ("commodity", "partner", "trade_mode", "region")  # a synthetic query covers its whole catalogue

BENCH_DIR = PROJECT_ROOT / "warehouse" / "bench"
DOCS = PROJECT_ROOT / "docs" / "benchmarks.md"
LANDING_ENV = "TRADEWH_LANDING_ROOT"
PARTNER_MART = "fct_region_partner_trade_monthly"
DETAIL_MARTS = (
    "fct_region_partner_trade_monthly",
    "fct_region_bloc_trade_monthly",
    "fct_region_product_trade_monthly",
    "fct_region_trade_mode_monthly",
)
# dbt nodes of the GACC detail pipeline (models and their tests), for the time breakdown
DETAIL_NODE_MARKERS = ("gacc", "fct_region_partner", "fct_region_bloc", "fct_region_product", "fct_region_trade_mode")
DOCS_BEGIN = "<!-- bench:begin (written by scripts/bench.py --write-docs) -->"
DOCS_END = "<!-- bench:end -->"
TARGETS = {
    "ingest_plus_build_vs_floor": ("<=", 2.5),
    "incremental_vs_full_build": ("<=", 0.5),
    "peak_rss_mb": ("<=", 2048.0),
    "ingest_throughput_vs_read_csv": (">=", 0.5),
}


class BenchError(RuntimeError):
    """A benchmark step failed."""


@dataclass
class Step:
    name: str
    seconds: float | None = None
    cpu_seconds: float | None = None
    peak_rss_mb: float | None = None
    loadavg_1m_before: float | None = None
    note: str = ""
    output: dict = field(default_factory=dict)


@dataclass
class Bench:
    """Paths of one run."""

    bench_dir: Path
    dataset: Path

    @property
    def work(self) -> Path:
        return self.bench_dir / "work"

    @property
    def landing(self) -> Path:
        return self.work / "landing"

    @property
    def database(self) -> Path:
        return self.work / "bench.duckdb"

    @property
    def target(self) -> Path:
        return self.work / "target"

    @property
    def logs(self) -> Path:
        return self.work / "logs"

    def env(self) -> dict[str, str]:
        """Environment of every step: its own landing root, DuckDB file, dbt target and logs."""
        env = dbt_env(self.database, self.target, {LANDING_ENV: str(self.landing)})
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT / "scripts"), env.get("PYTHONPATH")]))
        return env


def _python(*args: str) -> list[str]:
    return [sys.executable, "-m", *args]


def run_step(bench: Bench, step: Step, command: list[str], capture_json: bool = False) -> Measured:
    """Run one step as a child process; its output goes to logs/<step>.log; raise when it fails."""
    bench.logs.mkdir(parents=True, exist_ok=True)
    log = bench.logs / f"{step.name}.log"
    print(f"[bench] {step.name}: {' '.join(Path(c).name if i == 0 else c for i, c in enumerate(command))}", flush=True)
    step.loadavg_1m_before = round(os.getloadavg()[0], 2)
    with log.open("w", encoding="utf-8") as handle:
        handle.write(" ".join(command) + "\n")
        handle.flush()
        stdout = subprocess.PIPE if capture_json else handle.fileno()
        measured, output = run_measured(
            command, env=bench.env(), cwd=PROJECT_ROOT, stdout=stdout, stderr=handle.fileno()
        )
        if capture_json:
            handle.write(output)
    if measured.returncode != 0:
        tail = log.read_text(encoding="utf-8", errors="replace")[-3000:]
        raise BenchError(f"step {step.name} failed (exit {measured.returncode}); log {log}:\n{tail}")
    step.seconds = round(measured.seconds, 3)
    step.cpu_seconds = round(measured.cpu_seconds, 3)
    step.peak_rss_mb = round(measured.peak_rss_mb, 1)
    if capture_json:
        lines = [line for line in output.splitlines() if line.startswith("{")]
        step.output = json.loads(lines[-1]) if lines else {}
    return measured


def dbt_build(bench: Bench, name: str, select: list[str], extra: list[str] | None = None) -> Step:
    step = Step(name)
    # with a selection, only the tests whose parents are all selected (a relationships test to a
    # dimension that is not built would fail)
    selection = ["--select", *select, "--indirect-selection", "cautious"] if select else []
    args = [*PRODUCTION_BUILD_ARGS, *selection, *(extra or [])]  # what `make build` runs
    run_step(bench, step, [dbt_executable(), *args])
    step.note = "dbt " + " ".join(args)
    step.output = _dbt_timing(bench.target / "run_results.json")
    return step


def _dbt_timing(run_results: Path) -> dict:
    """Node counts and the slowest nodes of the last dbt invocation."""
    if not run_results.exists():
        return {}
    results = json.loads(run_results.read_text(encoding="utf-8"))["results"]
    slow = sorted(results, key=lambda r: r.get("execution_time") or 0, reverse=True)[:6]
    detail = [r for r in results if any(part in r["unique_id"] for part in DETAIL_NODE_MARKERS)]
    return {
        "nodes": len(results),
        "node_seconds_total": round(sum(r.get("execution_time") or 0 for r in results), 2),
        "detail_nodes": len(detail),
        "detail_node_seconds": round(sum(r.get("execution_time") or 0 for r in detail), 2),
        "slowest": {r["unique_id"].split(".", 2)[-1]: round(r.get("execution_time") or 0, 2) for r in slow},
    }


# --------------------------------------------------------------------------------------------
# worker commands (run as child processes so their memory is measured on its own)


def worker_ingest(dataset: Path, landing: Path, which: str) -> dict:
    """Ingest the dataset's queries (all / all but the newest month / only the newest month).

    One ``ingest_gacc_many`` call, as ``scripts/ingest.py gacc-batch`` does: each query is still
    checked and landed as its own vintage, exactly as ``ingest_gacc`` would.
    """
    from tradewh.ingest_gacc import QueryOutcome, QueryRequest, ingest_gacc_many

    manifest = load_manifest(dataset)
    newest = manifest["months"][-1]
    queries = [
        q for q in manifest["queries"]
        if which == "all" or (which == "newest") == (q["month"] == newest)
    ]  # fmt: skip
    requests = [
        QueryRequest([dataset / f for f in q["files"]], flow=q["flow"], currency=q["currency"], complete=COMPLETE)
        for q in queries
    ]
    with tqdm(total=sum(q["rows"] for q in queries), unit="row", unit_scale=True, desc=f"ingest {which}") as bar:

        def advance(outcome: QueryOutcome) -> None:
            bar.update(outcome.result.rows if outcome.result else 0)

        outcomes = ingest_gacc_many(requests, root=landing, on_outcome=advance)
    rows = 0
    for query, outcome in zip(queries, outcomes, strict=True):
        if outcome.error is not None:
            raise BenchError(f"ingest of {query['id']} refused:\n{outcome.error.render()}")
        if outcome.result is None or outcome.result.status not in ("new", "revision", "unchanged"):
            raise BenchError(f"ingest of {query['id']} ended as {outcome.result and outcome.result.status}")
        rows += outcome.result.rows
    return {"queries": len(queries), "rows": rows}


def incremental_month(bench: Bench, select: list[str], repeats: int) -> Step:
    """The incremental build of the new month, ``repeats`` times from the same starting file; the
    run with the median time is reported (with every run's seconds), so that one noisy run on a
    shared machine does not decide whether the time depends on the history.

    Without a selection it runs what ``make build`` runs when only the landing zone changed
    (``state:modified+`` is then empty, so ``--select source:gacc+``: ``LANDED``, tradewh.build).
    """
    before = bench.database.with_name(bench.database.name + ".before-incremental")
    shutil.copyfile(bench.database, before)
    runs: list[Step] = []
    try:
        for run in range(max(1, repeats)):
            if run:
                shutil.copyfile(before, bench.database)
            if select:
                step = dbt_build(bench, "incremental_month", select)
            else:
                step = dbt_build(bench, "incremental_month", [], ["--select", LANDED])
            step.output["refreshed_periods"] = refreshed_periods(bench.target)
            runs.append(step)
    finally:
        before.unlink(missing_ok=True)
    median = sorted(runs, key=lambda step: step.seconds or 0.0)[len(runs) // 2]
    median.output["runs_seconds"] = [step.seconds for step in runs]
    return median


def worker_validate(database: Path) -> dict:
    from tradewh.validation import validate_warehouse

    report = validate_warehouse(database, data_docs=False)
    return {"success": bool(report.success)}


# --------------------------------------------------------------------------------------------
# the run


def cross_check(database: Path, floor_dir: Path) -> dict:
    """The partner mart against the floor: per flow and month, total US dollars."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        mart = con.execute(
            f"""
            select flow, strftime(period_start, '%Y-%m') as month, sum(value_usd)::double
            from marts.{PARTNER_MART} where flow in ('export', 'import') group by all order by all
            """
        ).fetchall()
        floor = con.execute(
            f"""
            select flow, strftime(period_start, '%Y-%m') as month, sum(value_usd)::double
            from read_parquet('{floor_dir / "region_partner_monthly.parquet"}') group by all order by all
            """
        ).fetchall()
    except duckdb.Error as exc:
        return {"ok": False, "error": str(exc).splitlines()[0]}
    finally:
        con.close()
    floor_map = {(flow, month): value for flow, month, value in floor}
    worst = max((abs(value - floor_map.get((flow, month), 0.0)) / max(value, 1.0) for flow, month, value in mart),
                default=1.0)  # fmt: skip
    ok = len(mart) == len(floor) and worst < 1e-9
    return {"ok": ok, "months_x_flows": len(mart), "max_relative_difference": worst}


INCREMENTAL_MODELS = {
    "int_gacc_query_vintages": "intermediate",
    "fct_region_partner_trade_monthly": "marts/gacc",
    "fct_region_product_trade_monthly": "marts/gacc",
}


def refreshed_periods(target: Path) -> dict[str, list[str] | None]:
    """What the last dbt invocation's incremental models selected: the periods in their predicate.

    [] when a model had nothing to refresh (`where false`), None when it ran as a full build;
    models outside the selection (never compiled) are left out.
    """
    out: dict[str, list[str] | None] = {}
    for model, folder in INCREMENTAL_MODELS.items():
        path = target / "compiled" / "china_regional_trade" / "models" / folder / f"{model}.sql"
        if not path.exists():  # not part of the selection
            continue
        text = path.read_text(encoding="utf-8")
        match = re.search(r"where (?:\(.*?\) and )?(period|period_start) in \(([^)]*(?:\)[^)]*)*?)\)\s*\)", text)
        if match:
            out[model] = re.findall(r"'([0-9]{4}(?:-[0-9]{2})?)", match.group(2))
        elif re.search(r"where false", text):
            out[model] = []
        else:
            out[model] = None
    return out


def mart_fingerprints(database: Path) -> dict[str, list]:
    """Row count and an order-independent hash of every row of each detail mart, without its
    high-water mark (``landed_through_at`` says when a build ran, not what the data is)."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        out = {}
        for mart in DETAIL_MARTS:
            try:
                rows = f"select * exclude (landed_through_at) from marts.{mart}"
                count, digest = con.execute(f"select count(*), bit_xor(hash(t)) from ({rows}) as t").fetchone()
                out[mart] = [count, str(digest)]
            except duckdb.Error as exc:
                out[mart] = ["missing", str(exc).splitlines()[0]]
        return out
    finally:
        con.close()


def machine_info() -> dict:
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    total_kb = next(int(line.split()[1]) for line in meminfo if line.startswith("MemTotal:"))
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())  # fmt: skip
    return {
        "cores": os.cpu_count(),
        "memory_gb": round(total_kb / 2**20, 1),
        "cpu": cpu,
        "os": platform.platform(),
        "loadavg_at_start": os.getloadavg(),
    }


def versions() -> dict:
    out = {"python": platform.python_version()}
    for package in ("duckdb", "dbt-core", "dbt-duckdb", "pandas", "numpy", "pyarrow"):
        try:
            out[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            out[package] = None
    return out


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return round(numerator / denominator, 3)


def run(args: argparse.Namespace) -> dict:
    config = SyntheticConfig(rows=args.rows, seed=args.seed, end=args.end, rows_per_month=args.rows_per_month)
    started = time.perf_counter()
    dataset = args.dataset or generate(config, args.data_dir / config.dataset_name)
    generate_s = round(time.perf_counter() - started, 2)
    manifest = load_manifest(dataset)
    if len(manifest["months"]) < 2:
        raise BenchError("the dataset has one month only: use more rows or a smaller --rows-per-month")
    bench = Bench(args.bench_dir.resolve(), Path(dataset).resolve())
    shutil.rmtree(bench.work, ignore_errors=True)
    bench.work.mkdir(parents=True)
    files = [dataset / name for q in manifest["queries"] for name in q["files"]]
    csv_bytes = sum(path.stat().st_size for path in files)
    select = args.select or []
    loadavg_start = os.getloadavg()
    steps = run_steps(args, bench, select)
    check = cross_check(bench.database, bench.work / "floor")
    return summarise(args, bench, manifest, steps, check, csv_bytes=csv_bytes, generate_s=generate_s,
                     loadavg_start=loadavg_start)  # fmt: skip


def run_steps(args: argparse.Namespace, bench: Bench, select: list[str]) -> dict[str, Step]:
    """Every measured step, in order."""
    dataset = bench.dataset
    steps: dict[str, Step] = {}

    def baseline(name: str, method: str, out: Path | None) -> None:
        step = Step(name)
        command = _python("tradewh.baselines", method, str(dataset))
        if out is not None:
            command += ["--out", str(out)]
        run_step(bench, step, command, capture_json=True)
        steps[name] = step

    baseline("duckdb_floor", "duckdb", bench.work / "floor")
    baseline("duckdb_read_csv", "read_csv", None)
    if not args.skip_pandas:
        baseline("pandas", "pandas", bench.work / "pandas")
    for name, which in (("ingest_history", "history"),):
        step = Step(name)
        run_step(bench, step, _python("tradewh.bench", "_ingest", str(dataset), str(bench.landing), which),
                 capture_json=True)  # fmt: skip
        steps[name] = step
    steps["build_history"] = dbt_build(bench, "build_history", select)
    step = Step("ingest_month")
    run_step(bench, step, _python("tradewh.bench", "_ingest", str(dataset), str(bench.landing), "newest"),
             capture_json=True)  # fmt: skip
    steps["ingest_month"] = step
    steps["incremental_month"] = incremental_month(bench, args.incremental_select or select, args.incremental_repeats)
    after_incremental = mart_fingerprints(bench.database)
    steps["full_build"] = dbt_build(bench, "full_build", select, ["--full-refresh"])
    after_full = mart_fingerprints(bench.database)
    steps["full_build"].output["incremental_equals_full"] = after_incremental == after_full
    if after_incremental != after_full:
        steps["full_build"].output["fingerprints"] = {"incremental": after_incremental, "full": after_full}
    if args.skip_validate:
        steps["validate"] = Step("validate", note="skipped (--skip-validate)")
    else:
        step = Step("validate")
        try:
            run_step(bench, step, _python("tradewh.bench", "_validate", str(bench.database)), capture_json=True)
            if not step.output.get("success"):
                step.note = "ran; some expectations failed on the synthetic data (see logs/validate.log)"
        except BenchError as exc:
            step.seconds, step.note = None, f"failed: {str(exc).splitlines()[0]}"
        steps["validate"] = step
    return steps


def summarise(
    args: argparse.Namespace,
    bench: Bench,
    manifest: dict,
    steps: dict[str, Step],
    check: dict,
    *,
    csv_bytes: int,
    generate_s: float,
    loadavg_start: tuple[float, float, float],
) -> dict:
    """results.json's content."""
    files = [name for q in manifest["queries"] for name in q["files"]]

    def seconds(name: str) -> float | None:
        return steps[name].seconds if name in steps else None

    ingest_s = round(seconds("ingest_history") + seconds("ingest_month"), 3)
    floor_s = seconds("duckdb_floor")
    full_build_s = seconds("full_build")
    warehouse_s = ingest_s + full_build_s
    peak = max(steps[name].peak_rss_mb or 0 for name in
               ("ingest_history", "ingest_month", "build_history", "incremental_month", "full_build"))  # fmt: skip
    ratios = {
        "ingest_plus_build_vs_floor": _ratio(warehouse_s, floor_s),
        "ingest_plus_build_vs_pandas": _ratio(warehouse_s, seconds("pandas")),
        "pandas_vs_floor": _ratio(seconds("pandas"), floor_s),
        "ingest_vs_floor": _ratio(ingest_s, floor_s),
        "full_build_vs_floor": _ratio(full_build_s, floor_s),
        "incremental_vs_full_build": _ratio(seconds("incremental_month"), full_build_s),
        # both wall times of whole processes that also transcode the GBK parts
        "ingest_throughput_vs_read_csv": _ratio(seconds("duckdb_read_csv"), ingest_s),
    }
    cpu = {name: steps[name].cpu_seconds for name in steps}
    cpu_ingest = (cpu.get("ingest_history") or 0) + (cpu.get("ingest_month") or 0)
    cpu_warehouse = cpu_ingest + (cpu.get("full_build") or 0)
    ratios["cpu_ingest_plus_build_vs_floor"] = _ratio(cpu_warehouse, cpu.get("duckdb_floor"))
    ratios["cpu_pandas_vs_floor"] = _ratio(cpu.get("pandas"), cpu.get("duckdb_floor"))
    ratios["cpu_incremental_vs_full_build"] = _ratio(cpu.get("incremental_month"), cpu.get("full_build"))
    measured_for_target = {**ratios, "peak_rss_mb": peak}
    targets = {
        name: {"target": f"{op} {limit}", "value": measured_for_target[name],
               "met": None if measured_for_target[name] is None else
               (measured_for_target[name] <= limit if op == "<=" else measured_for_target[name] >= limit)}
        for name, (op, limit) in TARGETS.items()
    }  # fmt: skip
    return {
        "synthetic": True,
        "rows": manifest["rows"],
        "months": len(manifest["months"]),
        "rows_newest_month": sum(q["rows"] for q in manifest["queries"] if q["month"] == manifest["months"][-1]),
        "queries": len(manifest["queries"]),
        "part_files": len(files),
        "csv_mb": round(csv_bytes / 2**20, 1),
        "ingest_s": ingest_s,
        "full_build_s": full_build_s,
        "incremental_month_s": seconds("incremental_month"),
        "validate_s": seconds("validate"),
        "duckdb_floor_s": floor_s,
        "duckdb_read_csv_s": seconds("duckdb_read_csv"),
        "pandas_s": seconds("pandas"),
        "peak_rss_mb": peak,
        "ratios": ratios,
        "targets": targets,
        "cross_check": check,
        "incremental_equals_full_build": steps["full_build"].output.get("incremental_equals_full"),
        "steps": {name: asdict(step) for name, step in steps.items()},
        "generate_s_or_cached": generate_s,
        "dataset": str(bench.dataset),
        "bench_dir": str(bench.work),
        "dbt_select": args.select or [],
        "machine": {**machine_info(), "loadavg_at_start": loadavg_start, "loadavg_at_end": os.getloadavg()},
        "versions": versions(),
        "command": "scripts/bench.py " + " ".join(args.argv),
        "finished_at": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def print_table(results: dict) -> None:
    floor = results["duckdb_floor_s"]
    print(f"\nSYNTHETIC benchmark: {results['rows']:,} rows, {results['months']} months, "
          f"{results['csv_mb']} MB of CSV in {results['part_files']} parts")  # fmt: skip
    print(f"{'step':<22}{'seconds':>10}{'x floor':>10}{'CPU s':>10}{'peak MB':>10}{'load':>7}")
    for name, step in results["steps"].items():
        secs = step["seconds"]
        ratio = f"{secs / floor:.2f}" if secs is not None and floor else "-"
        secs_text = f"{secs:.2f}" if secs is not None else "-"
        cpu = f"{step['cpu_seconds']:.1f}" if step.get("cpu_seconds") is not None else "-"
        peak = f"{step['peak_rss_mb']:.0f}" if step["peak_rss_mb"] is not None else "-"
        load = f"{step['loadavg_1m_before']:.1f}" if step.get("loadavg_1m_before") is not None else "-"
        print(f"{name:<22}{secs_text:>10}{ratio:>10}{cpu:>10}{peak:>10}{load:>7}  {step['note']}")
    print("targets:")
    for name, target in results["targets"].items():
        verdict = {True: "met", False: "MISSED", None: "n/a"}[target["met"]]
        print(f"  {name:<32} {target['value']!s:>10}  (target {target['target']}): {verdict}")
    print(f"cross-check partner mart vs floor: {'ok' if results['cross_check'].get('ok') else results['cross_check']}")
    print(f"detail marts after the incremental build equal a full rebuild: {results['incremental_equals_full_build']}")


def write_docs(bench_dir: Path, docs: Path = DOCS) -> None:
    """Refresh the table between the markers in docs/benchmarks.md from every results_<rows>.json."""
    runs = []
    for path in sorted(bench_dir.glob("results_*.json")):
        runs.append(json.loads(path.read_text(encoding="utf-8")))
    runs.sort(key=lambda r: r["rows"])
    header = ("| rows | CSV MB | ingest s | full build s | incremental month s | validate s | DuckDB floor s "
              "| pandas s | peak RSS MB | (ingest+build)/floor | incremental/full | ingest vs read_csv |")  # fmt: skip
    lines = [header, "|" + "---|" * 12]
    for r in runs:
        ratio = r["ratios"]
        cells = [f"{r['rows']:,}", r["csv_mb"], r["ingest_s"], r["full_build_s"], r["incremental_month_s"],
                 r["validate_s"], r["duckdb_floor_s"], r["pandas_s"], r["peak_rss_mb"],
                 ratio["ingest_plus_build_vs_floor"], ratio["incremental_vs_full_build"],
                 ratio["ingest_throughput_vs_read_csv"]]  # fmt: skip
        lines.append("| " + " | ".join("-" if c is None else str(c) for c in cells) + " |")
    lines.append("")
    for r in runs:
        lines.append(f"- {r['rows']:,} rows: `{r['command']}` finished {r['finished_at']}, "
                     f"load average at start {r['machine']['loadavg_at_start'][0]:.2f}")  # fmt: skip
    text = docs.read_text(encoding="utf-8") if docs.exists() else f"# Benchmarks\n\n{DOCS_BEGIN}\n{DOCS_END}\n"
    if DOCS_BEGIN not in text or DOCS_END not in text:
        text += f"\n{DOCS_BEGIN}\n{DOCS_END}\n"
    before, rest = text.split(DOCS_BEGIN, 1)
    _, after = rest.split(DOCS_END, 1)
    docs.write_text(before + DOCS_BEGIN + "\n" + "\n".join(lines) + "\n" + DOCS_END + after, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in ("_ingest", "_validate"):
        return _worker_main(argv)
    parser = argparse.ArgumentParser(
        prog="bench.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Example: nohup nice -n 10 .venv/bin/python scripts/bench.py --rows 10000000 --write-docs "
               "> warehouse/bench/bench_10m.log 2>&1 &",
    )  # fmt: skip
    parser.add_argument("--rows", type=int, default=10_000_000, help="synthetic detail rows (default 10 million)")
    parser.add_argument("--seed", type=int, default=42, help="generator seed (default 42)")
    parser.add_argument("--rows-per-month", type=int, default=DEFAULT_ROWS_PER_MONTH,
                        help="rows per month, both flows (default %(default)s): the new month's size")  # fmt: skip
    parser.add_argument("--end", default=DEFAULT_END, help="newest month (default %(default)s)")
    parser.add_argument("--dataset", type=Path, default=None, help="use this generated dataset instead")
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_ROOT,
                        help="where generated datasets are cached, by parameters (default data/synthetic)")  # fmt: skip
    parser.add_argument("--bench-dir", type=Path, default=BENCH_DIR,
                        help="the bench's landing zone, DuckDB file, results (default warehouse/bench)")  # fmt: skip
    parser.add_argument("--select", nargs="+", default=None,
                        help="dbt selection for the builds (default: the whole project, as `make build`)")  # fmt: skip
    parser.add_argument(
        "--incremental-select",
        nargs="+",
        default=None,
        help="dbt selection for the incremental build (default: as --select; without --select, what "
        "`make build` runs when only the landing zone changed: --select source:gacc+)",
    )
    parser.add_argument(
        "--incremental-repeats",
        type=int,
        default=3,
        help="incremental builds of the new month, each from the same file; the median is reported (default 3)",
    )
    parser.add_argument("--skip-pandas", action="store_true", help="do not run the pandas baseline")
    parser.add_argument("--skip-validate", action="store_true", help="do not run validation")
    parser.add_argument("--nice", type=int, default=10, help="lower this run's CPU priority by N (default 10)")
    parser.add_argument("--write-docs", action="store_true", help="refresh the table in docs/benchmarks.md")
    args = parser.parse_args(argv)
    args.argv = argv
    if args.nice:
        os.nice(args.nice)
    try:
        results = run(args)
    except (BenchError, ValueError, OSError) as exc:
        print(f"[bench] FAILED: {exc}", file=sys.stderr)
        return 1
    args.bench_dir.mkdir(parents=True, exist_ok=True)
    text = json.dumps(results, indent=1, ensure_ascii=False)
    (args.bench_dir / "results.json").write_text(text, encoding="utf-8")
    (args.bench_dir / f"results_{results['rows']}.json").write_text(text, encoding="utf-8")
    print_table(results)
    print(f"\nresults: {args.bench_dir / 'results.json'}")
    if args.write_docs:
        write_docs(args.bench_dir)
        print(f"docs: {DOCS}")
    return 0 if results["cross_check"].get("ok") and results["incremental_equals_full_build"] else 1


def _worker_main(argv: list[str]) -> int:
    command, *rest = argv
    try:
        if command == "_ingest":
            dataset, landing, which = rest
            output = worker_ingest(Path(dataset), Path(landing), which)
        else:
            output = worker_validate(Path(rest[0]))
    except Exception as exc:  # noqa: BLE001 - a worker reports any failure as its exit code
        print(f"{command} failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(output))
    return 0


if __name__ == "__main__":
    sys.exit(main())
