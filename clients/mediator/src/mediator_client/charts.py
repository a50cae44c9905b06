"""Charts as inline SVG, drawn on the server: no JavaScript, no library, nothing from a CDN.

Each chart is an image with a title and a description that says every value in words (for a
screen reader, and for anyone who would rather read), and every bar carries its number, so
colour is never the only clue. A value hidden by the statistics (``"<5"``: fewer than 5) is
drawn as a hatched bar up to 4, the most it can be, labelled ``<5``; nothing to measure is
no bar at all. Presentation attributes only (the pages' Content-Security-Policy allows no
inline styles).
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape
from mediation_contracts.commands import SUPPRESSED

from mediator_client.statistics_view import Value

# Strong, distinguishable colours on white (each at least 4.5:1 against it).
PALETTE = ("#1f4e79", "#1e6b3a", "#a14a00", "#6a3d9a", "#4a5563", "#8a1c4a")
INK = "#1d2430"
GRID = "#d5d9e0"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"
HIDDEN_UP_TO = 4  # a "<5" count is at most 4


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[Value]


def _number(value: float) -> str:
    return f"{value:g}"


def _nice_max(largest: float) -> float:
    """An axis end at or above ``largest``: 5, 10, 20, 25, 50, 100, ..."""
    if largest <= 5:
        return 5
    magnitude = 10.0 ** math.floor(math.log10(largest))
    for step in (1, 2, 2.5, 5, 10):
        if largest <= step * magnitude:
            return step * magnitude
    return 10 * magnitude  # pragma: no cover - the loop's last step always fits


def _shown(value: Value) -> float | None:
    """How high to draw a value: a hidden one up to 4, nothing to measure not at all."""
    if value is None:
        return None
    if value == SUPPRESSED:
        return HIDDEN_UP_TO
    return float(value)


def _hatch(chart_id: str, index: int, colour: str) -> str:
    return (
        f'<pattern id="{chart_id}-hatch-{index}" patternUnits="userSpaceOnUse" width="6" '
        f'height="6" patternTransform="rotate(45)"><rect width="6" height="6" fill="#ffffff"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="{colour}" stroke-width="2.5"/></pattern>'
    )


def _frame(chart_id: str, width: int, height: int, title: str, desc: str, body: str) -> Markup:
    # Every text in it is escaped above; the rest is numbers and our own constants.
    return Markup(  # noqa: S704
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{chart_id}" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" font-family="{FONT}" '
        f'font-size="13" fill="{INK}">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>{body}</svg>'
    )


def _value_label(value: Value, text: str) -> str:
    return SUPPRESSED if value == SUPPRESSED else text


def describe(series: Sequence[Series], categories: Sequence[str], texts: Sequence[str]) -> str:
    """Every value in words: ``Anmodninger: 1. kvt. 2026 12, 2. kvt. 2026 <5.``"""
    parts = []
    for one, values in zip(series, _chunks(texts, len(categories)), strict=True):
        pairs = ", ".join(f"{c} {v}" for c, v in zip(categories, values, strict=True))
        parts.append(f"{one.name}: {pairs}.")
    return " ".join(parts)


def _chunks(items: Sequence[str], size: int) -> list[Sequence[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)] if size else []


def grouped_bars(
    chart_id: str,
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    value_text: Sequence[Sequence[str]],
    hidden_note: str,
) -> Markup:
    """Vertical bars: one group per category (a period), one bar per series in it.
    ``value_text[s][c]`` is how series ``s``'s value in category ``c`` is written."""
    bar, gap, group_gap = 26, 4, 40
    left, top, bottom, legend_row = 44, 22, 40, 22
    group_width = len(series) * (bar + gap) - gap
    plot_width = max(len(categories) * (group_width + group_gap), 420)
    legend_height = legend_row * len(series)
    plot_height = 200
    width = left + plot_width + 10
    height = top + plot_height + bottom + legend_height
    drawn = [_shown(v) for one in series for v in one.values]
    axis_max = _nice_max(max((v for v in drawn if v is not None), default=0))

    def y(value: float) -> float:
        return top + plot_height - value / axis_max * plot_height

    hatches = "".join(_hatch(chart_id, i, PALETTE[i % len(PALETTE)]) for i in range(len(series)))
    parts = [f"<defs>{hatches}</defs>"]
    for step in range(6):
        tick = axis_max * step / 5
        parts.append(
            f'<line x1="{left}" x2="{left + plot_width}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
            f'stroke="{GRID}" stroke-width="1"/>'
            f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" text-anchor="end">{_number(tick)}</text>'
        )
    for c, category in enumerate(categories):
        x0 = left + group_gap / 2 + c * (group_width + group_gap)
        for s, one in enumerate(series):
            value = one.values[c]
            height_of = _shown(value)
            x = x0 + s * (bar + gap)
            colour = PALETTE[s % len(PALETTE)]
            if height_of is None:
                continue
            hidden = value == SUPPRESSED
            fill = f"url(#{chart_id}-hatch-{s})" if hidden else colour
            stroke = (
                f' stroke="{colour}" stroke-width="1.5" stroke-dasharray="3 2"' if hidden else ""
            )
            parts.append(
                f'<rect class="{"bar bar--hidden" if hidden else "bar"}" x="{x:.1f}" '
                f'y="{y(height_of):.1f}" width="{bar}" height="{y(0) - y(height_of):.1f}" '
                f'fill="{fill}"{stroke}><title>{escape(one.name)}, {escape(category)}: '
                f"{escape(value_text[s][c])}{escape(hidden_note) if hidden else ''}</title></rect>"
                f'<text x="{x + bar / 2:.1f}" y="{y(height_of) - 4:.1f}" text-anchor="middle" '
                f'font-size="11">{escape(_value_label(value, value_text[s][c]))}</text>'
            )
        parts.append(
            f'<text x="{x0 + group_width / 2:.1f}" y="{top + plot_height + 18}" '
            f'text-anchor="middle">{escape(category)}</text>'
        )
    parts.append(
        f'<line x1="{left}" x2="{left + plot_width}" y1="{y(0):.1f}" y2="{y(0):.1f}" '
        f'stroke="{INK}" stroke-width="1"/>'
    )
    legend_top = top + plot_height + bottom
    for s, one in enumerate(series):
        row_y = legend_top + s * legend_row
        parts.append(
            f'<rect x="{left}" y="{row_y}" width="14" height="14" '
            f'fill="{PALETTE[s % len(PALETTE)]}"/>'
            f'<text x="{left + 20}" y="{row_y + 12}">{escape(one.name)}</text>'
        )
    flat = [text for texts in value_text for text in texts]
    desc = describe(series, categories, flat)
    return _frame(chart_id, width, height, title, desc, "".join(parts))


def horizontal_bars(
    chart_id: str,
    title: str,
    rows: Sequence[tuple[str, Value, str]],
    hidden_note: str,
    *,
    scale: tuple[float, float] | None = None,
    empty_text: str = "",
) -> Markup:
    """One bar per row (label, value, value as written). ``scale`` fixes the axis (e.g. 1 to
    5 for averages of answers); otherwise it runs from 0 to a round number above the
    largest. A hidden value: hatched up to 4 on a count axis; on a fixed scale (a hidden
    average), no bar, only ``<5``."""
    label_width, bar_height, gap, top, right = 230, 22, 10, 26, 50
    plot_width = 380
    width = label_width + plot_width + right
    height = top + max(len(rows), 1) * (bar_height + gap) + 10
    low, high = scale or (0.0, _nice_max(max((_shown(v) or 0 for _, v, _ in rows), default=0)))

    def x(value: float) -> float:
        return label_width + (value - low) / (high - low) * plot_width

    ticks = [low + (high - low) * step / 5 for step in range(6)]
    if scale is not None:
        ticks = [float(t) for t in range(int(low), int(high) + 1)]
    parts = [f"<defs>{_hatch(chart_id, 0, PALETTE[0])}</defs>"]
    for tick in ticks:
        parts.append(
            f'<line x1="{x(tick):.1f}" x2="{x(tick):.1f}" y1="{top - 6}" y2="{height - 10}" '
            f'stroke="{GRID}" stroke-width="1"/>'
            f'<text x="{x(tick):.1f}" y="{top - 10}" text-anchor="middle">{_number(tick)}</text>'
        )
    for index, (label, value, text) in enumerate(rows):
        row_y = top + index * (bar_height + gap)
        middle = row_y + bar_height / 2 + 4
        parts.append(
            f'<text x="{label_width - 8}" y="{middle:.1f}" text-anchor="end">{escape(label)}</text>'
        )
        hidden = value == SUPPRESSED
        end = None if hidden and scale is not None else _shown(value)
        if end is not None and end > low:
            fill = f"url(#{chart_id}-hatch-0)" if hidden else PALETTE[0]
            stroke = (
                f' stroke="{PALETTE[0]}" stroke-width="1.5" stroke-dasharray="3 2"'
                if hidden
                else ""
            )
            parts.append(
                f'<rect class="{"bar bar--hidden" if hidden else "bar"}" x="{x(low):.1f}" '
                f'y="{row_y}" width="{x(end) - x(low):.1f}" height="{bar_height}" '
                f'fill="{fill}"{stroke}><title>{escape(label)}: {escape(text)}'
                f"{escape(hidden_note) if hidden else ''}</title></rect>"
            )
        at = x(end) if end is not None and end > low else x(low)
        parts.append(
            f'<text x="{at + 6:.1f}" y="{middle:.1f}">{escape(_value_label(value, text))}</text>'
        )
    if not rows and empty_text:
        parts.append(f'<text x="{label_width}" y="{top + 16}">{escape(empty_text)}</text>')
    desc = " ".join(f"{label}: {text}." for label, _, text in rows) or empty_text
    return _frame(chart_id, width, height, title, desc, "".join(parts))
