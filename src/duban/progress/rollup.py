"""Roll-up from townships to counties to the city, and "each county" counts.

A unit that reported a figure keeps its own; a unit that did not gets the aggregate of its
children (themselves rolled up first), over the children that have a figure:
- counts, amounts and milestones: the sum of the children's values;
- rates and shares: sum of numerators / sum of denominators x 100 (never a mean of percentages);
  a child reporting only a percentage, without numerator and denominator, cannot be weighted and
  is left out;
- growth: numerator = this year's amount, denominator = last year's, so growth =
  (sum of numerators / sum of denominators - 1) x 100.
A figure given as numerator and denominator without a value has its value computed the same way.

Carry-forward: a year-to-date (cumulative) count or amount of a unit that has no figure this month is
not zero in the city's sum: its last figure of an earlier month is carried, marked as carried ("沿用4月数");
the unit itself stays 未报送 (or 待审核).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from duban.choices import Accumulation, Comparator, IndicatorKind, ScopeKind
from duban.plan.model import PERCENT_KINDS, Indicator
from duban.progress.judge import satisfies

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Figure:
    """One unit's figure for one indicator and period."""

    value: Decimal | None = None
    numerator: Decimal | None = None
    denominator: Decimal | None = None

    @property
    def reported(self) -> bool:
        return self.value is not None or self.has_ratio

    @property
    def has_ratio(self) -> bool:
        return self.numerator is not None and self.denominator is not None


@dataclass(frozen=True)
class Carried:
    """A unit's last figure of an earlier month, standing in for this month's in the city's sum."""

    unit: str
    month: int
    value: Decimal


def carries_forward(*, indicator: Indicator) -> bool:
    """Whether a missing month of the indicator is carried from the last one: year-to-date counts and amounts."""
    return (
        indicator.accumulation is Accumulation.CUMULATIVE
        and indicator.kind in (IndicatorKind.COUNT, IndicatorKind.AMOUNT)
        and indicator.scope.kind is not ScopeKind.EACH
        and not indicator.fed_by_ledger
        and not indicator.formula
    )


def last_figure(*, unit: str, by_month: Mapping[int, Figure], before: int) -> Carried | None:
    """The unit's figure of the latest month before `before` that has one, as carried."""
    months = [m for m, figure in by_month.items() if m < before and figure.value is not None]
    if not months:
        return None
    month = max(months)
    value = by_month[month].value
    assert value is not None
    return Carried(unit, month, value)


def carried_note(carried: list[Carried]) -> str:
    """大关县、盐津县未报送，沿用4月数: which units' earlier figures a city figure holds."""
    by_month: dict[int, list[str]] = {}
    for c in carried:
        by_month.setdefault(c.month, []).append(c.unit)
    parts = [f"{_named(units)}沿用{month}月数" for month, units in sorted(by_month.items(), reverse=True)]
    return "；".join(parts)


NAMED_AT_MOST = (
    10  # a province's figure may hold hundreds of townships' earlier figures: name the first, count all
)


def _named(units: list[str]) -> str:
    if len(units) <= NAMED_AT_MOST:
        return "、".join(units)
    return f"{'、'.join(units[:NAMED_AT_MOST])}等{len(units)}个单位"


def ratio_value(*, kind: IndicatorKind, numerator: Decimal, denominator: Decimal) -> Decimal | None:
    """The percentage that a numerator and denominator stand for (growth: over last year's amount)."""
    if denominator == 0:
        return None
    if kind is IndicatorKind.GROWTH:
        return (numerator / denominator - 1) * HUNDRED
    return numerator / denominator * HUNDRED


def resolved(*, kind: IndicatorKind, figure: Figure) -> Figure:
    """The figure with its value filled in from numerator and denominator when missing."""
    if figure.value is not None or not figure.has_ratio or kind not in PERCENT_KINDS:
        return figure
    assert figure.numerator is not None and figure.denominator is not None
    value = ratio_value(kind=kind, numerator=figure.numerator, denominator=figure.denominator)
    return Figure(value, figure.numerator, figure.denominator)


def aggregate(*, kind: IndicatorKind, children: list[Figure]) -> Figure:
    """The figure a parent gets from its children's figures."""
    if kind in PERCENT_KINDS:
        weighted = [f for f in children if f.has_ratio]
        if not weighted:
            return Figure()
        numerator = sum((f.numerator for f in weighted if f.numerator is not None), Decimal(0))
        denominator = sum((f.denominator for f in weighted if f.denominator is not None), Decimal(0))
        value = ratio_value(kind=kind, numerator=numerator, denominator=denominator)
        return Figure(value, numerator, denominator)
    values = [f.value for f in children if f.value is not None]
    return Figure(sum(values, Decimal(0))) if values else Figure()


def roll_up(
    *, kind: IndicatorKind, figures: Mapping[str, Figure], parent_of: Mapping[str, str | None]
) -> dict[str, Figure]:
    """Figures for every unit of `parent_of`: its own if reported, else aggregated from its children."""
    children: dict[str, list[str]] = {}
    for unit, parent in parent_of.items():
        if parent is not None:
            children.setdefault(parent, []).append(unit)
    result: dict[str, Figure] = {}

    def visit(unit: str) -> Figure:
        if unit not in result:
            own = resolved(kind=kind, figure=figures.get(unit, Figure()))
            below = [visit(child) for child in children.get(unit, [])]
            result[unit] = own if own.reported or not below else aggregate(kind=kind, children=below)
        return result[unit]

    for unit in parent_of:
        visit(unit)
    return result


@dataclass(frozen=True)
class EachCount:
    """How many units of an "each county" target have met their own target."""

    met: int
    total: int
    not_met: tuple[str, ...] = field(default=())
    not_reported: tuple[str, ...] = field(default=())


def count_each(
    *, comparator: Comparator, targets: Mapping[str, Decimal], actuals: Mapping[str, Decimal | None]
) -> EachCount:
    """Count the units meeting their own target; units without a figure are listed as not reported."""
    missing = tuple(u for u in targets if actuals.get(u) is None)
    short = tuple(
        u
        for u, target in targets.items()
        if (actual := actuals.get(u)) is not None
        and not satisfies(comparator=comparator, actual=actual, target=target)
    )
    return EachCount(len(targets) - len(missing) - len(short), len(targets), short, missing)


def each_sentence(*, count: EachCount, noun: str = "县") -> str:
    """The bulletin phrase: 11个县中已有8个完成."""
    return f"{count.total}个{noun}中已有{count.met}个完成"
