"""Jinja filters for numbers and scopes as offices write them."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Protocol

from markupsafe import Markup, escape

from duban.plan.levels import Level
from duban.plan.model import Indicator
from duban.plan.units import display_scale, exact_number, rounded_number, shown_unit, to_display
from duban.reports.text import quantity_text

YI = Decimal(100_000_000)


def fmt_number(value: Decimal | float | int | None) -> str:
    """1240 → 1,240; 8267000000 → 82.67亿; 15000 → 15,000; 826.456 → 826.46; None → —; rounded by the one
    rule (`units.rounded_number`)."""
    if value is None:
        return "—"
    number = Decimal(str(value))
    if abs(number) >= YI:
        return f"{rounded_number(number / YI)}亿"
    return grouped(number)


def grouped(number: Decimal) -> str:
    """The number rounded by the one rule, its whole part in thousands: 47700.5 → 47,700.5."""
    text = rounded_number(number)
    sign, digits = ("-", text[1:]) if text.startswith("-") else ("", text)
    whole, dot, places = digits.partition(".")
    return f"{sign}{int(whole):,}{dot}{places}"


class Measured(Protocol):
    """An indicator as the plan or the store holds it: what its figures are stored in and shown in."""

    @property
    def unit(self) -> str: ...
    @property
    def display_unit(self) -> str | None: ...
    @property
    def target(self) -> Decimal: ...


def fmt_amount(value: Decimal | float | int | None, measure: Measured | str) -> str:
    """A figure of an indicator (the plan's or the store's) in its display unit (8267000000 元 in 亿元 → 82.67亿元,
    36533493 元 → 0.365亿元); of a bare unit as the bulletin writes it (36533493 元 → 3653.35万元); None → —."""
    if value is None:
        return "—"
    if isinstance(measure, str):
        return quantity_text(Decimal(str(value)), measure)
    shown = shown_unit(
        unit=measure.unit, display_unit=measure.display_unit, target=Decimal(str(measure.target))
    )
    return quantity_text(Decimal(str(value)), measure.unit, shown)


def fmt_plain(value: Decimal | float | int | str | None) -> str:
    """A stored number as a form field shows it, without the store's trailing zeros: 1000.000000 → 1000."""
    if value is None or value == "":
        return ""
    return exact_number(Decimal(str(value)))


def fmt_entry(value: Decimal | float | int | str | None, indicator: Indicator) -> str:
    """A stored figure as a form field holds it in the indicator's display unit, exactly: 36533493 元 → 3653.3493
    (万元)."""
    if value is None or value == "":
        return ""
    return exact_number(
        to_display(Decimal(str(value)), unit=indicator.unit, display_unit=indicator.shown_unit)
    )


def unit_size(display_unit: str, unit: str) -> str:
    """How many stored units one display unit holds, for the conversion a form or template shows: 万元, 元 → 10000."""
    return exact_number(display_scale(unit=unit, display_unit=display_unit))


def scope_label(shorthand: str, level: Level) -> str:
    """The scope shorthand in the plan's words: city → 全市 (a province's 全省), each:counties → 各县（市、区）分别
    (a province's 各市（州）分别)."""
    if shorthand == "city":
        return level.whole
    if shorthand == "each:counties":
        return f"各{level.regions}分别"
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
