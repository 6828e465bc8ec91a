"""The targets a bulletin speaks of: the city's standing on each indicator, or one county's."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from duban.choices import Comparator, ScopeKind, Status
from duban.plan.model import Indicator
from duban.progress.judge import Judgement
from duban.progress.rollup import EachCount, each_sentence
from duban.reports.text import quantity_text
from duban.store.overview import IndicatorLine, Overview, UnitLine


@dataclass(frozen=True)
class Item:
    """One target with its figure and judgement, as the city or one county holds it."""

    indicator: Indicator
    area: str
    task: str
    livelihood: bool
    target: Decimal
    value: Decimal | None
    judgement: Judgement
    each: EachCount | None = None

    @property
    def status(self) -> Status:
        return self.judgement.status

    @property
    def headline(self) -> bool:
        """力争 targets are shown but not counted."""
        return not self.indicator.aspiration

    @property
    def name(self) -> str:
        return self.indicator.name + ("（力争）" if self.indicator.aspiration else "")

    @property
    def lead_unit(self) -> str:
        return self.indicator.lead_unit or "—"

    def target_text(self) -> str:
        """The target as the plan states it: 不低于1240公里, 每县(市、区)1家."""
        amount = quantity_text(self.target, self.indicator.unit)
        if self.indicator.scope.kind is ScopeKind.EACH and self.each is not None:
            return f"每县（市、区）{amount}"
        if self.indicator.comparator in (Comparator.EQUAL, Comparator.AT_LEAST):
            return amount
        return f"{self.indicator.comparator.label}{amount}"

    def value_text(self) -> str:
        if self.each is not None and self.value is not None:
            return each_sentence(count=self.each)
        return quantity_text(self.value, self.indicator.unit)


def city_items(overview: Overview) -> list[Item]:
    """Every indicator at city level."""
    return [_city_item(line) for line in overview.indicators]


def county_items(overview: Overview, county: str) -> list[Item]:
    """Every target the county holds, judged against its own share."""
    return [_county_item(line, unit) for line, unit in overview.county_lines(county)]


def _city_item(line: IndicatorLine) -> Item:
    return Item(line.indicator, line.area.name, line.task_title, line.area.livelihood,
                line.indicator.target, line.figure.value, line.judgement, line.each)  # fmt: skip


def _county_item(line: IndicatorLine, unit: UnitLine) -> Item:
    return Item(line.indicator, line.area.name, line.task_title, line.area.livelihood,
                unit.target, unit.figure.value, unit.judgement)  # fmt: skip


def status_counts(items: list[Item]) -> dict[Status, int]:
    """Headline items by status, every status present."""
    counts = dict.fromkeys(Status, 0)
    for item in items:
        if item.headline:
            counts[item.status] += 1
    return counts


def lagging(items: list[Item]) -> list[Item]:
    """Items behind 序时进度, the furthest behind first."""
    behind = [i for i in items if i.status in (Status.BEHIND, Status.FAR_BEHIND)]
    return sorted(behind, key=lambda i: -(i.judgement.gap_pp or Decimal(0)))
