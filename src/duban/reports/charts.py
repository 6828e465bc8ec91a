"""The bulletin's charts as horizontal bar charts, and their drawing as inline SVG.

One small model (bars of stacked segments with an end note and an optional marker) serves all three
charts, so the SVG here and the bitmap for Word draw exactly the same thing. Bulletins are printed and
copied in black and white: each status has its own lightness step, and the two that share one (已完成
dark green, 严重滞后 dark red) differ by a pattern, as 滞后 (hatched) does from 正常 (plain).
Labels are wrapped onto two lines, never cut; the end note sits clear of the 序时进度 marker.
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
WIDTH, LABEL_W, NOTE_W, ROW_H, TOP, BOTTOM = 640, 200, 96, 30, 34, 30
LEGEND_X = 60  # the legend starts left of the bars so that seven statuses fit on one line
LABEL_CHARS = 14  # characters of 12 px type a label line holds in LABEL_W
# (fill, pattern) per status, lightness stepped for grey print: luma 67 122 194 178 75 255 171
PRINT_STYLE = {Status.DONE: ("#1b5e20", ""), Status.AHEAD: ("#43a047", ""), Status.ON_TRACK: ("#a5d6a7", ""),
               Status.BEHIND: ("#f9a825", "hatch"), Status.FAR_BEHIND: ("#b71c1c", "cross"),
               Status.NOT_REPORTED: ("#ffffff", "outline"), Status.PENDING: ("#ce93d8", "back")}  # fmt: skip


def segment(status: Status, value: float) -> Segment:
    """A bar segment in the status's print style."""
    colour, pattern = PRINT_STYLE[status]
    return Segment(value, colour, status.label, pattern)


def legend_of(statuses: tuple[Status, ...]) -> dict[str, tuple[tuple[str, str], ...] | tuple[str, ...]]:
    return {"legend": tuple((s.label, PRINT_STYLE[s][0]) for s in statuses),
            "patterns": tuple(PRINT_STYLE[s][1] for s in statuses)}  # fmt: skip


def status_chart(*, counts: dict[Status, int], title: str) -> Chart:
    """How many targets stand at each status."""
    total = sum(counts.values()) or 1
    bars = tuple(Bar(s.label, (segment(s, counts[s]),),
                     f"{counts[s]}项 {percent_text(tenth_share(counts[s], total))}") for s in STATUS_ORDER)  # fmt: skip
    return Chart(title, bars, float(max(counts.values(), default=0) or 1))


def county_chart(
    *, rankings: list[Ranking], items: dict[str, dict[Status, int]], unit: str | None, title: str
) -> Chart:
    """Each county's targets by status, counties in ranking order, the score at the end."""
    bars = tuple(
        Bar(r.unit, tuple(segment(s, items[r.unit][s]) for s in STATUS_ORDER if items[r.unit][s]),
            f"{tenth(r.score)}分", highlight=r.unit == unit)
        for r in rankings
    )  # fmt: skip
    scale = max((sum(c.values()) for c in items.values()), default=1) or 1
    return Chart(title, bars, float(scale), **legend_of(STATUS_ORDER))  # type: ignore[arg-type]


def progress_chart(*, items: list[Item], title: str) -> Chart:
    """Completion of each target against its 序时进度 marker."""
    bars = tuple(
        Bar(i.name, (segment(i.status, float(min(i.judgement.completion_pct or 0, 150))),),
            percent_text(i.judgement.completion_pct), float(i.judgement.expected_pct))
        for i in items
    )  # fmt: skip
    scale = max([100.0, *(b.segments[0].value for b in bars)])
    return Chart(title, bars, scale, marker_label="序时进度", **legend_of(STATUS_ORDER[:5]))  # type: ignore[arg-type]


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
    lines = label_lines(bar.label)
    parts = [_text(LABEL_W - 6, label_baseline(y, n, len(lines)), line, anchor="end", weight=weight, size=label_size(lines))
             for n, line in enumerate(lines)]  # fmt: skip
    if bar.highlight:
        parts.insert(
            0,
            f'<rect x="0" y="{y}" width="{WIDTH}" height="{ROW_H}" fill="#fff8c5" stroke="#24292f" stroke-width="0.5"/>',
        )
    x = float(LABEL_W)
    for part in bar.segments:
        w = span * part.value / scale
        parts += _swatch(x, y + 5, w, ROW_H - 10, part.colour, part.pattern)
        x += w
    end = x
    if bar.marker is not None:
        mx = LABEL_W + span * min(bar.marker, scale) / scale
        end = max(end, mx + 2)
        parts += [f'<line x1="{mx:.1f}" y1="{y + 1}" x2="{mx:.1f}" y2="{y + ROW_H - 1}" stroke="{ink}" stroke-width="{width}"/>'
                  for ink, width in (("#ffffff", 4), (EXPECTED_COLOUR, 2))]  # fmt: skip
    parts.append(_text(end + 6, y + ROW_H / 2 + 4, bar.note, size=11))
    return parts


def label_lines(label: str) -> list[str]:
    """A bar label on one line, or two when long; never cut."""
    if len(label) <= LABEL_CHARS:
        return [label]
    half = (len(label) + 1) // 2
    return [label[:half], label[half:]]


def label_size(lines: list[str]) -> int:
    """12 px, smaller when a line of a two-line label is longer than LABEL_CHARS."""
    longest = max(len(line) for line in lines)
    return 12 if longest <= LABEL_CHARS else max(8, 12 * LABEL_CHARS // longest)


def label_baseline(y: float, line: int, lines: int) -> float:
    return y + ROW_H / 2 + 4 if lines == 1 else y + 13 + 12 * line


def pattern_lines(
    x: float, y: float, w: float, h: float, pattern: str
) -> list[tuple[float, float, float, float]]:
    """The strokes a pattern draws over a box, clipped to it: hatch /, back \\, cross both."""
    strokes: list[tuple[float, float, float, float]] = []
    if pattern not in ("hatch", "back", "cross") or w <= 0:
        return strokes
    step = 5.0
    start = -h
    while start < w:
        x0, x1 = max(start, 0.0), min(start + h, w)
        if x1 > x0:
            if pattern != "back":
                strokes.append((x + x0, y + h - (x0 - start), x + x1, y + h - (x1 - start)))
            if pattern in ("back", "cross"):
                strokes.append((x + x0, y + (x0 - start), x + x1, y + (x1 - start)))
        start += step
    return strokes


def _swatch(x: float, y: float, w: float, h: float, colour: str, pattern: str) -> list[str]:
    if w <= 0:
        return []
    stroke = ' stroke="#24292f" stroke-width="0.8"' if pattern == "outline" else ""
    parts = [
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="{escape(colour)}"{stroke}/>'
    ]
    ink = "#ffffff" if pattern == "cross" else "#24292f"
    parts += [f'<line x1="{a:.1f}" y1="{b:.1f}" x2="{c:.1f}" y2="{d:.1f}" stroke="{ink}" stroke-width="1"/>'
              for a, b, c, d in pattern_lines(x, y, w, h, pattern)]  # fmt: skip
    return parts


def _legend(chart: Chart, y: int) -> list[str]:
    patterns = chart.patterns or ("",) * len(chart.legend)
    parts, x = [], float(LEGEND_X)
    for (label, colour), pattern in zip(chart.legend, patterns, strict=True):
        parts += _swatch(x, y + 2, 12, 12, colour, pattern)
        parts.append(_text(x + 16, y + 13, label, size=11))
        x += 24 + 11 * len(label)
    if chart.marker_label:
        parts.append(
            f'<line x1="{x:.1f}" y1="{y}" x2="{x:.1f}" y2="{y + 16}" stroke="{EXPECTED_COLOUR}" stroke-width="2"/>'
        )
        parts.append(_text(x + 6, y + 13, chart.marker_label, size=11))
    return parts


def _text(
    x: float, y: float, text: str, *, size: int = 12, anchor: str = "start", weight: str = "normal"
) -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
            f'font-weight="{weight}" fill="#24292f">{escape(text)}</text>')  # fmt: skip
