"""Jinja2 filters that write the report's numbers as people read them (formatting only: every
number is computed by the report models)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MINUS, NDASH = "\u2212", "\u2013"  # the typographic minus and the en dash


def num(value: object, decimals: int = 1) -> str:
    """Thousands separators, ``decimals`` decimals, a typographic minus; an en dash for nothing."""
    if value is None:
        return NDASH
    return f"{float(value):,.{decimals}f}".replace("-", MINUS)


def signed(value: object, decimals: int = 1) -> str:
    """Like num, with a + for a positive value."""
    text = num(value, decimals)
    return text if value is None or float(value) < 0 else f"+{text}"


def amount(value: object, unit: object) -> str:
    """A compared value: '10.98 bn CNY', '138.08 million USD', '59.30%'."""
    if value is None:
        return ""
    number, unit = float(value), str(unit or "")
    if unit in ("pct", "%"):
        return f"{num(number, 2)}%"
    if abs(number) >= 1e9:
        return f"{num(number / 1e9, 2)} bn {unit}".strip()
    if abs(number) >= 1e6:
        return f"{num(number / 1e6, 2)} million {unit}".strip()
    return f"{num(number, 2)} {unit}".strip()


def period(row: Mapping[str, object]) -> str:
    """A row's period_start..period_end: 'Jan-Jul 2023' (an en dash), 'Dec 2023', else the two dates."""
    start, end = row.get("period_start"), row.get("period_end")
    if not isinstance(start, dt.date) or not isinstance(end, dt.date):
        return " to ".join(str(x) for x in (start, end) if x is not None)
    if start.year == end.year and start.day == 1:
        if start.month == end.month:
            return f"{MONTHS[end.month - 1]} {end.year}"
        return f"{MONTHS[start.month - 1]}{NDASH}{MONTHS[end.month - 1]} {end.year}"
    return f"{start:%Y-%m-%d} to {end:%Y-%m-%d}"


def ytd(row: Mapping[str, object]) -> str:
    """A year-to-date release by its year and month_end: 'Jan-Jul 2023' (an en dash), 'Jan 2023'."""
    month_end = int(row["month_end"])
    months = f"Jan{NDASH}{MONTHS[month_end - 1]}" if month_end > 1 else "Jan"
    return f"{months} {row['year']}"


def month_name(row: Mapping[str, object]) -> str:
    """A monthly row's last month: 'Dec'."""
    return MONTHS[int(row["month"]) - 1]


FILTERS: Mapping[str, Callable[..., str]] = {
    "num": num,
    "signed": signed,
    "amount": amount,
    "period": period,
    "ytd": ytd,
    "month_name": month_name,
}
