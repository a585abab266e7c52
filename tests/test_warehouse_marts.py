"""The marts of a fresh build answer the questions issue 2 names, from the published figures."""

from __future__ import annotations

import duckdb
import pytest

XINJIANG = "650000"
XIZANG = "540000"


def one(connection: duckdb.DuckDBPyConnection, sql: str, *params: object) -> tuple:
    rows = connection.execute(sql, list(params)).fetchall()
    assert len(rows) == 1, f"expected one row, got {len(rows)}: {rows}"
    return rows[0]


def ytd(connection: duckdb.DuckDBPyConnection, scope: str, product: str, flow: str = "total") -> tuple:
    return one(
        connection,
        """
        select value_cny, yoy_pct_reported, growth_multiple_reported
        from marts.fct_region_trade_ytd
        where region_code = ? and year = 2023 and month_end = 7
            and flow = ? and partner_scope = ? and product = ?
        """,
        XINJIANG,
        flow,
        scope,
        product,
    )


def test_xinjiang_january_july_2023_total_and_growth(warehouse_reader: duckdb.DuckDBPyConnection) -> None:
    value_cny, yoy, _ = ytd(warehouse_reader, "world", "all")
    assert value_cny == pytest.approx(183.16e9)
    assert float(yoy) == pytest.approx(59.3)


def test_xinjiang_january_july_2023_belt_and_road_along(warehouse_reader: duckdb.DuckDBPyConnection) -> None:
    value_cny, yoy, _ = ytd(warehouse_reader, "belt_and_road_along", "all")
    assert value_cny == pytest.approx(169.1e9)
    assert float(yoy) == pytest.approx(61.4)


@pytest.mark.parametrize(("product", "multiple"), [("electric_vehicles", 3.26), ("solar_cells", 36.9)])
def test_xinjiang_new_products_growth_multiples(
    warehouse_reader: duckdb.DuckDBPyConnection, product: str, multiple: float
) -> None:
    value_cny, _, growth_multiple = ytd(warehouse_reader, "world", product, flow="export")
    assert value_cny is None  # only the growth was published
    assert float(growth_multiple) == pytest.approx(multiple)


def test_rounded_duplicate_loses_to_precise_figure(warehouse_reader: duckdb.DuckDBPyConnection) -> None:
    # s003-total printed the same release as "183 billion"; xj-43's 183.16 is more precise.
    (figure_id,) = one(
        warehouse_reader,
        """
        select figure_id_cny from marts.fct_region_trade_ytd
        where region_code = ? and year = 2023 and month_end = 7 and flow = 'total'
            and partner_scope = 'world' and product = 'all'
        """,
        XINJIANG,
    )
    assert figure_id == "xj-43"


def test_xinjiang_july_2023_derived_from_ytd(warehouse_reader: duckdb.DuckDBPyConnection) -> None:
    value_cny, basis, months, figure, subtracted = one(
        warehouse_reader,
        """
        select value_cny, value_basis, months_covered, figure_id, subtracted_figure_id
        from marts.fct_region_trade_monthly
        where region_code = ? and year = 2023 and month = 7 and flow = 'total'
            and partner_scope = 'world' and product = 'all' and is_published
        """,
        XINJIANG,
    )
    assert value_cny == pytest.approx(183.16e9 - 149.62e9)
    assert (basis, months, figure, subtracted) == ("derived", 1, "xj-43", "xj-35")


def test_january_february_is_one_combined_period(warehouse_reader: duckdb.DuckDBPyConnection) -> None:
    rows = warehouse_reader.execute(
        """
        select year, month_start, month, months_covered, is_jan_feb_combined
        from marts.fct_region_trade_monthly
        where region_code = ? and flow = 'total' and partner_scope = 'world' and product = 'all'
            and month <= 2
        order by year
        """,
        [XINJIANG],
    ).fetchall()
    assert rows == [(2022, 1, 2, 2, True), (2023, 1, 2, 2, True)]


def test_december_2023_revision_keeps_both_and_publishes_reported(
    warehouse_reader: duckdb.DuckDBPyConnection,
) -> None:
    rows = warehouse_reader.execute(
        """
        select value_basis, round(value_cny / 1e8, 1), is_published
        from marts.fct_region_trade_monthly
        where region_code = ? and year = 2023 and month = 12 and month_start = 12
            and flow = 'total' and partner_scope = 'world' and product = 'all'
        order by value_basis
        """,
        [XINJIANG],
    ).fetchall()
    # 3573.3 - 3205.3 = 368.0 (derived) vs 374.3 printed for December alone.
    assert rows == [("derived", 368.0, False), ("reported", 374.3, True)]


def test_monthly_values_never_negative(warehouse_reader: duckdb.DuckDBPyConnection) -> None:
    (negative,) = one(warehouse_reader, "select count(*) from marts.fct_region_trade_monthly where value_cny < 0")
    assert negative == 0


def test_provinces_sum_to_national_total_2023(warehouse_reader: duckdb.DuckDBPyConnection) -> None:
    (total_usd, provinces) = one(
        warehouse_reader,
        "select sum(value_usd), count(*) from marts.fct_province_trade_annual where year = 2023",
    )
    assert provinces == 31
    assert total_usd == pytest.approx(5935.94e9)


def test_xizang_2023_and_xinjiang_growth(warehouse_reader: duckdb.DuckDBPyConnection) -> None:
    (xizang_usd,) = one(
        warehouse_reader,
        "select value_usd from marts.fct_province_trade_annual where region_code = ? and year = 2023",
        XIZANG,
    )
    (xinjiang_yoy,) = one(
        warehouse_reader,
        "select yoy_pct from marts.fct_province_trade_annual where region_code = ? and year = 2023",
        XINJIANG,
    )
    assert xizang_usd == pytest.approx(1.54e9)
    assert round(xinjiang_yoy, 1) == 39.0


def test_macro_regions_sum_to_national_every_year(warehouse_reader: duckdb.DuckDBPyConnection) -> None:
    rows = warehouse_reader.execute(
        """
        with macro as (
            select year, sum(value_usd) as value_usd
            from marts.rpt_macro_region_trade_annual
            where is_partition
            group by year
        ),
        national as (
            select year, sum(value_usd) as value_usd
            from marts.fct_province_trade_annual
            group by year
        )
        select national.year, macro.value_usd, national.value_usd
        from national
        left join macro using (year)
        order by national.year
        """
    ).fetchall()
    assert [year for year, _, _ in rows] == list(range(2016, 2025))
    for year, macro_usd, national_usd in rows:
        assert macro_usd == pytest.approx(national_usd, rel=1e-12), year


def test_wrong_xizang_dollar_figure_is_listed_and_kept_out(warehouse_reader: duckdb.DuckDBPyConnection) -> None:
    rule, severity, excluded, explanation = one(
        warehouse_reader,
        """
        select rule_code, severity, is_excluded_from_facts, explanation
        from marts.rpt_figure_issues
        where value_as_printed = '$138.08 million'
        """,
    )
    assert (rule, severity, excluded) == ("usd_cny_mismatch", "hard", True)
    assert "off by ten times" in explanation
    # The facts carry the yuan figure converted instead of the wrong dollar figure.
    value_usd, converted, figure_usd = one(
        warehouse_reader,
        """
        select value_usd, is_value_usd_converted, figure_id_usd from marts.fct_region_trade_ytd
        where region_code = ? and year = 2023 and month_end = 12 and flow = 'total'
            and partner_scope = 'world' and product = 'all'
        """,
        XIZANG,
    )
    assert figure_usd == "xz-09-usd"
    assert not converted
    assert value_usd == pytest.approx(1.54e9)


def test_growth_gap_lists_the_implied_base(warehouse_reader: duckdb.DuckDBPyConnection) -> None:
    (explanation,) = one(
        warehouse_reader,
        "select explanation from marts.rpt_figure_issues where figure_id = 'xj-43' and rule_code = 'growth_mismatch'",
    )
    assert "114.98 bn yuan" in explanation
    assert "115.47 bn yuan" in explanation


def test_growth_only_computed_within_one_scope_definition(warehouse_reader: duckdb.DuckDBPyConnection) -> None:
    rows = warehouse_reader.execute(
        """
        select facts.partner_scope, raw.partner_scope, facts.period_end, raw.period_end
        from marts.fct_region_trade_ytd as facts
        inner join raw.customs_published_figures as raw
            on raw.figure_id = facts.prior_year_figure_id
        where facts.yoy_pct_computed is not null
        """
    ).fetchall()
    assert len(rows) >= 5
    for scope, prior_scope, period_end, prior_period_end in rows:
        assert scope == prior_scope
        assert (period_end.month, period_end.year - 1) == (prior_period_end.month, prior_period_end.year)
