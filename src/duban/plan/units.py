"""Display units: the unit an indicator's figures are shown and entered in (亿元, 万元, 万人) beside the
unit they are stored in (元, 人). Conversions are exact (Decimal); only the text is rounded."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

MAGNITUDES = {"万": Decimal(10_000), "亿": Decimal(100_000_000)}
UNSCALED = frozenset({"%", "百分点", ":1"})  # written as they are, never in 万 or 亿
SIGNIFICANT = 3  # digits a small figure keeps: 437 公里 in 万公里 is 0.0437, not 0.04
PLACES = (
    2,
    6,
)  # decimals written: at least two places are kept when the digits are there, never more than six


def display_units(unit: str) -> list[str]:
    """The units a figure stored in `unit` may be shown in: 元 → 元, 万元, 亿元; % → %."""
    return [unit] if unit in UNSCALED else [unit, *(f"{word}{unit}" for word in MAGNITUDES)]


def display_scale(*, unit: str, display_unit: str) -> Decimal:
    """Stored units in one display unit: 万元 over 元 → 10000; ValueError for a unit that does not fit."""
    if display_unit == unit:
        return Decimal(1)
    if display_unit in display_units(unit):
        return MAGNITUDES[display_unit[0]]
    choices = "、".join(display_units(unit))
    raise ValueError(f"显示单位“{display_unit}”与计量单位“{unit}”不相符，应为{choices}之一")


def default_display_unit(*, unit: str, target: Decimal) -> str:
    """The unit a document would write the target in: 4000000000 元 → 亿元, 15000 人 → 万人, 1240 公里 → 公里."""
    if unit in UNSCALED:
        return unit
    for word, size in sorted(MAGNITUDES.items(), key=lambda item: -item[1]):
        if abs(target) >= size:
            return f"{word}{unit}"
    return unit


def shown_unit(*, unit: str, display_unit: str | None, target: Decimal) -> str:
    """The unit figures are shown in: the chosen display unit, else the one the target fits (4e9 元 → 亿元)."""
    return display_unit or default_display_unit(unit=unit, target=target)


def to_display(value: Decimal, *, unit: str, display_unit: str) -> Decimal:
    """A stored figure in the display unit, exactly: 36533493 元 → 3653.3493 万元."""
    return value / display_scale(unit=unit, display_unit=display_unit)


def from_display(value: Decimal, *, unit: str, display_unit: str) -> Decimal:
    """A figure entered in the display unit, in the stored unit, exactly: 3653.3493 万元 → 36533493 元."""
    return value * display_scale(unit=unit, display_unit=display_unit)


def display_number(value: Decimal, *, unit: str, display_unit: str) -> str:
    """The number as a table shows it, rounded as `rounded_number` does: 36533493 元 in 亿元 → 0.365."""
    return rounded_number(to_display(value, unit=unit, display_unit=display_unit))


def rounded_number(value: Decimal) -> str:
    """A figure rounded for reading: two decimals, or three significant digits when that needs more (up to six
    places), without trailing zeros: 82.666 → 82.67, 0.0437 → 0.0437, 1000.000000 → 1000, -0.0000001 → 0."""
    low, high = PLACES
    places = min(high, max(low, SIGNIFICANT - 1 - value.adjusted())) if value else low
    text = exact_number(value.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP))
    return "0" if text == "-0" else text


def display_text(value: Decimal, *, unit: str, display_unit: str) -> str:
    """The figure with its display unit: 8267000000 元 in 亿元 → 82.67亿元; 2.363 in :1 → 2.36:1."""
    return f"{display_number(value, unit=unit, display_unit=display_unit)}{display_unit}"


def exact_number(value: Decimal) -> str:
    """A number without exponent or trailing zeros, as a form field or a cell holds it: 3653.3493, 1000."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def written_display_unit(*, number: str, unit: str) -> str | None:
    """The display unit a document writes a target in: '40亿元' → 亿元, '1200万千瓦' → 万千瓦, '15000人' → 人."""
    if unit in UNSCALED:
        return None
    written = sorted(display_units(unit), key=len, reverse=True)  # 万千瓦 before 千瓦
    return next((u for u in written if number.strip().endswith(u)), None)
