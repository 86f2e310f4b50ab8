"""The panel's one bar chart (revenue, cost and margin per month): the dashboard and the
distributor's statement draw it. Server-side SVG geometry only (no scripts: CSP); the
template is templates/panel/_bar_chart.html."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from config.formats import format_rub

from .selectors import MonthFigures

CHART_WIDTH = 740  # at most: the chart is drawn at its own size, never stretched
CHART_MIN_WIDTH = 300  # a phone's width: a chart of one or two months fits without scrolling
CHART_HEIGHT = 260
CHART_TOP = 16
CHART_BOTTOM = 36  # room for the month labels
CHART_LEFT = 84  # room for the amounts of the vertical axis
CHART_RIGHT = 8
CHART_SLOT_MAX = 90  # a month's group of bars is no wider than this, however few months
CHART_TICKS = 4  # about this many steps up the vertical axis


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: Decimal
    kind: str  # revenue, cost or margin: the CSS class


@dataclass(frozen=True)
class ChartMonth:
    figures: MonthFigures
    label: str
    label_x: float
    bars: tuple[Bar, Bar, Bar]  # revenue, cost, margin


@dataclass(frozen=True)
class Tick:
    """A value on the vertical axis: its height and its label (whole roubles)."""

    y: float
    label: str


@dataclass(frozen=True)
class Chart:
    months: list[ChartMonth]
    ticks: list[Tick]
    width: float = CHART_WIDTH
    height: int = CHART_HEIGHT
    left: int = CHART_LEFT
    baseline: int = CHART_HEIGHT - CHART_BOTTOM
    label_y: int = CHART_HEIGHT - CHART_BOTTOM + 18


def chart_step(peak: Decimal) -> Decimal:
    """A round step (1, 2, 2.5 or 5 × 10ⁿ roubles) that climbs past `peak` in about
    CHART_TICKS steps."""
    rough = peak / CHART_TICKS
    power = Decimal(1)
    while power * 10 <= rough:
        power *= 10
    for factor in (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10)):
        if power * factor >= rough:
            return power * factor
    return power * 10  # pragma: no cover - the loop above always returns


def _roubles(value: Decimal) -> str:
    """A tick's label: `12 500 ₽`, whole roubles when the step is (it is round)."""
    if value != value.to_integral_value():
        return format_rub(value)
    return format_rub(value).rsplit(",", 1)[0] + " ₽"


def bar_chart(months: list[MonthFigures]) -> Chart:
    """Geometry of a grouped bar chart (revenue, cost, margin per month) with the amounts
    on its vertical axis, drawn as SVG by the template. A negative margin is drawn as an
    empty bar; the table gives the number."""
    highest = max([m.revenue for m in months] + [m.cost for m in months] + [Decimal("1")])
    step = chart_step(highest)
    top = step * (highest / step).to_integral_value(rounding=ROUND_CEILING)  # at or above
    plot = CHART_HEIGHT - CHART_TOP - CHART_BOTTOM
    baseline = CHART_HEIGHT - CHART_BOTTOM
    ticks = [
        Tick(y=round(baseline - float(step * i / top) * plot, 1), label=_roubles(step * i))
        for i in range(int(top / step) + 1)
    ]
    slot = min((CHART_WIDTH - CHART_RIGHT - CHART_LEFT) / max(len(months), 1), CHART_SLOT_MAX)
    bar = slot / 4
    out = []
    for i, m in enumerate(months):
        x0 = CHART_LEFT + i * slot + bar / 2
        bars = []
        for j, (kind, value) in enumerate(
            (("revenue", m.revenue), ("cost", m.cost), ("margin", m.margin))
        ):
            height = float(max(value, Decimal(0)) / top) * plot
            bars.append(
                Bar(
                    x=round(x0 + j * bar, 1),
                    y=round(baseline - height, 1),
                    width=round(bar - 1, 1),
                    height=round(height, 1),
                    value=value,
                    kind=kind,
                )
            )
        out.append(
            ChartMonth(
                figures=m,
                label=m.month.strftime("%m.%y"),
                label_x=round(CHART_LEFT + i * slot + slot / 2, 1),
                bars=(bars[0], bars[1], bars[2]),
            )
        )
    width = max(CHART_LEFT + len(months) * slot + CHART_RIGHT, CHART_MIN_WIDTH)
    return Chart(months=out, ticks=ticks, width=round(width, 1))
