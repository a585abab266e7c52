"""What the GACC detail tests share: the fixture exports, landing them, and a dbt build of the
detail marts (and only what they need) over a landing zone of the test's own."""

from __future__ import annotations

from pathlib import Path

from tradewh.dbt import run_dbt
from tradewh.ingest_gacc import IngestResult, ingest_gacc
from tradewh.spark_compare import FIXTURES_COMPLETE, land_fixtures

FIXTURES = Path(__file__).parent / "fixtures" / "gacc"
MARTS = [
    "fct_region_partner_trade_monthly",
    "fct_region_bloc_trade_monthly",
    "fct_region_product_trade_monthly",
    "fct_region_trade_mode_monthly",
]
SELECTION = [
    "--select",
    *(f"+{mart}" for mart in MARTS),
    "+int_gacc_customs_fx_rates",
    "+int_gacc_grain_overlaps",
    "ref_gacc_partners",
    "ref_trade_modes",
    "--indirect-selection",
    "cautious",
]


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file and directory under ``root`` with its bytes (directories as b'<dir>')."""
    if not root.exists():
        return {}
    return {
        str(path.relative_to(root)): (path.read_bytes() if path.is_file() else b"<dir>")
        for path in sorted(root.rglob("*"))
    }


COMPLETE = list(FIXTURES_COMPLETE)  # the hand-made fixtures stand for whole queries in these


def ingest_fixture(
    landing: Path, files: list[str], flow: str, period: str, currency: str = "usd", **options
) -> IngestResult:
    """Ingest fixture parts as one query into ``landing``; returns the ingest's result."""
    options.setdefault("complete", COMPLETE)
    return ingest_gacc(
        [FIXTURES / name for name in files], flow=flow, period=period, currency=currency, root=landing, **options
    )


def land(landing: Path, files: list[str], flow: str, period: str, currency: str = "usd", **options) -> str:
    """Ingest fixture parts as one query; returns the ingest status ('new', 'revision', ...)."""
    return ingest_fixture(landing, files, flow, period, currency, **options).status


REVISED_EXPORT_JULY_2023 = ["revised_export_2023-07_usd_part1.csv", "revised_export_2023-07_usd_part2.csv"]


def land_fixture_months(landing: Path) -> IngestResult:
    """Land the fixture queries the detail marts are tested on, without the July revision
    (tradewh.spark_compare.land_fixtures, which make test-spark lands too). Returns the result of
    export July 2023 (its status and content hash)."""
    return land_fixtures(landing, revised=False)


def dbt_detail(tmp: Path, landing: Path, *args: str, command: str = "build") -> str:
    """`dbt <command>` of the detail marts into tmp/warehouse.duckdb; returns dbt's output."""
    result = run_dbt(
        [command, *SELECTION, *args],
        database=tmp / "warehouse.duckdb",
        target_path=tmp / "target",
        extra_env={"TRADEWH_LANDING_ROOT": str(landing)},
        capture=True,
    )
    return result.stdout
