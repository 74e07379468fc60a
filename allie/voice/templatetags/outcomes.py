"""Outcome figures in templates: percentages, and bar charts drawn as SVG on the server.

The charts need no script and no inline style (strict CSP): geometry is computed here and
written as SVG attributes; each chart carries a title and a description listing every value,
and the page shows the same figures in a table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django import template
from django.template.defaultfilters import floatformat

register = template.Library()

#: The drawing area of a chart, in SVG user units (the SVG scales to its container).
WIDTH, HEIGHT = 360, 180
#: Room below the bars for their labels, and above them for their values.
LABEL_ROOM, VALUE_ROOM = 24, 18
GAP = 8


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None
    text: str  # the value as read aloud and printed above the bar ("—" when no data)
    x: float
    y: float
    width: float
    height: float

    @property
    def middle(self) -> float:
        return round(self.x + self.width / 2, 1)

    @property
    def value_y(self) -> float:
        """Where the value is printed: just above the bar."""
        return round(self.y - 4, 1)


def percent_text(rate: float | None) -> str:
    """A rate (0 to 1) as a percentage with one decimal in the active language, or a dash."""
    if rate is None:
        return "—"
    return f"{floatformat(100 * rate, -1)} %"


def bar_geometry(points: Sequence[tuple[str, float | None]], *, top: float = 1.0) -> list[Bar]:
    """Lay out one bar per point on a [0, top] scale; a point without a value gets no bar."""
    if not points:
        return []
    slot = WIDTH / len(points)
    usable = HEIGHT - LABEL_ROOM - VALUE_ROOM
    bars = []
    for index, (label, value) in enumerate(points):
        share = 0.0 if value is None or top <= 0 else max(0.0, min(value / top, 1.0))
        height = round(usable * share, 1)
        bars.append(
            Bar(
                label=label,
                value=value,
                text=percent_text(value),
                x=round(index * slot + GAP / 2, 1),
                y=round(HEIGHT - LABEL_ROOM - height, 1),
                width=round(slot - GAP, 1),
                height=height,
            )
        )
    return bars


@register.filter
def as_percent(rate: float | None) -> str:
    """`{{ tally.fcr_rate|as_percent }}`: 57.1 % (or — when there is nothing to count)."""
    return percent_text(rate)


@register.filter
def as_decimal(value: float | None) -> str:
    """A mean or a ratio with two decimals at most, or a dash."""
    return "—" if value is None else str(floatformat(value, -2))


@register.inclusion_tag("voice/_bar_chart.html")
def bar_chart(
    chart_id: str, title: str, points: Sequence[tuple[str, float | None]]
) -> dict[str, Any]:
    """A bar chart of rates (0 to 100 %) with its text alternative."""
    bars = bar_geometry(points)
    return {
        "chart_id": chart_id,
        "title": title,
        "bars": bars,
        "width": WIDTH,
        "height": HEIGHT,
        "baseline": HEIGHT - LABEL_ROOM,
        "label_y": HEIGHT - LABEL_ROOM / 3,
    }
