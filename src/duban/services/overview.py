"""Where the plan stands in one period: the read model behind the dashboard and the 督查通报.

For every indicator: each reporting unit's figure and judgement, the city figure rolled up from
them (sums, or summed numerators over summed denominators), the city judgement, the "each county"
count, the year-to-date series and the year-end forecast; then rankings, area summaries and 报送情况.
Only approved (official) figures count unless `include_submitted` asks for submitted ones too.
A city figure summed from several units carries forward the last year-to-date figure of a unit without
one this month (`rollup.carries_forward`), unless the office turned `carry_forward` off; the unit stays 未报送.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Generic, Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from duban.choices import Accumulation, EntryState, MilestoneStage, OrgKind, ReportState, ScopeKind, Status
from duban.months import month_end
from duban.persistence.models import EntryRow, IndicatorRow, OrgUnitRow, PeriodRow, PlanRow
from duban.persistence.readcache import within_transaction
from duban.plan.assignments import asked_of_units, city_name, has_task, reporting_units, unit_target
from duban.plan.model import Area, Indicator, Plan
from duban.progress.forecast import Forecast, forecast, forecast_sentence
from duban.progress.history import YearOnYear, year_on_year
from duban.progress.judge import GOOD_STATUSES, Judgement, judge
from duban.progress.ranking import AreaSummary, Ranking, ScoredItem, rank_units, summarise_areas
from duban.progress.rollup import (
    Carried,
    EachCount,
    Figure,
    aggregate,
    carried_note,
    carries_forward,
    count_each,
    last_figure,
    resolved,
)
from duban.services.history import LastYear, last_year
from duban.services.office import Basis, period_note
from duban.services.plans import plan_from_store
from duban.services.projects import ledger_feeds_on
from duban.services.revisions import TargetChange, changes_through, revised_plan, targets_in_force


@dataclass(frozen=True)
class UnitLine:
    """One reporting unit's standing on one indicator."""

    unit: str
    target: Decimal
    figure: Figure
    judgement: Judgement
    state: EntryState | None
    stage: MilestoneStage | None = None
    note: str | None = None  # the reporter's 备注, where a lagging figure's 滞后原因 is written
    carried: Carried | None = (
        None  # its last earlier figure, counted in the city's sum in place of this month's
    )
    year_on_year: YearOnYear | None = None  # 同比: against its own figure of the same month last year

    @property
    def report(self) -> ReportState:
        """未报送, 待审核, 已退回 or 已审核."""
        return ReportState.of(self.state)


@dataclass
class IndicatorLine:
    """One indicator: the city's standing, the units' standings, the series and the outlook."""

    indicator: Indicator
    area: Area
    task_title: str
    figure: Figure
    judgement: Judgement
    units: list[UnitLine]
    each: EachCount | None = None
    series: list[tuple[int, Decimal]] = field(default_factory=list)
    forecast: Forecast | None = None
    outlook: str = ""
    row_id: int = 0
    carried: list[Carried] = field(default_factory=list)  # in the plan's order of units
    last_year: list[tuple[int, Decimal]] = field(default_factory=list)  # the city's figures last year
    year_on_year: YearOnYear | None = None  # 同比: the city's figure against the same month last year

    @property
    def stage(self) -> MilestoneStage | None:
        """The stage a one-unit milestone stands at (实施中), which its figure stands for; else None."""
        return self.units[0].stage if len(self.units) == 1 else None

    @property
    def lagging(self) -> bool:
        return self.judgement.status in (Status.BEHIND, Status.FAR_BEHIND)

    @property
    def carried_note(self) -> str:
        """大关县沿用4月数: said next to the city figure wherever it is shown; empty when nothing is carried."""
        return carried_note(self.carried)


@dataclass(frozen=True)
class ReportingLine:
    """报送情况 of one unit for the period."""

    unit: str
    kind: OrgKind
    expected: int
    submitted: int
    approved: int
    returned: int
    missing: int
    late: bool

    @property
    def pending(self) -> int:
        """待审核: submitted, not yet reviewed."""
        return self.submitted - self.approved


class CityStanding(Protocol):
    """What the headline counts need of an indicator's line: the indicator and its city judgement."""

    @property
    def indicator(self) -> Indicator: ...
    @property
    def judgement(self) -> Judgement: ...
    @property
    def lagging(self) -> bool: ...


LineT = TypeVar("LineT", bound=CityStanding)


class Headlines(Generic[LineT]):
    """Headline figures over `indicators`, shared by the overview and the dashboard summary."""

    indicators: Sequence[LineT]
    on: date
    basis: Basis
    current: int

    @property
    def note(self) -> str:
        """数据截至…，以审核通过的数据为准 (or the basis the office chose)."""
        return period_note(year=self.on.year, month=self.on.month, basis=self.basis)

    def status_counts(self, *, include_aspirations: bool = False) -> dict[Status, int]:
        """Headline counts of indicators by city status (力争 targets left out unless asked)."""
        counts = dict.fromkeys(Status, 0)
        for line in self.indicators:
            if include_aspirations or not line.indicator.aspiration:
                counts[line.judgement.status] += 1
        return counts

    def lagging(self) -> list[LineT]:
        """Indicators behind 序时进度, the furthest behind first."""
        behind = [line for line in self.indicators if line.lagging]
        return sorted(behind, key=lambda line: -(line.judgement.gap_pp or Decimal(0)))


@dataclass
class Overview(Headlines[IndicatorLine]):
    """The plan in one period."""

    plan: Plan
    plan_id: int
    month: int
    on: date
    indicators: list[IndicatorLine]
    rankings: list[Ranking]
    areas: list[AreaSummary]
    reporting: list[ReportingLine]
    revisions: list[TargetChange] = field(default_factory=list)
    basis: Basis = field(default_factory=Basis)
    current: int = 0  # the 当前报送期, for saying whether this month is it

    def livelihood(self) -> list[IndicatorLine]:
        return [line for line in self.indicators if line.area.livelihood]

    def county_lines(self, county: str) -> list[tuple[IndicatorLine, UnitLine]]:
        """Every target a county holds, with its standing."""
        return [(line, u) for line in self.indicators for u in line.units if u.unit == county]

    def no_task(self, county: str) -> list[Indicator]:
        """Indicators broken down to the county with a share of 0: 无此项任务, left out of its figures."""
        return [line.indicator for line in self.indicators if line.indicator.breakdown
                and county in line.indicator.breakdown.targets
                and not has_task(indicator=line.indicator, unit=county)]  # fmt: skip


def period_end(*, year: int, month: int) -> date:
    return month_end(year, month)


def period_overview(
    *,
    session: Session,
    plan_row: PlanRow,
    month: int,
    basis: Basis | None = None,
    today: date | None = None,
) -> Overview:
    """Judge every indicator and unit of the plan at the end of `month`, against the targets then in force."""
    basis = basis or Basis()
    plan = plan_from_store(session=session, plan_row=plan_row, month=month)
    plan = revised_plan(
        plan=plan, targets=targets_in_force(session=session, plan_id=plan_row.id, month=month)
    )
    on = period_end(year=plan.year, month=month)
    entries = _entries_by_month(session, plan_row.id, month)
    ids = {
        r.code: r.id for r in session.scalars(select(IndicatorRow).where(IndicatorRow.plan_id == plan_row.id))
    }
    fed = _ledger_feeds(session, plan_row.id, plan, month)
    history = last_year(session=session, plan_row=plan_row)
    lines = []
    for area in plan.areas:
        for task in area.tasks:
            for ind in task.indicators:
                by_unit = fed[ind.id] if ind.id in fed else entries[ids[ind.id]]
                line = _indicator_line(plan, area, task.title, ind, by_unit, month, on, basis)
                line.row_id = ids[ind.id]
                _add_history(line=line, history=history, month=month)
                _add_forecast(line, plan.year, history.monthly(code=ind.id))
                lines.append(line)
    items = _scored_items(lines, plan)
    kinds = {u.name: u.kind for u in plan.units}
    reporting = _reporting(session, plan_row, plan, month, entries, ids, kinds, today or date.today())
    return Overview(
        plan=plan, plan_id=plan_row.id, month=month, on=on, indicators=lines,
        rankings=rank_units(items=items), areas=summarise_areas(items=_area_items(lines)), reporting=reporting,
        revisions=changes_through(session=session, plan_id=plan_row.id, year=plan.year, month=month),
        basis=basis,
    )  # fmt: skip


_Entries = dict[int, dict[str, dict[int, EntryRow]]]  # indicator id → unit → month → entry


@dataclass(frozen=True)
class LedgerFigure:
    """A figure the project ledger computes; stands in for an approved entry."""

    value: Decimal
    state: str = EntryState.APPROVED.value


_ByUnit = Mapping[str, Mapping[int, "EntryRow | LedgerFigure"]]


def _ledger_feeds(
    session: Session, plan_id: int, plan: Plan, month: int
) -> dict[str, dict[str, dict[int, LedgerFigure]]]:
    """Indicator code → unit → month → figure, for indicators whose `feed:` names a ledger figure."""
    if not any(ind.fed_by_ledger for ind in plan.indicators()):
        return {}
    ends = {period_end(year=plan.year, month=m): m for m in range(1, month + 1)}
    found: dict[str, dict[str, dict[int, LedgerFigure]]] = defaultdict(lambda: defaultdict(dict))
    for on, feeds in ledger_feeds_on(session=session, plan_id=plan_id, dates=list(ends)).items():
        for code, values in feeds.items():
            for unit, value in values.items():
                found[code][unit][ends[on]] = LedgerFigure(value)
    return found


def _entries_by_month(session: Session, plan_id: int, month: int) -> _Entries:
    """Indicator id → unit → month → entry, for months up to `month` (a bulletin reads the year once for two months)."""
    year = within_transaction(session=session, key=("entries by month", plan_id),
                              compute=lambda: _read_entries(session, plan_id))  # fmt: skip
    found: _Entries = defaultdict(lambda: defaultdict(dict))
    for indicator, units in year.items():
        for unit, months in units.items():
            found[indicator][unit] = {m: entry for m, entry in months.items() if m <= month}
    return found


def _read_entries(session: Session, plan_id: int) -> _Entries:
    query = (
        select(EntryRow, OrgUnitRow.name, PeriodRow.month)
        .join(OrgUnitRow, EntryRow.unit_id == OrgUnitRow.id)
        .join(PeriodRow, EntryRow.period_id == PeriodRow.id)
        .where(PeriodRow.plan_id == plan_id)
    )
    found: _Entries = defaultdict(lambda: defaultdict(dict))
    for entry, unit, entry_month in session.execute(query):
        found[entry.indicator_id][unit][entry_month] = entry
    return found


def _figure_of(
    entry: EntryRow | LedgerFigure | None, include_submitted: bool
) -> tuple[Figure, MilestoneStage | None]:
    """The figure an entry counts for: official, or the submitted one when asked."""
    if entry is None:
        return Figure(), None
    if isinstance(entry, LedgerFigure):
        return Figure(entry.value), None
    if include_submitted and entry.state == EntryState.SUBMITTED:
        stage = entry.stage
        return Figure(entry.value, entry.numerator, entry.denominator), MilestoneStage(
            stage
        ) if stage else None
    stage = entry.official_stage
    figure = Figure(entry.official_value, entry.official_numerator, entry.official_denominator)
    return figure, MilestoneStage(stage) if stage else None


def _indicator_line(
    plan: Plan, area: Area, task_title: str, ind: Indicator, by_unit: _ByUnit,
    month: int, on: date, basis: Basis,
) -> IndicatorLine:  # fmt: skip
    judge_at = {"on": on, "year": plan.year, "thresholds": plan.thresholds}
    include_submitted = basis.include_submitted
    reporting = reporting_units(indicator=ind, plan=plan)
    carry = basis.carry_forward and len(reporting) > 1 and carries_forward(indicator=ind)
    units = []
    for unit in reporting:
        entry = by_unit.get(unit, {}).get(month)
        figure, stage = _figure_of(entry, include_submitted)
        figure = resolved(kind=ind.kind, figure=figure)
        target = unit_target(indicator=ind, unit=unit)
        judgement = judge(indicator=ind, target=target, actual=figure.value, stage=stage, **judge_at)  # type: ignore[arg-type]
        judgement = _judged_unit(judgement, entry)
        state = EntryState(entry.state) if entry else None
        note = entry.note if isinstance(entry, EntryRow) else None
        earlier = _unit_figures(by_unit.get(unit, {}), include_submitted)
        carried = (
            last_figure(unit=unit, by_month=earlier, before=month) if carry and not figure.reported else None
        )
        units.append(UnitLine(unit, target, figure, judgement, state, stage, note, carried))
    units = _levels_rolled_up(plan, ind, units, judge_at)
    figure, judgement, each = _city_standing(plan, ind, _tops(plan, units), judge_at)
    by_month = {u.unit: _unit_figures(by_unit.get(u.unit, {}), include_submitted) for u in units}
    series = _city_series(ind, by_month, month, carry)
    line = IndicatorLine(ind, area, task_title, figure, judgement, units, each, series)
    order = {u.name: n for n, u in enumerate(plan.units)}
    line.carried = sorted(
        (u.carried for u in units if u.carried), key=lambda c: order.get(c.unit, len(order))
    )
    return line


def _judged_unit(judgement: Judgement, entry: EntryRow | LedgerFigure | None) -> Judgement:
    """A unit whose only figure awaits review is 待审核, never 未报送 (it is judged once approved)."""
    if judgement.status is Status.NOT_REPORTED and entry is not None and entry.state == EntryState.SUBMITTED:
        return dataclasses.replace(judgement, status=Status.PENDING)
    return judgement


def _city_standing(
    plan: Plan, ind: Indicator, units: list[UnitLine], judge_at: dict[str, object]
) -> tuple[Figure, Judgement, EachCount | None]:
    if ind.scope.kind is ScopeKind.EACH:
        each = count_each(comparator=ind.comparator, targets={u.unit: u.target for u in units},
                          actuals={u.unit: u.figure.value for u in units})  # fmt: skip
        count_ind = ind.model_copy(update={"accumulation": Accumulation.CUMULATIVE})
        reported = any(u.figure.reported for u in units)
        actual = Decimal(each.met) if reported else None
        judgement = judge(indicator=count_ind, target=Decimal(each.total), actual=actual, **judge_at)  # type: ignore[arg-type]
        return Figure(actual), judgement, each
    if len(units) == 1:
        only = units[0]
        return only.figure, only.judgement, None
    figure = _rolled(ind, [u.figure if u.carried is None else Figure(u.carried.value) for u in units])
    judgement = judge(indicator=ind, target=ind.target, actual=figure.value, **judge_at)  # type: ignore[arg-type]
    return figure, judgement, None


def _levels_rolled_up(
    plan: Plan, ind: Indicator, units: list[UnitLine], judge_at: dict[str, object]
) -> list[UnitLine]:
    """A target broken down level by level (province → cities → counties): a unit above other lines that
    has no figure of its own stands at its children's roll-up, deepest first."""
    parents = {u.name: u.parent for u in plan.units}
    lines = {u.unit: u for u in units}
    for unit in sorted(lines, key=lambda name: -_depth(parents, name)):
        children = [c for c in lines.values() if parents.get(c.unit) == unit]
        if children and not lines[unit].figure.reported:
            figure = _rolled(
                ind, [c.figure if c.carried is None else Figure(c.carried.value) for c in children]
            )
            target = lines[unit].target
            judgement = judge(indicator=ind, target=target, actual=figure.value, **judge_at)  # type: ignore[arg-type]
            lines[unit] = dataclasses.replace(lines[unit], figure=figure, judgement=judgement)
    return [lines[u.unit] for u in units]


def _tops(plan: Plan, units: list[UnitLine]) -> list[UnitLine]:
    """The lines no other line is above: what the plan's own figure sums."""
    parents, named = {u.name: u.parent for u in plan.units}, {u.unit for u in units}
    return [u for u in units if not _ancestors(parents, u.unit) & named]


def _ancestors(parents: Mapping[str, str | None], unit: str) -> set[str]:
    found: set[str] = set()
    while (parent := parents.get(unit)) and parent not in found:
        found.add(parent)
        unit = parent
    return found


def _depth(parents: Mapping[str, str | None], unit: str) -> int:
    return len(_ancestors(parents, unit))


def _rolled(ind: Indicator, figures: list[Figure]) -> Figure:
    """The city figure from unit figures; missing units simply add nothing."""
    return aggregate(kind=ind.kind, children=[f for f in figures if f.reported])


def _unit_figures(
    entries: Mapping[int, EntryRow | LedgerFigure], include_submitted: bool
) -> dict[int, Figure]:
    """Month → the figure a unit's entry of that month counts for (months without one left out)."""
    figures = {m: _figure_of(entry, include_submitted)[0] for m, entry in entries.items()}
    return {m: figure for m, figure in figures.items() if figure.reported}


def _city_series(
    ind: Indicator, by_unit: Mapping[str, Mapping[int, Figure]], month: int, carry: bool
) -> list[tuple[int, Decimal]]:
    """The city figure month by month; with `carry`, a month a unit missed holds its last earlier figure."""
    series = []
    for m in range(1, month + 1):
        found = [(u, figures.get(m)) for u, figures in by_unit.items()]
        if not any(f is not None for _, f in found):
            continue
        figures = [f if f is not None else _carried_figure(u, by_unit[u], m, carry) for u, f in found]
        figures = [resolved(kind=ind.kind, figure=f) for f in figures if f.reported]
        if figures:
            value = _rolled(ind, figures).value
            if value is not None:
                series.append((m, value))
    return series


def _carried_figure(unit: str, figures: Mapping[int, Figure], month: int, carry: bool) -> Figure:
    carried = last_figure(unit=unit, by_month=figures, before=month) if carry else None
    return Figure(carried.value) if carried else Figure()


def _add_history(*, line: IndicatorLine, history: LastYear, month: int) -> None:
    """Last year's city line, and 同比 for the city and each unit."""
    ind = line.indicator
    line.last_year = history.series(code=ind.id)
    before = history.city_value(code=ind.id, month=month)
    line.year_on_year = year_on_year(indicator=ind, now=line.figure.value, before=before)
    line.units = [
        dataclasses.replace(u, year_on_year=year_on_year(indicator=ind, now=u.figure.value,
                            before=history.unit_value(code=ind.id, unit=u.unit, month=month)))
        for u in line.units
    ]  # fmt: skip


def _add_forecast(line: IndicatorLine, year: int, last_year_monthly: list[Decimal] | None) -> None:
    ind = line.indicator
    if not line.series or ind.scope.kind is ScopeKind.EACH or ind.kind.value == "milestone":
        return
    line.forecast = forecast(series=line.series, target=ind.target, comparator=ind.comparator, year=year,
                             last_year_monthly=last_year_monthly,
                             accumulation=ind.accumulation or Accumulation.CUMULATIVE)  # fmt: skip
    line.outlook = forecast_sentence(
        forecast=line.forecast, target=ind.target, unit=ind.unit, display_unit=ind.shown_unit
    )


def _scored_items(lines: list[IndicatorLine], plan: Plan) -> list[ScoredItem]:
    counties = {u.name for u in plan.counties()}
    return [
        ScoredItem(unit=u.unit, indicator=line.indicator.id, status=u.judgement.status, area=line.area.name,
                   weight=line.area.weight, aspiration=line.indicator.aspiration)
        for line in lines for u in line.units if u.unit in counties
    ]  # fmt: skip


def _area_items(lines: list[IndicatorLine]) -> list[ScoredItem]:
    return [
        ScoredItem(unit="", indicator=line.indicator.id, status=line.judgement.status, area=line.area.name,
                   weight=line.area.weight, aspiration=line.indicator.aspiration)
        for line in lines
    ]  # fmt: skip


def _reporting(
    session: Session, plan_row: PlanRow, plan: Plan, month: int, entries: _Entries | defaultdict[int, dict[str, dict[int, EntryRow]]],
    ids: dict[str, int], kinds: dict[str, OrgKind], today: date,
) -> list[ReportingLine]:  # fmt: skip
    period = session.scalar(
        select(PeriodRow).where(PeriodRow.plan_id == plan_row.id, PeriodRow.month == month)
    )
    past_deadline = period is not None and today > period.deadline
    tally: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for ind in (i for i in plan.indicators() if asked_of_units(indicator=i)):
        for unit in reporting_units(indicator=ind, plan=plan):
            entry = entries[ids[ind.id]].get(unit, {}).get(month)
            counts = tally[unit]
            counts[0] += 1
            state = EntryState(entry.state) if entry else None
            counts[1] += state in (EntryState.SUBMITTED, EntryState.APPROVED)
            counts[2] += state is EntryState.APPROVED
            counts[3] += state is EntryState.RETURNED
    lines = []
    for unit, (expected, submitted, approved, returned) in tally.items():
        missing = expected - submitted - returned  # 未报送: nothing submitted (a returned figure is 已退回)
        lines.append(ReportingLine(unit, kinds.get(unit, OrgKind.DEPARTMENT), expected, submitted, approved,
                                   returned, missing, past_deadline and missing > 0))  # fmt: skip
    order = {u.name: i for i, u in enumerate(plan.units)}
    return sorted(lines, key=lambda line: order.get(line.unit, len(order)))


def good_share(lines: list[IndicatorLine]) -> Decimal:
    """Percent of the given indicators that are done, ahead or on track."""
    if not lines:
        return Decimal(0)
    good = sum(1 for line in lines if line.judgement.status in GOOD_STATUSES)
    return Decimal(100) * good / len(lines)


__all__ = ["IndicatorLine", "Overview", "ReportingLine", "UnitLine", "city_name", "period_overview"]
