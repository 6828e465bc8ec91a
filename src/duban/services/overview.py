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
from functools import cached_property
from typing import Any, Generic, NamedTuple, Protocol, TypeVar

import numpy as np
from sqlalchemy import case, or_, select
from sqlalchemy.orm import Session

from duban.choices import (
    Accumulation,
    EntryState,
    IndicatorKind,
    MilestoneStage,
    ReportState,
    ScopeKind,
    Status,
)
from duban.months import month_end
from duban.persistence.models import EntryRow, PeriodRow, PlanRow
from duban.plan.assignments import city_name, has_task, reporting_units, unit_target
from duban.plan.levels import Level, plan_level, ranked_units
from duban.plan.model import Area, Indicator, Plan
from duban.progress.batch import NO_TARGET, STATUSES, PeriodFrame, PeriodResult, rolled_up
from duban.progress.forecast import Forecast, forecast, forecast_sentence
from duban.progress.history import YearOnYear, year_on_year
from duban.progress.judge import GOOD_STATUSES, Judgement, expected_pct, judge
from duban.progress.ranking import AreaSummary, Ranking, ScoredItem, rank_units, summarise_areas
from duban.progress.rollup import (
    Carried,
    EachCount,
    Figure,
    aggregate,
    carried_note,
    carries_forward,
    count_each,
)
from duban.services.batch import period_frame
from duban.services.history import LastYear, last_year
from duban.services.judged import (
    JudgedPeriod,
    as_decimal,
    city_columns,
    judged_period,
    with_operands,
    with_plans_below_history,
)
from duban.services.office import Basis, period_note
from duban.services.plans import plan_from_store
from duban.services.projects import ledger_feeds_on
from duban.services.reported import ReportingLine, reporting_lines
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
    source: str | None = None  # the unit whose own plan's roll-up it is (a province's city: 来自南京市计划)

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


class CityStanding(Protocol):
    """What the headline counts need of an indicator's line: the indicator and its city judgement."""

    @property
    def indicator(self) -> Indicator: ...
    @property
    def judgement(self) -> Judgement: ...
    @property
    def lagging(self) -> bool: ...


LineT = TypeVar("LineT", bound=CityStanding)


class PeriodNote:
    """What a page says of its period: 数据截至…, and whether it is the 当前报送期."""

    on: date
    basis: Basis
    current: int

    @property
    def note(self) -> str:
        """数据截至…，以审核通过的数据为准 (or the basis the office chose)."""
        return period_note(year=self.on.year, month=self.on.month, basis=self.basis)


class PlanWords:
    """What the pages say of a plan model: its level's words and the units it ranks."""

    plan: Plan

    @property
    def level(self) -> Level:
        """The plan's level, whose words the pages use (县（市、区）排名, a province's 市（州）排名)."""
        return plan_level(self.plan)

    @property
    def ranked(self) -> list[str]:
        """The units the plan ranks, each with its unit page: a city's counties, a province's 州市."""
        return ranked_units(self.plan)


class Headlines(PeriodNote, Generic[LineT]):
    """Headline figures over `indicators`, shared by the overview and the dashboard summary."""

    indicators: Sequence[LineT]

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
class Overview(Headlines[IndicatorLine], PlanWords):
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


def period_overview(
    *,
    session: Session,
    plan_row: PlanRow,
    month: int,
    basis: Basis | None = None,
    today: date | None = None,
    lean: bool = False,
) -> Overview:
    """Judge every indicator and unit of the plan at the end of `month`, against the targets then in force.

    One read of the period judged by the vectorised judge (`judged.judged_period`, shared with the
    dashboard) gives every unit's figure and standing; the scalar `progress` functions are the reference
    the tests hold it to. `lean` (the bulletin, the indicator list, the ranked units' pages) keeps of an indicator
    judged at the city's cell only the counties' and the ranked units' lines and those its words name (a lagging
    unit's 滞后原因, a carried figure): a province's bulletin does not read 1,500 townships' lines per indicator;
    nor the city series, last year's figures and the forecast, which neither a bulletin nor those pages show.
    """
    basis = basis or Basis()
    plan = _plan_in_force(session=session, plan_row=plan_row, month=month)
    core = judged_period(session=session, plan_row=plan_row, month=month, basis=basis)
    fed = _ledger_feeds(session, plan_row.id, plan, month)
    ranked = ranked_units(plan)
    shown = frozenset([*(u.name for u in plan.counties()), *ranked]) if lean else None
    reach = _reach(plan, core, shown)
    facts = _month_facts(session=session, plan_id=plan_row.id, month=month, pending=basis.include_submitted,
                         only=None if shown is None else _read_for(core, reach, shown))  # fmt: skip
    series = {} if lean else _city_series(session=session, plan_row=plan_row, core=core, fed=fed, basis=basis)
    period = _Period(plan=plan, month=month, core=core, fed=fed, shown=shown, reach=reach, facts=facts,
                     series=series)  # fmt: skip
    lines = [_indicator_line(period, area, task.title, ind)
             for area in plan.areas for task in area.tasks for ind in task.indicators]  # fmt: skip
    if not lean:
        _add_outlook(
            lines=lines, history=last_year(session=session, plan_row=plan_row), year=plan.year, month=month
        )
    items = _scored_items(period, lines, ranked)
    reporting = reporting_lines(session=session, plan_row=plan_row, core=core, today=today or date.today())
    return Overview(
        plan=plan, plan_id=plan_row.id, month=month, on=period.on, indicators=lines,
        rankings=rank_units(items=items), areas=summarise_areas(items=_area_items(lines)), reporting=reporting,
        revisions=changes_through(session=session, plan_id=plan_row.id, year=plan.year, month=month),
        basis=basis,
    )  # fmt: skip


@dataclass
class IndicatorView(PeriodNote, PlanWords):
    """One indicator in one period, as its page shows it: its line, as the period overview holds it."""

    plan: Plan  # with the breakdown of the line's indicator alone
    plan_id: int
    month: int
    on: date
    line: IndicatorLine
    basis: Basis = field(default_factory=Basis)
    current: int = 0  # the 当前报送期, for saying whether this month is it


def indicator_view(
    *, session: Session, plan_row: PlanRow, month: int, code: str, basis: Basis | None = None
) -> IndicatorView | None:
    """Indicator `code`'s line in `month` as `period_overview` makes it, from its row of the judged period alone:
    a province's page of one indicator makes its 1,646 units' lines, not the 450,000 of every indicator.
    None when the plan asks no indicator of that code in `month`."""
    basis = basis or Basis()
    core = judged_period(session=session, plan_row=plan_row, month=month, basis=basis)
    i = next((n for n, found in enumerate(core.frame.indicators.ids) if found == code), None)
    if i is None:
        return None
    ident = int(core.indicator_ids[i])
    plan = _plan_in_force(session=session, plan_row=plan_row, month=month, breakdown_of=ident)
    area, task_title, ind = next((area, task.title, ind) for area in plan.areas for task in area.tasks
                                 for ind in task.indicators if ind.id == code)  # fmt: skip
    fed = _ledger_feeds(session, plan_row.id, plan, month, only=ind)
    facts = _month_facts(session=session, plan_id=plan_row.id, month=month, pending=basis.include_submitted,
                         indicator=ident)  # fmt: skip
    series = _city_series(
        session=session, plan_row=plan_row, core=core, fed=fed, basis=basis, rows=np.array([i])
    )
    period = _Period(plan=plan, month=month, core=core, fed=fed, shown=None, reach=_reach(plan, core, None, [ind]),
                     facts=facts, series=series)  # fmt: skip
    line = _indicator_line(period, area, task_title, ind)
    _add_outlook(
        lines=[line], history=last_year(session=session, plan_row=plan_row), year=plan.year, month=month
    )
    return IndicatorView(plan=plan, plan_id=plan_row.id, month=month, on=period.on, line=line, basis=basis)


def _plan_in_force(
    *, session: Session, plan_row: PlanRow, month: int, breakdown_of: int | None = None
) -> Plan:
    """The plan asked in `month` with the targets then in force (`plans.plan_from_store` on `breakdown_of`)."""
    plan = plan_from_store(session=session, plan_row=plan_row, month=month, breakdown_of=breakdown_of)
    return revised_plan(
        plan=plan, targets=targets_in_force(session=session, plan_id=plan_row.id, month=month)
    )


class _Fact(NamedTuple):
    """What the overview shows of an entry besides its figure: its state, 备注 and milestone stage."""

    state: EntryState
    note: str | None
    stage: MilestoneStage | None
    value: Decimal | None  # what a staged entry shows beside its stage (the judge counts the stage)


_Fed = dict[str, dict[int, dict[str, Decimal]]]  # indicator code → month → unit → ledger figure


@dataclass(frozen=True)
class _Period:
    """The period as read once: the judged arrays, the entries' states and the city series."""

    plan: Plan
    month: int
    core: JudgedPeriod
    fed: _Fed
    facts: dict[tuple[int, int], _Fact]  # (indicator id, unit id) → fact
    series: dict[int, list[tuple[int, Decimal]]]  # indicator row → the city figure month by month
    shown: frozenset[str] | None  # the units whose lines the reader sees (None: every unit)
    reach: dict[str, _Reach]  # indicator code → its reporting units and the lines it needs

    @property
    def on(self) -> date:
        return month_end(self.plan.year, self.month)

    @cached_property
    def row_of(self) -> dict[str, int]:
        return {code: i for i, code in enumerate(self.core.frame.indicators.ids)}

    @cached_property
    def column_of(self) -> dict[str, int]:
        return {name: u for u, name in enumerate(self.core.frame.units.names)}

    @cached_property
    def noted(self) -> np.ndarray:
        """(indicator row x unit column) whether the month's entry carries a 备注."""
        rows = {int(ind): i for i, ind in enumerate(self.core.indicator_ids)}
        columns = {unit: u for u, unit in enumerate(self.core.units.ids)}
        noted = np.zeros(self.core.result.status.shape, dtype=bool)
        for (ind, unit), fact in self.facts.items():
            if fact.note and fact.note.strip() and ind in rows and unit in columns:
                noted[rows[ind], columns[unit]] = True
        return noted

    def fact(self, i: int, unit: str) -> _Fact | None:
        """The entry of indicator row `i` and `unit`; a ledger figure counts as an approved entry."""
        code, u = self.core.frame.indicators.ids[i], self.column_of.get(unit)
        if code in self.fed:
            has = unit in self.fed[code].get(self.month, {})
            return _Fact(EntryState.APPROVED, None, None, None) if has else None
        if u is None:
            return None
        return self.facts.get((int(self.core.indicator_ids[i]), self.core.units.ids[u]))


def _ledger_feeds(
    session: Session, plan_id: int, plan: Plan, month: int, only: Indicator | None = None
) -> _Fed:
    """Indicator code → month → unit → figure, for indicators (of `only`, that one) whose `feed:` names a ledger
    figure."""
    if not any(ind.fed_by_ledger for ind in (plan.indicators() if only is None else [only])):
        return {}
    ends = {month_end(plan.year, m): m for m in range(1, month + 1)}
    found: _Fed = defaultdict(dict)
    for on, feeds in ledger_feeds_on(session=session, plan_id=plan_id, dates=list(ends)).items():
        for code, values in feeds.items():
            if values and (only is None or code == only.id):
                found[code][ends[on]] = dict(values)
    return dict(found)


class _FactScope(NamedTuple):
    """Whose entries to read besides those with a 备注, a stage or a state other than 已审核."""

    units: list[int]
    indicators: list[int]


def _month_facts(
    *, session: Session, plan_id: int, month: int, pending: bool, only: _FactScope | None = None,
    indicator: int | None = None,
) -> dict[tuple[int, int], _Fact]:  # fmt: skip
    """(indicator id, unit id) → state, 备注 and stage of the month's entries (the submitted stage when `pending`);
    with `only`, the entries of its units and indicators and those unlike a plain approved figure; with
    `indicator` (a store id), that indicator's alone."""
    period_id = session.scalar(
        select(PeriodRow.id).where(PeriodRow.plan_id == plan_id, PeriodRow.month == month)
    )
    stage, value = _counted(EntryRow.stage, pending), _counted(EntryRow.value, pending)
    query = select(
        EntryRow.indicator_id, EntryRow.unit_id, EntryRow.state, EntryRow.note, stage,
        case((stage.is_not(None), value)),
    ).where(EntryRow.period_id == period_id)  # fmt: skip
    if only is not None:
        query = query.where(or_(
            EntryRow.unit_id.in_(only.units), EntryRow.indicator_id.in_(only.indicators), EntryRow.note.is_not(None),
            stage.is_not(None), EntryRow.state != EntryState.APPROVED.value,
        ))  # fmt: skip
    if indicator is not None:
        query = query.where(EntryRow.indicator_id == indicator)
    states, stages = {s.value: s for s in EntryState}, {s.value: s for s in MilestoneStage}
    return {
        (indicator, unit): _Fact(states[state], note, stages[code] if code else None, shown)
        for indicator, unit, state, note, code, shown in session.execute(query)
    }


def _counted(column: Any, pending: bool) -> Any:
    """The entry's official `column`, or (含待审核数据) the submitted one awaiting review."""
    official = getattr(EntryRow, f"official_{column.key}")
    return (
        case((EntryRow.state == EntryState.SUBMITTED.value, column), else_=official) if pending else official
    )


def _city_series(
    *, session: Session, plan_row: PlanRow, core: JudgedPeriod, fed: _Fed, basis: Basis,
    rows: np.ndarray | None = None,
) -> dict[int, list[tuple[int, Decimal]]]:  # fmt: skip
    """Indicator row → the city figure month by month, over the months a reporting unit has a figure in;
    with carry-forward, a month a unit missed holds its last earlier figure. A milestone's figure is its stage's
    credit times the target (实施中: 60 %), as the page judges it, not the count typed beside the stage.
    With `rows`, of those rows (and the rows their formulas read) alone: their history alone is read."""
    month, rows = core.frame.month, None if rows is None else with_operands(core, rows)
    frame, _ = period_frame(session=session, plan_id=plan_row.id, month=month, history=True, pending=basis.include_submitted,
                            only=None if rows is None else core.indicator_ids[rows].tolist())  # fmt: skip
    rows = np.arange(len(core.indicators)) if rows is None else rows
    cells, indicators = core.reporting_cells[rows], [core.indicators[r] for r in rows]
    frame = _with_fed_history(frame, cells, fed)
    frame = with_plans_below_history(session=session, plan_row=plan_row, frame=frame, units=core.units,
                                     indicators=indicators, basis=basis)  # fmt: skip
    carries = [basis.carry_forward and carries_forward(indicator=ind) for ind in indicators]
    carry = np.array(carries, dtype=bool)
    value, _, _, _ = rolled_up(frame=frame, carry=cells & (carry & (cells.sum(axis=1) > 1))[:, None])
    seen = np.zeros((month, len(indicators)), dtype=bool)
    own = ~np.isnan(frame.value)
    if frame.numerator is not None and frame.denominator is not None:
        own |= ~np.isnan(frame.numerator) & ~np.isnan(frame.denominator)
    own &= cells[frame.indicator, frame.unit]
    assert frame.row_month is not None
    seen[frame.row_month[own] - 1, frame.indicator[own]] = True
    column = city_columns(cells=cells, indicators=indicators, top=core.units.top)
    series = {}
    for i, row in enumerate(rows.tolist()):
        at = value[:, i, column[i]]
        series[row] = [
            (int(m) + 1, v)
            for m in np.flatnonzero(seen[:, i] & ~np.isnan(at))
            if (v := as_decimal(at[m])) is not None
        ]
    return series


def _with_fed_history(frame: PeriodFrame, cells: np.ndarray, fed: _Fed) -> PeriodFrame:
    """The ledger's figures of every month in place of the entries of the reporting cells they feed."""
    row_of = {code: i for i, code in enumerate(frame.indicators.ids)}
    unit_of = {name: u for u, name in enumerate(frame.units.names)}
    rows = [(row_of[code], unit_of[unit], m, float(value)) for code, months in fed.items() if code in row_of
            for m, values in months.items() for unit, value in values.items()
            if unit in unit_of and cells[row_of[code], unit_of[unit]]]  # fmt: skip
    if not rows:
        return frame
    keep = ~np.isin(frame.indicator, [i for i, _, _, _ in rows])
    added = np.array(rows, dtype=float).reshape(-1, 4)
    blank = np.full(len(rows), np.nan)

    def joined(column: np.ndarray | None, extra: np.ndarray) -> np.ndarray:
        base = np.full(len(frame.indicator), np.nan) if column is None else column
        return np.r_[base[keep], extra]

    assert frame.row_month is not None
    return dataclasses.replace(
        frame, indicator=np.r_[frame.indicator[keep], added[:, 0]].astype(np.int64),
        unit=np.r_[frame.unit[keep], added[:, 1]].astype(np.int64),
        row_month=np.r_[frame.row_month[keep], added[:, 2]].astype(np.int64), value=joined(frame.value, added[:, 3]),
        numerator=joined(frame.numerator, blank), denominator=joined(frame.denominator, blank),
    )  # fmt: skip


def _indicator_line(period: _Period, area: Area, task_title: str, ind: Indicator) -> IndicatorLine:
    """One indicator's line from the judged arrays: its reporting units, the city, the series."""
    plan, core, i = period.plan, period.core, period.row_of[ind.id]
    expected = expected_pct(indicator=ind, year=plan.year, on=period.on)
    names, tops, whole = period.reach[ind.id]
    if whole:
        units = [_unit_line(period, ind, i, unit, expected) for unit in names]
        figure, judgement, each = _city_standing(period, ind, i, [u for u in units if u.unit in tops])
    else:
        units = [_unit_line(period, ind, i, unit, expected) for unit in _named(period, i, names)]
        (figure, judgement), each = _city_cell(period, ind, i), None
    line = IndicatorLine(ind, area, task_title, figure, judgement, units, each, period.series.get(i, []))
    line.row_id = int(core.indicator_ids[i])
    order = {u.name: n for n, u in enumerate(plan.units)}
    line.carried = sorted(
        (u.carried for u in units if u.carried), key=lambda c: order.get(c.unit, len(order))
    )
    return line


class _Reach(NamedTuple):
    """An indicator's reporting units, those of them no other is above, and whether every line is built."""

    names: list[str]
    tops: set[str]
    whole: bool


def _reach(
    plan: Plan, core: JudgedPeriod, shown: frozenset[str] | None, indicators: list[Indicator] | None = None
) -> dict[str, _Reach]:
    """Indicator code → its reach (of the plan's indicators, or of `indicators`): every line for the pages, for the
    bulletin where the city's figure needs them."""
    ancestors, reach = _ancestry(plan), {}
    row_of = {code: i for i, code in enumerate(core.frame.indicators.ids)}
    tops_of: dict[
        tuple[str, ...], set[str]
    ] = {}  # most indicators share their units: a province's 1,500 townships
    for ind in plan.indicators() if indicators is None else indicators:
        i, names = row_of[ind.id], reporting_units(indicator=ind, plan=plan)
        key = tuple(names)
        if key not in tops_of:
            named = set(names)
            tops_of[key] = {u for u in names if ancestors.get(u, frozenset()).isdisjoint(named)}
        tops = tops_of[key]
        reach[ind.id] = _Reach(names, tops, shown is None or _from_lines(core, ind, i, len(tops)))
    return reach


def _ancestry(plan: Plan) -> dict[str, frozenset[str]]:
    parents = {u.name: u.parent for u in plan.units}
    return {name: frozenset(_ancestors(parents, name)) for name in parents}


def _from_lines(core: JudgedPeriod, ind: Indicator, i: int, tops: int) -> bool:
    """Whether the plan's own figure or standing is made from its units' lines rather than the city's cell."""
    top = core.units.top
    return (ind.scope.kind is ScopeKind.EACH or ind.kind is IndicatorKind.MILESTONE or tops == 1 or top < 0
            or core.result.status[i, top] == NO_TARGET)  # fmt: skip


def _read_for(core: JudgedPeriod, reach: dict[str, _Reach], shown: frozenset[str]) -> _FactScope:
    """The entries the bulletin's lines need: the shown units' and every entry of an indicator built whole."""
    units = [ident for name, ident in zip(core.units.names, core.units.ids, strict=True) if name in shown]
    whole = [int(ident) for code, ident in zip(core.frame.indicators.ids, core.indicator_ids, strict=True)
             if code in reach and reach[code].whole]  # fmt: skip
    return _FactScope(units, whole)


def _named(period: _Period, i: int, names: list[str]) -> list[str]:
    """Of `names`, the shown units and those the city's words name: lagging with a 备注, or carried."""
    core, shown = period.core, period.shown or frozenset()
    columns = np.array([period.column_of.get(name, -1) for name in names], dtype=np.int64)
    known = columns >= 0
    at = np.where(known, columns, 0)
    lagging = np.isin(core.result.status[i, at], _LAGGING_CODES) & period.noted[i, at]
    named = known & (lagging | ~np.isnan(core.carried.month[i, at]))
    return [name for name, keep in zip(names, named, strict=True) if keep or name in shown]


_LAGGING_CODES = [STATUSES.index(Status.BEHIND), STATUSES.index(Status.FAR_BEHIND)]


def _unit_line(period: _Period, ind: Indicator, i: int, unit: str, expected: Decimal) -> UnitLine:
    """One reporting unit's figure and standing; a unit whose only figure awaits review is 待审核."""
    core, u, fact = period.core, period.column_of.get(unit), period.fact(i, unit)
    target = unit_target(indicator=ind, unit=unit)
    if u is None:
        return UnitLine(
            unit, target, Figure(), Judgement(Status.NOT_REPORTED, None, expected, None, ind.aspiration), None
        )
    stage = fact.stage if fact else None
    figure = Figure(fact.value) if fact and stage else _cell_figure(core.result, i, u)
    judgement = _cell_judgement(core.result, i, u, expected, ind.aspiration)
    if judgement.status is Status.NOT_REPORTED and fact is not None and fact.state is EntryState.SUBMITTED:
        judgement = dataclasses.replace(judgement, status=Status.PENDING)
    month = core.carried.month[i, u]
    carried = (
        None
        if np.isnan(month)
        else Carried(unit, int(month), as_decimal(core.carried.value[i, u]) or Decimal(0))
    )
    source = core.from_plans.get((i, u))
    state = fact.state if fact else (EntryState.APPROVED if source else None)
    return UnitLine(unit, target, figure, judgement, state, stage, fact.note if fact else None, carried,
                    source=source)  # fmt: skip


def _cell_figure(result: PeriodResult, i: int, u: int) -> Figure:
    return Figure(as_decimal(result.value[i, u]), as_decimal(result.numerator[i, u]),
                  as_decimal(result.denominator[i, u]))  # fmt: skip


def _cell_judgement(result: PeriodResult, i: int, u: int, expected: Decimal, aspiration: bool) -> Judgement:
    code = int(result.status[i, u])
    status = Status.NOT_REPORTED if code == NO_TARGET else STATUSES[code]
    return Judgement(
        status, as_decimal(result.completion[i, u]), expected, as_decimal(result.gap[i, u]), aspiration
    )


def _city_standing(
    period: _Period, ind: Indicator, i: int, units: list[UnitLine]
) -> tuple[Figure, Judgement, EachCount | None]:
    """The plan's own figure and standing: the city's cell, or the only reporting unit's line."""
    core, plan, top = period.core, period.plan, period.core.units.top
    each = None
    if ind.scope.kind is ScopeKind.EACH:
        each = count_each(comparator=ind.comparator, targets={u.unit: u.target for u in units},
                          actuals={u.unit: u.figure.value for u in units})  # fmt: skip
        ind = ind.model_copy(update={"accumulation": Accumulation.CUMULATIVE})
    elif len(units) == 1:
        return units[0].figure, units[0].judgement, None
    if top < 0 or core.result.status[i, top] == NO_TARGET:
        return _reference_city(plan, ind, units, period.on, each)
    figure, judgement = _city_cell(period, ind, i)
    if each is None and ind.kind is IndicatorKind.MILESTONE:  # stages are not figures to show
        figure = _rolled(ind, [u.figure for u in units])
    return figure, judgement, each


def _city_cell(period: _Period, ind: Indicator, i: int) -> tuple[Figure, Judgement]:
    """The city's cell: its figure and its standing against 序时进度."""
    top, result = period.core.units.top, period.core.result
    expected = expected_pct(indicator=ind, year=period.plan.year, on=period.on)
    return _cell_figure(result, i, top), _cell_judgement(result, i, top, expected, ind.aspiration)


def _reference_city(
    plan: Plan, ind: Indicator, units: list[UnitLine], on: date, each: EachCount | None
) -> tuple[Figure, Judgement, EachCount | None]:
    """Units with no city above them (departments at the top of the tree): rolled up and judged one by one."""
    judge_at: dict[str, Any] = {"on": on, "year": plan.year, "thresholds": plan.thresholds}
    if each is not None:
        actual = Decimal(each.met) if any(u.figure.reported for u in units) else None
        return (
            Figure(actual),
            judge(indicator=ind, target=Decimal(each.total), actual=actual, **judge_at),
            each,
        )
    figure = _rolled(ind, [u.figure if u.carried is None else Figure(u.carried.value) for u in units])
    return figure, judge(indicator=ind, target=ind.target, actual=figure.value, **judge_at), None


def _ancestors(parents: Mapping[str, str | None], unit: str) -> set[str]:
    found: set[str] = set()
    while (parent := parents.get(unit)) and parent not in found:
        found.add(parent)
        unit = parent
    return found


def _rolled(ind: Indicator, figures: list[Figure]) -> Figure:
    """The city figure from unit figures; missing units simply add nothing."""
    return aggregate(kind=ind.kind, children=[f for f in figures if f.reported])


def _add_history(*, line: IndicatorLine, history: LastYear, month: int) -> None:
    """Last year's city line, and 同比 for the city and each unit."""
    ind = line.indicator
    line.last_year = history.series(code=ind.id)
    before = history.city_value(code=ind.id, month=month)
    line.year_on_year = year_on_year(indicator=ind, now=line.figure.value, before=before)
    if ind.id not in history.units:  # no unit of it has a figure last year: nothing to compare
        return
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


def _add_outlook(*, lines: list[IndicatorLine], history: LastYear, year: int, month: int) -> None:
    """Last year's line, 同比 and the year-end forecast of every indicator (the pages show them)."""
    for line in lines:
        _add_history(line=line, history=history, month=month)
        _add_forecast(line, year, history.monthly(code=line.indicator.id))


def _scored_items(period: _Period, lines: list[IndicatorLine], ranked: list[str]) -> list[ScoredItem]:
    """Each ranked unit's standing on each indicator it holds a target of: its own line, or, for a unit whose
    townships report (a province's city), its rolled-up cell; the units met first in the lines first."""
    wanted, items = frozenset(ranked), []
    for line in lines:
        own = [(u.unit, u.judgement.status) for u in line.units if u.unit in wanted]
        met = {unit for unit, _ in own}
        rolled = [(unit, status) for unit in ranked if unit not in met
                  and (status := _cell_status(period, period.row_of[line.indicator.id], unit)) is not None]  # fmt: skip
        items += [ScoredItem(unit=unit, indicator=line.indicator.id, status=status, area=line.area.name,
                             weight=line.area.weight, aspiration=line.indicator.aspiration)
                  for unit, status in own + rolled]  # fmt: skip
    return items


def _cell_status(period: _Period, i: int, unit: str) -> Status | None:
    """The status of a unit's cell, None where it holds no target."""
    u = period.column_of.get(unit)
    code = NO_TARGET if u is None else int(period.core.result.status[i, u])
    return None if code == NO_TARGET else STATUSES[code]


def _area_items(lines: list[IndicatorLine]) -> list[ScoredItem]:
    return [
        ScoredItem(unit="", indicator=line.indicator.id, status=line.judgement.status, area=line.area.name,
                   weight=line.area.weight, aspiration=line.indicator.aspiration)
        for line in lines
    ]  # fmt: skip


def good_share(lines: list[IndicatorLine]) -> Decimal:
    """Percent of the given indicators that are done, ahead or on track."""
    if not lines:
        return Decimal(0)
    good = sum(1 for line in lines if line.judgement.status in GOOD_STATUSES)
    return Decimal(100) * good / len(lines)


__all__ = [
    "IndicatorLine",
    "IndicatorView",
    "Overview",
    "ReportingLine",
    "UnitLine",
    "city_name",
    "indicator_view",
    "period_overview",
]
