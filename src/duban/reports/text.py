"""How figures are written in a bulletin: dates, periods, percentages, quantities, Chinese ordinals."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from duban.plan.units import display_text
from duban.progress.forecast import format_quantity

TENTH = Decimal("0.1")
ORDINALS = "一二三四五六七八九十"


def tenth(value: Decimal | None) -> Decimal | None:
    """A percentage rounded to one decimal, as tables show it."""
    return None if value is None else value.quantize(TENTH, ROUND_HALF_UP)


def percent_text(value: Decimal | None) -> str:
    """86.7%, and 100% rather than 100.0%."""
    if value is None:
        return "—"
    text = str(tenth(value))
    return f"{text.removesuffix('.0')}%"


def share_text(part: int, whole: int) -> str:
    """A count's share of a whole, as a percentage: 占86.7%."""
    return percent_text(Decimal(100) * part / whole) if whole else "—"


def quoted(text: str) -> str:
    """“text”, quotation marks inside it turned to single ones and brackets to full width: “每县（市、区）…”."""
    inner = text.replace("“", "‘").replace("”", "’").replace('"', "").replace("(", "（").replace(")", "）")
    return f"“{inner}”"


def series(parts: Iterable[str]) -> str:
    """Parts of a list joined by 、, left out between two quoted ones (GB/T 15834: “甲”“乙”, but “甲”（…）、“乙”)."""
    text = ""
    for part in parts:
        text += "" if not text or (text.endswith("”") and part.startswith("“")) else "、"
        text += part
    return text


def points_text(gap: Decimal | None) -> str:
    """Distance from 序时进度 in words: 低于序时进度8.3个百分点."""
    if gap is None:
        return "无法比较序时进度"
    rounded = tenth(abs(gap))
    if not rounded:
        return "与序时进度持平"
    return f"{'低于' if gap > 0 else '超'}序时进度{str(rounded).removesuffix('.0')}个百分点"


def quantity_text(value: Decimal | None, unit: str, display_unit: str | None = None) -> str:
    """A figure with its unit: in `display_unit` when given (0.365亿元), else large counts in 万 and 亿 as
    documents write them (15000个 → 1.5万个)."""
    if value is None:
        return "未报送"
    if display_unit:
        return display_text(value, unit=unit, display_unit=display_unit)
    if unit not in ("元", "%", "百分点") and abs(value) >= 10_000:
        scale, word = (Decimal(100_000_000), "亿") if abs(value) >= 100_000_000 else (Decimal(10_000), "万")
        return format_quantity(value=value / scale, unit=f"{word}{unit}")
    return format_quantity(value=value, unit=unit)


def period_text(month: int) -> str:
    """The months a bulletin covers: 1月, 1—10月."""
    return "1月" if month == 1 else f"1—{month}月"


def date_text(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def ordinal(index: int) -> str:
    """一 .. 十 for headings; larger numbers in digits."""
    return ORDINALS[index - 1] if 1 <= index <= len(ORDINALS) else str(index)


def short_title(title: str) -> str:
    """The first clause of a long task or area title: 推行“以工代赈”模式."""
    for mark in ("\uff0c", ",", " "):  # full-width comma first
        if mark in title:
            return title.split(mark)[0]
    return title


def score_text(score: Decimal) -> str:
    """A ranking score as the text prints it: 95.5, and 100 rather than 100.0."""
    return str(tenth(score)).removesuffix(".0")


TITLE_WIDTH = 20  # characters of 2号 (22 pt) type across the 156 mm type area


def text_width(text: str) -> float:
    """Width in full-width characters: digits and Latin letters take half."""
    return sum(0.5 if ord(c) < 0x2E80 and c not in "—" else 1 for c in text)


def title_lines(*, words: list[str], width: int = TITLE_WIDTH) -> list[str]:
    """A title broken between words into lines that fit, as even as can be, the upper line the shorter when even."""
    if text_width("".join(words)) <= width:
        return ["".join(words)]
    splits = [("".join(words[:n]), "".join(words[n:])) for n in range(1, len(words))]
    fitting = [s for s in splits if max(text_width(s[0]), text_width(s[1])) <= width]
    if not fitting:
        return title_lines(words=words[:1], width=width) + title_lines(words=words[1:], width=width)
    best = min(
        fitting,
        key=lambda s: abs(text_width(s[0]) - text_width(s[1])) + (text_width(s[0]) > text_width(s[1])),
    )
    return list(best)
