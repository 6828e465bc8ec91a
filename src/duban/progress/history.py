"""Last year's figures beside this year's: the monthly pattern the forecast uses, and 同比.

Last year's year-to-date figures become twelve monthly amounts (each month's increase; a month without
a figure holds the last earlier one) for `forecast.cumulative_pattern`; without a December figure, with
a fall (a correction downwards) or with nothing done there is no pattern (the forecast stays uniform). 同比 compares a month with the same month last year: in %
of last year's figure for counts and amounts, in percentage points (个百分点) for rates, shares and growth;
none without last year's figure, against a zero base, or for "each county" counts and milestones.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from duban.choices import IndicatorKind, ScopeKind
from duban.plan.model import Indicator

_TENTH = Decimal("0.1")


def monthly_amounts(*, year_to_date: Mapping[int, Decimal]) -> list[Decimal] | None:
    """Each month's increase of a year-to-date series (months 1..12); None where it makes no pattern."""
    if year_to_date.get(12) is None:
        return None
    amounts, reached = [], Decimal(0)
    for month in range(1, 13):
        value = year_to_date.get(month)
        now = reached if value is None else value
        amounts.append(now - reached)
        reached = now
    return amounts if min(amounts) >= 0 and sum(amounts) > 0 else None


@dataclass(frozen=True)
class YearOnYear:
    """This month's figure against the same month last year."""

    now: Decimal
    before: Decimal
    change: Decimal  # % of last year's figure, or percentage points when `points`
    points: bool

    @property
    def text(self) -> str:
        """同比增长12.3% / 同比下降4% / 同比提高1.2个百分点 / 同比持平."""
        shown = abs(self.change).quantize(_TENTH, ROUND_HALF_UP)
        if not shown:
            return "同比持平"
        if self.points:
            return f"同比{'提高' if self.change > 0 else '下降'}{_plain(shown)}个百分点"
        return f"同比{'增长' if self.change > 0 else '下降'}{_plain(shown)}%"


def year_on_year(*, indicator: Indicator, now: Decimal | None, before: Decimal | None) -> YearOnYear | None:
    """同比 of `now` against last year's `before`, as the indicator's kind is compared."""
    if now is None or before is None or not _comparable(indicator):
        return None
    if indicator.is_percent:
        return YearOnYear(now, before, now - before, points=True)
    if before == 0:
        return None
    return YearOnYear(now, before, (now - before) / abs(before) * 100, points=False)


def _comparable(indicator: Indicator) -> bool:
    return indicator.scope.kind is not ScopeKind.EACH and indicator.kind is not IndicatorKind.MILESTONE


def _plain(value: Decimal) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
