"""The bulletin's charts as horizontal bar charts, and their drawing as inline SVG.

One small model (bars of stacked segments with an end note and an optional marker) serves all three
charts, so the SVG here and the bitmap for Word draw exactly the same thing.
"""

from __future__ import annotations

from decimal import Decimal
from html import escape

from duban.choices import Status
from duban.progress.ranking import Ranking
from duban.reports.items import Item
from duban.reports.model import Bar, Chart, Segment
from duban.reports.text import percent_text, tenth

FONT = "'Noto Serif CJK SC', serif"
EXPECTED_COLOUR = "#24292f"
PROGRESS_COLOUR = "#0969da"
STATUS_ORDER = tuple(Status)
WIDTH, LABEL_W, NOTE_W, ROW_H, TOP, BOTTOM = 640, 200, 96, 24, 34, 30


def status_chart(*, counts: dict[Status, int], title: str) -> Chart:
    """How many targets stand at each status."""
    total = sum(counts.values()) or 1
    bars = tuple(Bar(s.label, (Segment(counts[s], s.colour, s.label),),
                     f"{counts[s]}项 {percent_text(tenth_share(counts[s], total))}") for s in STATUS_ORDER)  # fmt: skip
    return Chart(title, bars, float(max(counts.values(), default=0) or 1))


def county_chart(*, rankings: list[Ranking], items: dict[str, dict[Status, int]], unit: str | None) -> Chart:
    """Each county's targets by status, counties in ranking order, the score at the end."""
    bars = tuple(
        Bar(r.unit, tuple(Segment(items[r.unit][s], s.colour, s.label) for s in STATUS_ORDER if items[r.unit][s]),
            f"{tenth(r.score)}分", highlight=r.unit == unit)
        for r in rankings
    )  # fmt: skip
    scale = max((sum(c.values()) for c in items.values()), default=1) or 1
    legend = tuple((s.label, s.colour) for s in STATUS_ORDER)
    return Chart("各县（市、区）目标推进情况（按排名）", bars, float(scale), legend)


def progress_chart(*, items: list[Item], title: str) -> Chart:
    """Completion of each target against its 序时进度 marker."""
    bars = tuple(
        Bar(i.indicator.name, (Segment(float(min(i.judgement.completion_pct or 0, 150)), i.status.colour, i.status.label),),
            percent_text(i.judgement.completion_pct), float(i.judgement.expected_pct))
        for i in items
    )  # fmt: skip
    scale = max([100.0, *(b.segments[0].value for b in bars)])
    legend = tuple((s.label, s.colour) for s in STATUS_ORDER[:5])
    return Chart(title, bars, scale, legend, marker_label="序时进度")


def tenth_share(part: int, whole: int) -> Decimal | None:
    """`part` of `whole` in percent."""
    return Decimal(100) * part / whole if whole else None


def chart_height(chart: Chart) -> int:
    return TOP + ROW_H * len(chart.bars) + BOTTOM


def svg(chart: Chart) -> str:
    """The chart as a standalone inline SVG element; every text escaped."""
    height = chart_height(chart)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
             f'viewBox="0 0 {WIDTH} {height}" font-family="{escape(FONT)}" role="img">',
             f'<title>{escape(chart.title)}</title>',
             _text(WIDTH / 2, 18, chart.title, size=14, anchor="middle", weight="bold")]  # fmt: skip
    for row, bar in enumerate(chart.bars):
        parts += _bar(bar, TOP + row * ROW_H, chart.scale)
    parts += _legend(chart, TOP + len(chart.bars) * ROW_H + 8)
    parts.append("</svg>")
    return "".join(parts)


def _bar(bar: Bar, y: int, scale: float) -> list[str]:
    span = WIDTH - LABEL_W - NOTE_W - 10
    weight = "bold" if bar.highlight else "normal"
    parts = [_text(LABEL_W - 6, y + 16, clip(bar.label), anchor="end", weight=weight)]
    if bar.highlight:
        parts.insert(0, f'<rect x="0" y="{y}" width="{WIDTH}" height="{ROW_H}" fill="#fff8c5"/>')
    x = float(LABEL_W)
    for segment in bar.segments:
        w = span * segment.value / scale
        parts.append(
            f'<rect x="{x:.1f}" y="{y + 4}" width="{w:.1f}" height="{ROW_H - 8}" fill="{escape(segment.colour)}"/>'
        )
        x += w
    if bar.marker is not None:
        mx = LABEL_W + span * min(bar.marker, scale) / scale
        parts.append(
            f'<line x1="{mx:.1f}" y1="{y + 1}" x2="{mx:.1f}" y2="{y + ROW_H - 1}" stroke="{EXPECTED_COLOUR}" stroke-width="2"/>'
        )
    parts.append(_text(x + 6, y + 16, bar.note, size=11))
    return parts


def _legend(chart: Chart, y: int) -> list[str]:
    entries = list(chart.legend)
    parts, x = [], float(LABEL_W)
    for label, colour in entries:
        parts.append(f'<rect x="{x:.1f}" y="{y + 2}" width="12" height="12" fill="{escape(colour)}"/>')
        parts.append(_text(x + 16, y + 13, label, size=11))
        x += 24 + 12 * len(label)
    if chart.marker_label:
        parts.append(
            f'<line x1="{x:.1f}" y1="{y}" x2="{x:.1f}" y2="{y + 16}" stroke="{EXPECTED_COLOUR}" stroke-width="2"/>'
        )
        parts.append(_text(x + 6, y + 13, chart.marker_label, size=11))
    return parts


def clip(label: str, limit: int = 16) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _text(
    x: float, y: float, text: str, *, size: int = 12, anchor: str = "start", weight: str = "normal"
) -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
            f'font-weight="{weight}" fill="#24292f">{escape(text)}</text>')  # fmt: skip
