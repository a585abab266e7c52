"""A failed build names the figures behind a failed test, not only "Got 2 results"."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tradewh.dbt import DbtError, run_dbt


def test_a_failed_source_test_names_the_figure_ids(warehouse_copy: Path, tmp_path: Path) -> None:
    # Two figures the build must reject, written past ingest straight into the loaded seed.
    with duckdb.connect(str(warehouse_copy)) as connection:
        connection.execute(
            """
            insert into raw.customs_published_figures (figure_id, region_as_printed, period_kind,
                period_start, period_end, flow, partner_scope, product, value_as_printed, value,
                unit_as_printed, currency, source_kind, source)
            select 'bad-scope', 'Xinjiang', 'ytd', date '2023-01-01', date '2023-03-31', 'total', 'XXX',
                'all', '5 billion yuan', '5', 'billion yuan', 'CNY', 'press', 'example.org'
            union all
            select 'bad-value', 'Xinjiang', 'ytd', date '2023-01-01', date '2023-03-31', 'total', 'world',
                'all', '1e20 billion yuan', '1e20', 'billion yuan', 'CNY', 'press', 'example.org'
            """
        )
    with pytest.raises(DbtError) as caught:
        run_dbt(
            ["test", "--select", "source:customs"],
            database=warehouse_copy,
            target_path=tmp_path / "target",
            capture=True,
        )
    message = str(caught.value)
    assert "failed tests and the figures they name" in message
    assert "figures bad-scope (Got 1 result" in message
    assert "figures bad-value (Got 1 result" in message
