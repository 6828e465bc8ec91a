"""The same bar charts as the SVG, drawn as PNG for Word (which cannot take inline SVG everywhere)."""

from __future__ import annotations

import shutil
import subprocess
from functools import lru_cache
from io import BytesIO

from PIL import Image, ImageDraw, ImageFont

from duban.reports.charts import (
    EXPECTED_COLOUR,
    LABEL_W,
    LEGEND_X,
    NOTE_W,
    ROW_H,
    TOP,
    WIDTH,
    chart_height,
    label_baseline,
    label_lines,
    label_size,
    pattern_lines,
)  # fmt: skip
from duban.reports.model import Bar, Chart

SCALE = 2  # pixels per SVG unit: 217 dpi at the printed 150 mm width
FONT_FAMILY = "Noto Serif CJK SC"
Font = ImageFont.FreeTypeFont


@lru_cache
def cjk_font(size: int, bold: bool = False) -> Font | None:
    """A Simplified Chinese font at `size` pixels, found through fontconfig; None without one."""
    if shutil.which("fc-match") is None:
        return None
    pattern = FONT_FAMILY + (":bold" if bold else "")
    found = subprocess.run(["fc-match", "-f", "%{file}:%{index}", pattern], capture_output=True, text=True)
    path, _, index = found.stdout.rpartition(":")
    if found.returncode or not path.endswith((".ttc", ".otf", ".ttf")):
        return None
    return ImageFont.truetype(path, size, index=int(index or 0))


@lru_cache(maxsize=64)
def png(chart: Chart) -> bytes | None:
    """The chart as PNG bytes, or None when no CJK font is installed (Word then shows the tables only).

    Cached: Word and PDF of one bulletin embed the same image, drawn once.
    """
    font = cjk_font(12 * SCALE)
    if font is None:
        return None
    image = Image.new("RGB", (WIDTH * SCALE, chart_height(chart) * SCALE), "white")
    draw = ImageDraw.Draw(image)
    title = cjk_font(14 * SCALE, True) or font
    draw.text((WIDTH * SCALE / 2, 18 * SCALE), chart.title, font=title, fill="#24292f", anchor="ms")
    for row, bar in enumerate(chart.bars):
        _bar(draw, bar, TOP + row * ROW_H, chart.scale)
    _legend(draw, chart, TOP + len(chart.bars) * ROW_H + 8)
    out = BytesIO()
    image.save(out, format="PNG", compress_level=1)  # drawn per bulletin: speed over bytes
    return out.getvalue()


def _box(
    draw: ImageDraw.ImageDraw, x: float, y: float, w: float, h: float, colour: str, pattern: str = ""
) -> None:
    """A filled box with its print pattern, as the SVG draws it."""
    if w <= 0:
        return
    outline = "#24292f" if pattern in ("outline",) else None
    draw.rectangle([x * SCALE, y * SCALE, (x + w) * SCALE, (y + h) * SCALE], fill=colour, outline=outline,
                   width=2 if outline else 0)  # fmt: skip
    ink = "#ffffff" if pattern == "cross" else "#24292f"
    for a, b, c, d in pattern_lines(x, y, w, h, pattern):
        draw.line([a * SCALE, b * SCALE, c * SCALE, d * SCALE], fill=ink, width=SCALE)


def _bar(draw: ImageDraw.ImageDraw, bar: Bar, y: int, scale: float) -> None:
    small = cjk_font(11 * SCALE)
    if bar.highlight:
        draw.rectangle(
            [0, y * SCALE, WIDTH * SCALE - 1, (y + ROW_H) * SCALE], fill="#fff8c5", outline="#24292f"
        )
    lines = label_lines(bar.label)
    font = cjk_font(label_size(lines) * SCALE, bar.highlight)
    for n, line in enumerate(lines):
        baseline = label_baseline(y, n, len(lines))
        draw.text(((LABEL_W - 6) * SCALE, baseline * SCALE), line, font=font, fill="#24292f", anchor="rs")
    span, x = WIDTH - LABEL_W - NOTE_W - 10, float(LABEL_W)
    for segment in bar.segments:
        width = span * segment.value / scale
        _box(draw, x, y + 5, width, ROW_H - 10, segment.colour, segment.pattern)
        x += width
    end = x
    if bar.marker is not None:
        mx = LABEL_W + span * min(bar.marker, scale) / scale
        end = max(end, mx + 2)
        _box(draw, mx - 2, y + 1, 4, ROW_H - 2, "#ffffff")  # a white edge keeps the marker seen on a dark bar
        _box(draw, mx - 1, y + 1, 2, ROW_H - 2, EXPECTED_COLOUR)
    draw.text(
        ((end + 6) * SCALE, (y + ROW_H / 2 + 4) * SCALE), bar.note, font=small, fill="#24292f", anchor="ls"
    )


def _legend(draw: ImageDraw.ImageDraw, chart: Chart, y: int) -> None:
    small, x = cjk_font(11 * SCALE), float(LEGEND_X)
    patterns = chart.patterns or ("",) * len(chart.legend)
    for (label, colour), pattern in zip(chart.legend, patterns, strict=True):
        _box(draw, x, y + 2, 12, 12, colour, pattern)
        draw.text(((x + 16) * SCALE, (y + 13) * SCALE), label, font=small, fill="#24292f", anchor="ls")
        x += 24 + 11 * len(label)
    if chart.marker_label:
        _box(draw, x - 1, y, 2, 16, EXPECTED_COLOUR)
        draw.text(
            ((x + 6) * SCALE, (y + 13) * SCALE), chart.marker_label, font=small, fill="#24292f", anchor="ls"
        )
