"""What the GACC detail tests share: the fixture exports, landing them, and a dbt build of the
detail marts (and only what they need) over a landing zone of the test's own."""

from __future__ import annotations

from pathlib import Path

from tradewh.dbt import run_dbt
from tradewh.ingest_gacc import ingest_gacc

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


COMPLETE = ["partner", "trade_mode", "region"]  # the hand-made fixtures stand for whole queries in these


def land(landing: Path, files: list[str], flow: str, period: str, currency: str = "usd", **options) -> str:
    """Ingest fixture parts as one query; returns the ingest status ('new', 'revision', ...)."""
    options.setdefault("complete", COMPLETE)
    result = ingest_gacc(
        [FIXTURES / name for name in files], flow=flow, period=period, currency=currency, root=landing, **options
    )
    return result.status


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
