"""Small, dependency-free SVG charts for the offline report (no JavaScript, no fonts to fetch).

Every function returns an ``<svg>`` string sized in CSS pixels, with a ``<title>`` and ``<desc>``
for screen readers and a ``<title>`` per mark so hovering shows the exact figure.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from html import escape

FONT = "font-family='system-ui, -apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif'"
INK = "#1f2933"
MUTED = "#616e7c"
GRID = "#e4e7eb"
POSITIVE = "#1b7f79"
NEGATIVE = "#c2410c"
HIGHLIGHT = "#b91c1c"
QUIET = "#9aa5b1"
MINUS, NDASH = "\u2212", "\u2013"  # typographic minus and en dash
PALETTE = ("#1f77b4", "#e07b00", "#2a9d8f", "#b5179e", "#6a4c93", "#8d6e00", "#d1495b", "#4d908e")


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values (1, 2, 2.5, 5 x 10^n) covering [low, high]."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return [0.0, 1.0]
    if high == low:
        high = low + (abs(low) or 1.0)
    raw_step = (high - low) / max(count - 1, 1)
    magnitude = 10 ** math.floor(math.log10(raw_step))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw_step)
    start = math.floor(low / step + 1e-9) * step
    ticks = []
    value = start
    while value < high + step * 0.5 and len(ticks) < 50:
        ticks.append(round(value, 10))
        value += step
    if ticks[-1] < high:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


def fmt(value: float, decimals: int | None = None) -> str:
    """A number as people write it: thousands separators, few decimals."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return NDASH
    if decimals is None:
        size = abs(value)
        decimals = 0 if size >= 100 else 1 if size >= 10 else 2 if size >= 0.1 or size == 0 else 3
    text = f"{value:,.{decimals}f}"
    return text.replace("-", MINUS)


def tick(value: float) -> str:
    """An axis tick: whole numbers without decimals, others with as few as read well."""
    if float(value).is_integer():
        return fmt(value, 0)
    return fmt(value, 1 if abs(value) >= 1 else 2)


def _text(
    x: float,
    y: float,
    label: str,
    *,
    size: int = 12,
    anchor: str = "start",
    color: str = INK,
    weight: str = "normal",
    extra: str = "",
) -> str:
    return (
        f"<text x='{x:.1f}' y='{y:.1f}' font-size='{size}' text-anchor='{anchor}' fill='{color}' "
        f"font-weight='{weight}' {extra}>{escape(label)}</text>"
    )


def _svg(width: float, height: float, title: str, desc: str, body: list[str]) -> str:
    return (
        f"<svg xmlns='http://www.w3.org/2000/svg' role='img' viewBox='0 0 {width:.0f} {height:.0f}' "
        f"width='{width:.0f}' height='{height:.0f}' {FONT} class='chart'>"
        f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>" + "".join(body) + "</svg>"
    )


@dataclass
class Bar:
    """One bar of a horizontal bar chart."""

    label: str
    value: float
    color: str = PALETTE[0]
    tooltip: str = ""
    bold: bool = False


def hbar_chart(
    bars: Sequence[Bar],
    *,
    title: str,
    axis_label: str,
    width: int = 760,
    row_height: int = 19,
    value_format: Callable[[float], str] = fmt,
    label_width: int = 130,
    integer: bool = False,
) -> str:
    """Horizontal bars sorted as given; negative values extend left of a zero line."""
    top, bottom, right = 8, 46, 64
    plot_w = width - label_width - right
    height = top + bottom + row_height * len(bars)
    low = min(0.0, *(b.value for b in bars)) if bars else 0.0
    high = max(0.0, *(b.value for b in bars)) if bars else 1.0
    ticks = nice_ticks(low, high, 6)
    if integer:
        ticks = [t for t in ticks if float(t).is_integer()]
    low, high = min(ticks[0], low), max(ticks[-1], high)

    def x_of(v: float) -> float:
        return label_width + (v - low) / (high - low) * plot_w

    body: list[str] = []
    axis_y = top + row_height * len(bars)
    for t in ticks:
        x = x_of(t)
        body.append(f"<line x1='{x:.1f}' y1='{top}' x2='{x:.1f}' y2='{axis_y}' stroke='{GRID}'/>")
        body.append(_text(x, axis_y + 16, value_format(t), size=11, anchor="middle", color=MUTED))
    body.append(_text(label_width + plot_w / 2, axis_y + 36, axis_label, size=12, anchor="middle", color=MUTED))
    zero = x_of(0.0)
    for i, bar in enumerate(bars):
        y = top + i * row_height
        x0, x1 = sorted((zero, x_of(bar.value)))
        weight = "bold" if bar.bold else "normal"
        body.append(_text(label_width - 8, y + row_height * 0.68, bar.label, size=12, anchor="end", weight=weight))
        tip = escape(bar.tooltip or f"{bar.label}: {value_format(bar.value)}")
        body.append(
            f"<rect class='bar' x='{x0:.1f}' y='{y + 2:.1f}' width='{max(x1 - x0, 0.8):.1f}' "
            f"height='{row_height - 4}' fill='{bar.color}' rx='2'><title>{tip}</title></rect>"
        )
        if bar.value >= 0 or low >= 0:
            body.append(_text(x1 + 4, y + row_height * 0.68, value_format(bar.value), size=11, color=MUTED))
        elif high > 0:  # a negative bar's figure goes right of the zero line, clear of the row's label
            body.append(_text(zero + 4, y + row_height * 0.68, value_format(bar.value), size=11, color=MUTED))
        else:
            body.append(
                _text(x0 - 4, y + row_height * 0.68, value_format(bar.value), size=11, anchor="end", color=MUTED)
            )
    body.append(f"<line x1='{zero:.1f}' y1='{top}' x2='{zero:.1f}' y2='{axis_y}' stroke='{INK}' stroke-width='1'/>")
    return _svg(width, height, title, f"Bar chart, {len(bars)} bars; {axis_label}", body)


@dataclass
class Series:
    """A line: points as (x position, value) where x is an index into the chart's categories."""

    name: str
    points: list[tuple[int, float]]
    color: str = PALETTE[0]
    width: float = 2.0
    emphasis: bool = True
    dashed: bool = False
    tooltips: list[str] = field(default_factory=list)


def line_chart(
    series: Sequence[Series],
    categories: Sequence[str],
    *,
    title: str,
    axis_label: str,
    width: int = 760,
    height: int = 320,
    value_format: Callable[[float], str] = fmt,
    y_min: float | None = 0.0,
    end_labels: bool = True,
    legend: bool = False,
) -> str:
    """Lines over shared categories (years, periods), labelled at their right end."""
    left, right, top, bottom = 64, 150 if end_labels else 20, 14, 54 + (22 if legend else 0)
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for s in series for _, v in s.points]
    low = min(values) if values else 0.0
    high = max(values) if values else 1.0
    if y_min is not None:
        low = min(low, y_min)
    ticks = nice_ticks(low, high, 5)
    low, high = ticks[0], ticks[-1]
    n = max(len(categories) - 1, 1)

    def x_of(i: float) -> float:
        return left + i / n * plot_w

    def y_of(v: float) -> float:
        return top + plot_h - (v - low) / (high - low) * plot_h

    body: list[str] = []
    for t in ticks:
        y = y_of(t)
        body.append(f"<line x1='{left}' y1='{y:.1f}' x2='{left + plot_w}' y2='{y:.1f}' stroke='{GRID}'/>")
        body.append(_text(left - 8, y + 4, value_format(t), size=11, anchor="end", color=MUTED))
    step = max(1, math.ceil(len(categories) / 10))
    for i, cat in enumerate(categories):
        last = len(categories) - 1
        if i % step == 0 or (i == last and last % step >= step / 2):
            body.append(_text(x_of(i), top + plot_h + 18, cat, size=11, anchor="middle", color=MUTED))
    body.append(
        f"<text transform='translate(14 {top + plot_h / 2:.0f}) rotate(-90)' font-size='12' fill='{MUTED}' "
        f"text-anchor='middle'>{escape(axis_label)}</text>"
    )
    ordered = sorted(series, key=lambda s: s.emphasis)  # quiet lines first, emphasised ones on top
    label_slots: list[tuple[float, Series]] = []
    for s in ordered:
        pts = sorted(s.points)
        if not pts:
            continue
        path = " ".join(f"{'M' if j == 0 else 'L'}{x_of(x):.1f},{y_of(v):.1f}" for j, (x, v) in enumerate(pts))
        dash = " stroke-dasharray='5 4'" if s.dashed else ""
        opacity = "1" if s.emphasis else "0.75"
        body.append(
            f"<path class='line' d='{path}' fill='none' stroke='{s.color}' stroke-width='{s.width}'"
            f" stroke-linejoin='round' opacity='{opacity}'{dash}><title>{escape(s.name)}</title></path>"
        )
        for j, (x, v) in enumerate(pts):
            tip = s.tooltips[j] if j < len(s.tooltips) else f"{s.name}, {categories[x]}: {value_format(v)}"
            radius = 3.2 if s.emphasis else 2.2
            body.append(
                f"<circle class='point' cx='{x_of(x):.1f}' cy='{y_of(v):.1f}' r='{radius}' fill='{s.color}'>"
                f"<title>{escape(tip)}</title></circle>"
            )
        label_slots.append((y_of(pts[-1][1]), s))
    if end_labels:
        placed: list[float] = []
        for y, s in sorted(label_slots, key=lambda item: item[0]):
            y_label = max(y + 4, (placed[-1] + 13) if placed else top)
            placed.append(y_label)
            last_x = x_of(sorted(s.points)[-1][0])
            weight = "bold" if s.emphasis else "normal"
            body.append(
                _text(last_x + 8, y_label, s.name, size=11, color=s.color if s.emphasis else MUTED, weight=weight)
            )
    if legend:
        x = left
        for s in series:
            body.append(f"<rect x='{x}' y='{height - 16}' width='14' height='4' fill='{s.color}'/>")
            body.append(_text(x + 19, height - 11, s.name, size=11))
            x += 30 + 7 * len(s.name)
    return _svg(width, height, title, f"Line chart of {len(series)} series over {len(categories)} periods", body)


def sparkline_panel(
    name: str,
    points: Sequence[tuple[str, float]],
    *,
    headline: str,
    subline: str,
    color: str,
    unit: str,
    width: int = 240,
    height: int = 150,
) -> str:
    """A small multiple: one region's values over time on its own scale, with its latest figure."""
    left, right, top, bottom = 38, 10, 66, 22
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for _, v in points]
    ticks = nice_ticks(0.0, max(values) if values else 1.0, 3)
    high = ticks[-1] or 1.0
    n = max(len(points) - 1, 1)

    def x_of(i: int) -> float:
        return left + i / n * plot_w

    def y_of(v: float) -> float:
        return top + plot_h - v / high * plot_h

    body = [
        _text(4, 16, name, size=13, weight="bold", color=color),
        _text(4, 33, headline, size=12),
        _text(4, 47, subline, size=11, color=MUTED),
    ]
    for t in ticks:
        y = y_of(t)
        body.append(f"<line x1='{left}' y1='{y:.1f}' x2='{left + plot_w}' y2='{y:.1f}' stroke='{GRID}'/>")
        body.append(_text(left - 4, y + 4, tick(t), size=10, anchor="end", color=MUTED))
    if points:
        line = " ".join(f"{x_of(i):.1f},{y_of(v):.1f}" for i, (_, v) in enumerate(points))
        area = f"{x_of(0):.1f},{y_of(0):.1f} {line} {x_of(len(points) - 1):.1f},{y_of(0):.1f}"
        body.append(f"<polygon points='{area}' fill='{color}' opacity='0.14'/>")
        body.append(f"<polyline class='line' points='{line}' fill='none' stroke='{color}' stroke-width='2'/>")
        for i, (label, v) in enumerate(points):
            body.append(
                f"<circle class='point' cx='{x_of(i):.1f}' cy='{y_of(v):.1f}' r='2' fill='{color}'>"
                f"<title>{escape(f'{name} {label}: {fmt(v)} {unit}')}</title></circle>"
            )
        body.append(_text(x_of(0), height - 6, points[0][0], size=10, anchor="start", color=MUTED))
        body.append(_text(x_of(len(points) - 1), height - 6, points[-1][0], size=10, anchor="end", color=MUTED))
    return _svg(width, height, f"{name}: {headline}", f"{name}, {unit}, {len(points)} years", body)


@dataclass
class Column:
    """A column in a column chart; ``span`` > 1 draws one column across several slots."""

    slot: int
    value: float
    label: str
    span: int = 1
    color: str = PALETTE[0]
    hatched: bool = False
    text: str | None = None  # the label above the column; default: the value


def column_chart(
    columns: Sequence[Column],
    slot_labels: Sequence[str],
    *,
    title: str,
    axis_label: str,
    width: int = 760,
    height: int = 280,
    group_labels: Sequence[tuple[int, int, str]] = (),
    value_format: Callable[[float], str] = fmt,
) -> str:
    """Columns over time slots (months); empty slots stay empty, so gaps in the data show."""
    left, right, top, bottom = 60, 12, 18, 62
    plot_w, plot_h = width - left - right, height - top - bottom
    slots = max(len(slot_labels), 1)
    slot_w = plot_w / slots
    high = max([c.value for c in columns] + [0.0])
    low = min([c.value for c in columns] + [0.0])
    ticks = nice_ticks(low, high, 5)
    low, high = ticks[0], ticks[-1]

    def y_of(v: float) -> float:
        return top + plot_h - (v - low) / (high - low) * plot_h

    body = [
        "<defs><pattern id='hatch' width='6' height='6' patternUnits='userSpaceOnUse' "
        "patternTransform='rotate(45)'><rect width='6' height='6' fill='#ffffff'/>"
        f"<line x1='0' y1='0' x2='0' y2='6' stroke='{PALETTE[0]}' stroke-width='3'/></pattern></defs>"
    ]
    for t in ticks:
        y = y_of(t)
        body.append(f"<line x1='{left}' y1='{y:.1f}' x2='{left + plot_w}' y2='{y:.1f}' stroke='{GRID}'/>")
        body.append(_text(left - 8, y + 4, value_format(t), size=11, anchor="end", color=MUTED))
    for i, label in enumerate(slot_labels):
        body.append(_text(left + (i + 0.5) * slot_w, top + plot_h + 15, label, size=10, anchor="middle", color=MUTED))
    for first, last, label in group_labels:
        x0, x1 = left + first * slot_w, left + (last + 1) * slot_w
        body.append(
            f"<line x1='{x0 + 2:.1f}' y1='{top + plot_h + 24}' x2='{x1 - 2:.1f}' "
            f"y2='{top + plot_h + 24}' stroke='{MUTED}'/>"
        )
        body.append(_text((x0 + x1) / 2, top + plot_h + 40, label, size=12, anchor="middle", weight="bold"))
    body.append(
        f"<text transform='translate(14 {top + plot_h / 2:.0f}) rotate(-90)' font-size='12' fill='{MUTED}' "
        f"text-anchor='middle'>{escape(axis_label)}</text>"
    )
    for c in columns:
        x = left + c.slot * slot_w + slot_w * 0.12
        w = slot_w * c.span - slot_w * 0.24
        y0, y1 = sorted((y_of(0.0), y_of(c.value)))
        fill = "url(#hatch)" if c.hatched else c.color
        stroke = f" stroke='{c.color}'" if c.hatched else ""
        body.append(
            f"<rect class='bar' x='{x:.1f}' y='{y0:.1f}' width='{w:.1f}' height='{max(y1 - y0, 0.8):.1f}' "
            f"fill='{fill}'{stroke}><title>{escape(c.label)}</title></rect>"
        )
        top_label = c.text if c.text is not None else value_format(c.value)
        body.append(_text(x + w / 2, y0 - 4, top_label, size=10, anchor="middle", color=INK))
    body.append(f"<line x1='{left}' y1='{y_of(0):.1f}' x2='{left + plot_w}' y2='{y_of(0):.1f}' stroke='{INK}'/>")
    return _svg(width, height, title, f"Column chart, {len(columns)} columns; {axis_label}", body)


def stacked_share_chart(
    rows: Sequence[tuple[str, Sequence[tuple[str, float]]]],
    colors: dict[str, str],
    *,
    title: str,
    width: int = 760,
    row_height: int = 26,
) -> str:
    """One 100% bar per row (a year): how a whole splits into its parts, with a legend."""
    left, right, top, bottom = 56, 14, 34, 34
    plot_w = width - left - right
    height = top + bottom + row_height * len(rows)
    body: list[str] = []
    x = left
    for name, color in colors.items():
        body.append(f"<rect x='{x}' y='8' width='12' height='12' fill='{color}'/>")
        body.append(_text(x + 17, 18, name, size=12))
        x += 34 + 7 * len(name)
    for i, (label, parts) in enumerate(rows):
        y = top + i * row_height
        total = sum(v for _, v in parts) or 1.0
        body.append(_text(left - 8, y + row_height * 0.65, label, size=12, anchor="end"))
        cursor = float(left)
        for name, value in parts:
            w = value / total * plot_w
            body.append(
                f"<rect class='bar' x='{cursor:.1f}' y='{y + 2}' width='{w:.1f}' height='{row_height - 4}' "
                f"fill='{colors.get(name, QUIET)}'><title>{escape(f'{label} {name}: {fmt(value)}%')}</title></rect>"
            )
            if w > 34:
                body.append(
                    _text(
                        cursor + w / 2,
                        y + row_height * 0.65,
                        f"{value:.0f}%",
                        size=11,
                        anchor="middle",
                        color="#ffffff",
                    )
                )
            cursor += w
    for pct in (0, 25, 50, 75, 100):
        x_pct = left + pct / 100 * plot_w
        body.append(_text(x_pct, top + row_height * len(rows) + 16, f"{pct}%", size=11, anchor="middle", color=MUTED))
    return _svg(width, height, title, f"100% stacked bars, {len(rows)} rows", body)
