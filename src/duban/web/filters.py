"""Jinja filters for numbers and scopes as offices write them."""

from __future__ import annotations

import re
from decimal import Decimal

from markupsafe import Markup, escape

from duban.reports.text import quantity_text


def fmt_number(value: Decimal | float | int | None) -> str:
    """1240 → 1,240; 8267000000 → 82.67亿; 15000 → 15,000; None → —."""
    if value is None:
        return "—"
    number = Decimal(str(value))
    if abs(number) >= 100_000_000:
        return f"{(number / 100_000_000).quantize(Decimal('0.01')).normalize():f}亿"
    if number == number.to_integral_value():
        return f"{int(number):,}"
    return f"{number.normalize():f}"


def fmt_amount(value: Decimal | float | int | None, unit: str) -> str:
    """A figure in its display unit, as the bulletin writes it: 8267000000 元 → 82.67亿元, 36533493 元 →
    3653.35万元, 15000 人 → 1.5万人, 86.2 % → 86.2%; None → —."""
    return "—" if value is None else quantity_text(Decimal(str(value)), unit)


def fmt_plain(value: Decimal | float | int | str | None) -> str:
    """A stored number as a form field shows it, without the store's trailing zeros: 1000.000000 → 1000."""
    if value is None or value == "":
        return ""
    number = Decimal(str(value)).normalize()
    return f"{number:f}"


def scope_label(shorthand: str) -> str:
    """The scope shorthand in words: city → 全市, each:counties → 各县(市、区)分别."""
    if shorthand == "city":
        return "全市"
    if shorthand == "each:counties":
        return "各县(市、区)分别"
    if shorthand.startswith("each:"):
        return shorthand.removeprefix("each:") + " 分别"
    return shorthand.removeprefix("area:")


def fmt_pct(value: Decimal | float | None, places: int = 1) -> str:
    """87.456 → 87.5%; None → —."""
    if value is None:
        return "—"
    return f"{Decimal(str(value)):.{places}f}%"


def marked_quote(text: str | None) -> Markup:
    """The source sentence, HTML-escaped, with its **highlighted** parts in <mark>."""
    if not text:
        return Markup("")
    escaped = str(escape(text))
    return Markup(re.sub(r"\*\*(.+?)\*\*", r"<mark>\1</mark>", escaped))
