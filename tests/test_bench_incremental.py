"""Incremental detail models: a build after new landings refreshes only their periods, and ends
identical to a full rebuild (new months, a revision of an old month, nothing new)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gacc_helpers import dbt_detail, land
from tradewh.bench import mart_fingerprints, refreshed_periods

MODELS = ("int_gacc_query_vintages", "fct_region_partner_trade_monthly", "fct_region_product_trade_monthly")


def _build(tmp: Path, landing: Path, *extra: str) -> dict[str, list[str] | None]:
    dbt_detail(tmp, landing, *extra)
    return refreshed_periods(tmp / "target")


@pytest.mark.slow
def test_incremental_builds_refresh_only_new_periods_and_equal_a_full_rebuild(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    export_july = ["export_2023-07_usd_part1.csv", "export_2023-07_usd_part2.csv"]
    assert land(landing, export_july, "export", "2023-07") == "new"
    assert land(landing, ["export_2020-01_usd.csv"], "export", "2020-01") == "new"
    first = _build(tmp_path, landing)
    assert set(first.values()) == {None}, "the first build is a full one"

    # a new month and a revision of an old one: exactly those two periods are refreshed
    assert land(landing, ["export_2020-02_usd.csv"], "export", "2020-02") == "new"
    revised = ["revised_export_2023-07_usd_part1.csv", "revised_export_2023-07_usd_part2.csv"]
    assert land(landing, revised, "export", "2023-07") == "revision"
    second = _build(tmp_path, landing)
    assert second == {model: ["2020-02", "2023-07"] for model in MODELS}
    incremental = mart_fingerprints(tmp_path / "warehouse.duckdb")

    # nothing new: nothing refreshed, nothing changed
    assert _build(tmp_path, landing) == {model: [] for model in MODELS}
    assert mart_fingerprints(tmp_path / "warehouse.duckdb") == incremental

    # a full rebuild from scratch of the same landing zone gives the same marts
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    _build(fresh, landing)
    assert mart_fingerprints(fresh / "warehouse.duckdb") == incremental
    assert all(count != "missing" and count > 0 for count, _ in incremental.values())
