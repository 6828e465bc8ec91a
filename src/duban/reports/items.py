"""The targets a bulletin speaks of: the city's standing on each indicator, or one county's."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from duban.choices import Comparator, MilestoneStage, ScopeKind, Status
from duban.plan.model import Indicator
from duban.progress.judge import Judgement
from duban.progress.rollup import EachCount, each_sentence
from duban.reports.text import quantity_text

if TYPE_CHECKING:  # the overview is read, never built, here: the PDF's process renders without the services
    from duban.services.overview import IndicatorLine, Overview, UnitLine

STAGE_WORDS = {MilestoneStage.NOT_STARTED: "尚未启动", MilestoneStage.PREPARING: "处于前期工作阶段",
               MilestoneStage.UNDERWAY: "正在实施", MilestoneStage.COMPLETED: "已建成"}  # fmt: skip
LAGGING = (Status.BEHIND, Status.FAR_BEHIND)


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
    notes: tuple[tuple[str, str], ...] = ()  # (unit, 滞后原因) of the lagging units behind this figure
    stage: MilestoneStage | None = None
    qualifier: str = ""  # the scope, when another target has the same name (赤水河流域)
    holder: str | None = None  # the county a county bulletin speaks to, standing in for the lead unit
    carried: str = ""  # 大关县沿用4月数: units whose earlier figure the city's sum holds

    @property
    def status(self) -> Status:
        return self.judgement.status

    @property
    def headline(self) -> bool:
        """力争 targets are shown but not counted."""
        return not self.indicator.aspiration

    @property
    def name(self) -> str:
        scope = f"（{self.qualifier}）" if self.qualifier else ""
        return self.indicator.name + scope + ("（力争）" if self.indicator.aspiration else "")

    @property
    def lead_unit(self) -> str:
        """The unit a table shows: “—” when the plan names none."""
        return self.named_lead or "—"

    @property
    def named_lead(self) -> str:
        """The unit the text names (empty when the plan names none: the sentence leaves it out)."""
        return self.holder or self.indicator.lead_unit or ""

    @property
    def lagging(self) -> bool:
        return self.status in (Status.BEHIND, Status.FAR_BEHIND)

    def target_text(self) -> str:
        """The target as the plan states it: 不低于1240公里, 每县(市、区)1家."""
        amount = quantity_text(self.target, self.indicator.unit, self.indicator.shown_unit)
        if self.indicator.scope.kind is ScopeKind.EACH and self.each is not None:
            return f"每县（市、区）{amount}"
        if self.indicator.comparator in (Comparator.EQUAL, Comparator.AT_LEAST):
            return amount
        return f"{self.indicator.comparator.label}{amount}"

    def value_text(self) -> str:
        if self.each is not None and self.value is not None:
            return each_sentence(count=self.each)
        if self.stage is not None and self.value is not None:
            return STAGE_WORDS[self.stage]
        amount = quantity_text(self.value, self.indicator.unit, self.indicator.shown_unit)
        return f"{amount}（含{self.carried}）" if self.carried and self.value is not None else amount


def city_items(overview: Overview) -> list[Item]:
    """Every indicator at city level."""
    twins = _shared_names(overview)
    return [_city_item(line, twins) for line in overview.indicators]


def county_items(overview: Overview, county: str) -> list[Item]:
    """Every target the county holds, judged against its own share."""
    twins = _shared_names(overview)
    return [_county_item(line, unit, twins) for line, unit in overview.county_lines(county)]


def _shared_names(overview: Overview) -> set[str]:
    names = [line.indicator.name for line in overview.indicators]
    return {name for name in names if names.count(name) > 1}


def _qualifier(line: IndicatorLine, twins: set[str]) -> str:
    if line.indicator.name not in twins:
        return ""
    scope = line.indicator.scope
    return scope.area or scope.unit or ("全市" if scope.kind is ScopeKind.CITY else "")


def _notes(units: list[UnitLine]) -> tuple[tuple[str, str], ...]:
    return tuple((u.unit, u.note.strip()) for u in units
                 if u.note and u.note.strip() and u.judgement.status in LAGGING)  # fmt: skip


def _city_item(line: IndicatorLine, twins: set[str]) -> Item:
    stage = line.stage
    return Item(line.indicator, line.area.name, line.task_title, line.area.livelihood,
                line.indicator.target, line.figure.value, line.judgement, line.each,
                _notes(line.units), stage, _qualifier(line, twins), carried=line.carried_note)  # fmt: skip


def _county_item(line: IndicatorLine, unit: UnitLine, twins: set[str]) -> Item:
    return Item(line.indicator, line.area.name, line.task_title, line.area.livelihood,
                unit.target, unit.figure.value, unit.judgement, None, _notes([unit]), unit.stage,
                _qualifier(line, twins), unit.unit)  # fmt: skip


def status_counts(items: list[Item]) -> dict[Status, int]:
    """Headline items by status, every status present."""
    counts = dict.fromkeys(Status, 0)
    for item in items:
        if item.headline:
            counts[item.status] += 1
    return counts


def lagging(items: list[Item]) -> list[Item]:
    """Items behind 序时进度, the furthest behind first."""
    behind = [i for i in items if i.lagging]
    return sorted(behind, key=lambda i: -(i.judgement.gap_pp or Decimal(0)))
