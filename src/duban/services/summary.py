"""The dashboard and county map of one period, from the vectorised judge: fast at province scale.

The same figures as `overview.period_overview` gives the dashboard, but from the (indicator x unit)
arrays of `progress.batch.judge_period`: one Python object per indicator (its city line) and per
ranked county, none per (indicator, unit). Rules that make it agree with the overview:

- *Reporting cells*: the units holding a target none of whose children hold one (in 昭通 the
  breakdown's counties, the lead department, or the city; in the synthetic province the townships).
- *City line* of an indicator: the top unit's cell (the plan's city), except that an indicator with
  a single reporting cell (one county, one department) is shown as that cell, as the overview does;
  "each county" indicators always at the top (how many met theirs).
- *Ranking*: the regions one level below the plan's top (`plan.levels.BELOW`: a city's counties, a
  province's cities, as `levels.ranked_units` has the overview rank them), scored by `unit_scores` on
  every target they hold; the map colours the same units.
- Figures fed from the project ledger (`feed: ledger.*`) replace the entries of their reporting
  cells before judging, as in the overview.
- Approved target revisions: each month is judged against the targets then in force, as in the overview.
- Only the period's own figures are read (no history): statuses do not depend on earlier months,
  and the dashboard shows no forecast, so this is about five times faster than `judge_plan_period`.
- Carry-forward (unless the office turned it off): a reporting cell of a year-to-date count or amount
  summed with others that has no figure this month is rolled up with its last earlier one, as the
  overview does, and stays 未报送 (or 待审核) itself.
- 报送情况: expected = reporting cells per unit; submitted, approved and returned from one SQL
  GROUP BY over the period's entries.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from duban.choices import Accumulation, ScopeKind, Status
from duban.months import month_end
from duban.persistence.generation import Generation, touched_since
from duban.persistence.models import (
    AreaRow,
    IndicatorRow,
    PeriodRow,
    PlanRow,
    TaskRow,
)
from duban.persistence.readcache import remembered, remembered_across_entries
from duban.plan.levels import Level
from duban.plan.model import Indicator
from duban.progress.batch import NO_TARGET, STATUSES, PeriodFrame, PeriodResult, unit_scores
from duban.progress.history import YearOnYear, year_on_year
from duban.progress.judge import Judgement, expected_pct
from duban.progress.ranking import AreaSummary, Ranking, ScoredItem, places, summarise_areas
from duban.progress.rollup import Carried, Figure, carried_note
from duban.services.entry_states import EntryStates, entry_states
from duban.services.history import LastYear, last_year
from duban.services.judged import (
    JudgedPeriod,
    UnitFacts,
    as_decimal,
    city_columns,
    judged_period,
    mark_pending,
)
from duban.services.office import Basis
from duban.services.overview import Headlines
from duban.services.reported import ReportingLine, reporting_lines

_TIE_DIGITS = 9  # float sums of equal Decimal scores may differ in the last bits; ties are compared rounded


@dataclass(frozen=True)
class PlanHeading:
    """What the dashboard's title shows of the plan."""

    title: str
    region: str
    year: int
    level: Level  # the words of its level: 县（市、区）综合排名, a province's 市（州）综合排名


@dataclass(frozen=True)
class TaskHeading:
    """A task as a 惠民实事 card names it: its number within its area and its title."""

    number: int
    code: str
    title: str


@dataclass(frozen=True)
class CityLine:
    """One indicator at the city: figure and judgement, with where it sits in the plan."""

    indicator: Indicator
    area: str
    weight: Decimal
    livelihood: bool
    task: TaskHeading
    figure: Figure
    judgement: Judgement
    carried: tuple[Carried, ...] = ()
    year_on_year: YearOnYear | None = None  # 同比: against the city's figure of the same month last year

    @property
    def lagging(self) -> bool:
        return self.judgement.status in (Status.BEHIND, Status.FAR_BEHIND)

    @property
    def carried_note(self) -> str:
        """大关县沿用4月数, as `overview.IndicatorLine.carried_note`."""
        return carried_note(list(self.carried))


@dataclass(frozen=True)
class CountyValue:
    """One county's completion and status on one indicator, for the map."""

    unit: str
    completion: Decimal | None
    status: Status
    carried_month: int | None = None  # the month whose figure the city's sum holds for it


@dataclass(frozen=True)
class _Cells:
    """The judged arrays the map reads per indicator, kept out of the templates."""

    codes: tuple[str, ...]
    names: tuple[str, ...]
    counties: np.ndarray
    status: np.ndarray
    completion: np.ndarray
    carried: np.ndarray  # the month carried into the city's sum, NaN where nothing is


@dataclass(frozen=True)
class DashboardSummary(Headlines["CityLine"]):
    """The plan in one period, as the dashboard and the county map show it."""

    plan: PlanHeading
    plan_id: int
    month: int
    on: date
    indicators: list[CityLine]
    rankings: list[Ranking]
    areas: list[AreaSummary]
    reporting: list[ReportingLine]
    cells: _Cells = dataclasses.field(repr=False)
    basis: Basis = dataclasses.field(default_factory=Basis)
    current: int = 0  # the 当前报送期, for saying whether this month is it
    made_of: tuple[object, ...] = dataclasses.field(
        default=(), repr=False, compare=False
    )  # for `_summary_kept`

    @property
    def level(self) -> Level:
        """The plan's level, whose words the pages use (县（市、区）综合排名, a province's 市（州）综合排名)."""
        return self.plan.level

    def map_choices(self) -> list[tuple[str, str]]:
        """Indicators that at least two counties hold a target for: the map's measures."""
        held = (self.cells.status[:, self.cells.counties] != NO_TARGET).sum(axis=1) >= 2
        return [
            (line.indicator.id, line.indicator.name)
            for line, ok in zip(self.indicators, held, strict=True)
            if ok
        ]

    def county_values(self, code: str) -> list[CountyValue] | None:
        """Each county's completion and status on indicator `code`; None when the plan has no such code."""
        if code not in self.cells.codes:
            return None
        i, cells = self.cells.codes.index(code), self.cells
        held = [int(u) for u in cells.counties if cells.status[i, u] != NO_TARGET]
        return [CountyValue(cells.names[u], as_decimal(cells.completion[i, u]), STATUSES[cells.status[i, u]],
                            None if np.isnan(cells.carried[i, u]) else int(cells.carried[i, u]))
                for u in held]  # fmt: skip


def dashboard_summary(
    *, session: Session, plan_row: PlanRow, month: int, today: date, basis: Basis | None = None
) -> DashboardSummary:
    """Counts, areas, 惠民实事, lagging list, county ranking, map values and 报送情况 of `month`.

    The judged figures are remembered per `figures` generation (with the approved basis, a submission
    or a return does not judge the period again); what follows from reporting states is laid over them.
    """
    basis = basis or Basis()
    judged = _lines(session=session, plan_row=plan_row, month=month, basis=basis)
    core = judged.core
    frame, units, reporting_cells, carried = core.frame, core.units, core.reporting_cells, core.carried
    result, lines = core.result, judged.lines
    if not basis.include_submitted:
        result = dataclasses.replace(core.result, status=core.result.status.copy())
        mark_pending(session=session, plan_row=plan_row, month=month, result=result, cells=reporting_cells,
                      indicator_ids=core.indicator_ids, unit_ids=units.ids)  # fmt: skip
        lines = _rejudged(lines=lines, before=core.result, after=result, columns=judged.columns)
    cells = _Cells(
        frame.indicators.ids,
        frame.units.names,
        _ranked(units),
        result.status,
        result.completion,
        carried.month,
    )
    return DashboardSummary(
        plan=PlanHeading(plan_row.title, plan_row.region, plan_row.year, units.level()), plan_id=plan_row.id, month=month,
        on=month_end(plan_row.year, month), indicators=lines,
        rankings=_rankings(result=result, lines=lines, units=units), areas=_areas(lines),
        reporting=reporting_lines(session=session, plan_row=plan_row, core=core, today=today),
        cells=cells, basis=basis, made_of=(judged, _states(session=session, plan_row=plan_row, month=month)),
    )  # fmt: skip


def remembered_summary(
    *,
    session: Session,
    plan_row: PlanRow,
    month: int,
    today: date,
    basis: Basis,
    at: Generation | None = None,
) -> DashboardSummary:
    """`dashboard_summary` remembered per generation (filed under `at`), kept as the very object after writes
    that changed none of what it is made of (an approval of June leaves May's summary as it was)."""
    return remembered(session=session, key=("summary", plan_row.id, month, basis, today), at=at, lag_states=True,
                      compute=lambda: dashboard_summary(session=session, plan_row=plan_row, month=month, basis=basis,
                                                        today=today),
                      refresh=lambda since, old: _summary_kept(session=session, plan_row=plan_row, since=since,
                                                               old=old))  # fmt: skip


def _summary_kept(
    *, session: Session, plan_row: PlanRow, since: Generation, old: DashboardSummary
) -> DashboardSummary | None:
    """`old` when its judged lines and its period's entry states are still the very objects; None: made anew."""
    if touched_since(session=session, since=since, states=True) is None:
        return None
    now = (_lines(session=session, plan_row=plan_row, month=old.month, basis=old.basis),
           _states(session=session, plan_row=plan_row, month=old.month))  # fmt: skip
    return old if all(a is b for a, b in zip(now, old.made_of, strict=True)) else None


def _lines(*, session: Session, plan_row: PlanRow, month: int, basis: Basis) -> _JudgedLines:
    """The judged period with its city lines, remembered per generation (of figures alone on the approved basis)."""
    return remembered(session=session, key=("dashboard lines", plan_row.id, month, basis),
                      states=basis.include_submitted,
                      compute=lambda: _judged_lines(session=session, plan_row=plan_row, month=month, basis=basis),
                      refresh=lambda _since, old: _lines_kept(session=session, plan_row=plan_row, month=month,
                                                              basis=basis, old=old))  # fmt: skip


def _states(*, session: Session, plan_row: PlanRow, month: int) -> EntryStates | None:
    """The entry states of the plan's period `month` (what 待审核 and 报送情况 are read from); None without it."""
    period_id = session.scalar(
        select(PeriodRow.id).where(PeriodRow.plan_id == plan_row.id, PeriodRow.month == month)
    )
    return None if period_id is None else entry_states(session=session, period_id=period_id)


@dataclass(frozen=True)
class _JudgedLines:
    """The judged period with its city lines: what does not change when a figure is submitted or returned."""

    core: JudgedPeriod
    columns: np.ndarray  # per indicator, the unit whose cell is the city's line
    lines: list[CityLine]  # judged on the figures alone (no 待审核), with their 同比
    history: LastYear


def _judged_lines(*, session: Session, plan_row: PlanRow, month: int, basis: Basis) -> _JudgedLines:
    """The shared judged period (`judged.judged_period`) and the city line of each indicator."""
    core = judged_period(session=session, plan_row=plan_row, month=month, basis=basis)
    columns = city_columns(cells=core.reporting_cells, indicators=core.indicators, top=core.units.top)
    history = last_year(session=session, plan_row=plan_row)
    lines = _with_year_on_year(
        lines=_city_lines(session=session, plan_row=plan_row, core=core, columns=columns,
                          rows=range(len(core.indicators))),
        history=history, month=month,
    )  # fmt: skip
    return _JudgedLines(core, columns, lines, history)


def _lines_kept(
    *, session: Session, plan_row: PlanRow, month: int, basis: Basis, old: _JudgedLines
) -> _JudgedLines | None:
    """`old` when the judged period and last year it was made of are still the very objects; when the period
    was spliced from `old`'s, `old` with the lines of the rows judged again made anew; None: made anew."""
    core = judged_period(session=session, plan_row=plan_row, month=month, basis=basis)
    rows = core.rows_since(old.core)
    if last_year(session=session, plan_row=plan_row) is not old.history or (
        core is not old.core and rows is None
    ):
        return None
    return (
        old
        if rows is None
        else _lines_patched(session=session, plan_row=plan_row, core=core, old=old, rows=rows)
    )


def _lines_patched(
    *, session: Session, plan_row: PlanRow, core: JudgedPeriod, old: _JudgedLines, rows: np.ndarray
) -> _JudgedLines:
    """`old`'s lines with those of `rows` (and of any indicator whose city cell moved) made anew from `core`."""
    columns = city_columns(cells=core.reporting_cells, indicators=core.indicators, top=core.units.top)
    again = np.union1d(rows, np.flatnonzero(columns != old.columns)).tolist()
    made = _city_lines(session=session, plan_row=plan_row, core=core, columns=columns, rows=again)
    lines = list(old.lines)
    for i, line in zip(again, _with_year_on_year(lines=made, history=old.history, month=core.frame.month),
                       strict=True):  # fmt: skip
        lines[i] = line
    return _JudgedLines(core, columns, lines, old.history)


# -- the city lines -----------------------------------------------------------------------------


def _city_lines(
    *, session: Session, plan_row: PlanRow, core: JudgedPeriod, columns: np.ndarray, rows: Iterable[int]
) -> list[CityLine]:
    """The lines of the indicators at `rows`, in their order, at the cell the overview shows as the city's."""
    places = _places(session, plan_row.id)
    frame, result, carried = core.frame, core.result, core.carried
    on = month_end(plan_row.year, frame.month)
    lines = []
    for i in rows:
        ind = core.indicators[i]
        area, weight, livelihood, task = places[ind.id]
        expected = _expected(ind, frame, i, on, plan_row.year)
        judgement = _judgement(result, i, int(columns[i]), expected, ind.aspiration)
        held = tuple(Carried(frame.units.names[u], int(carried.month[i, u]), as_decimal(carried.value[i, u]) or Decimal(0))
                     for u in np.flatnonzero(~np.isnan(carried.month[i])))  # fmt: skip
        lines.append(CityLine(ind, area, weight, livelihood, task, Figure(as_decimal(result.value[i, columns[i]])),
                              judgement, held))  # fmt: skip
    return lines


def _rejudged(
    *, lines: list[CityLine], before: PeriodResult, after: PeriodResult, columns: np.ndarray
) -> list[CityLine]:
    """The lines whose city cell changed status (未报送 → 待审核) judged again; the others shared as they are."""
    rows = np.arange(len(lines))
    changed = np.flatnonzero(after.status[rows, columns] != before.status[rows, columns])
    if not len(changed):
        return lines
    lines = list(lines)
    for i in changed:
        judgement = _judgement(
            after, int(i), int(columns[i]), lines[i].judgement.expected_pct, lines[i].judgement.aspiration
        )
        lines[i] = dataclasses.replace(lines[i], judgement=judgement)
    return lines


def _with_year_on_year(*, lines: list[CityLine], history: LastYear, month: int) -> list[CityLine]:
    """Each city line with its 同比, where last year's figure of the month is in the store."""
    return [
        dataclasses.replace(line, year_on_year=year_on_year(indicator=line.indicator, now=line.figure.value,
                            before=history.city_value(code=line.indicator.id, month=month)))
        for line in lines
    ]  # fmt: skip


def _expected(ind: Indicator, frame: PeriodFrame, i: int, on: date, year: int) -> Decimal:
    """序时进度; an "each county" indicator is judged as a count that accrues over the year."""
    if ind.scope.kind is ScopeKind.EACH:
        count = ind.model_copy(update={"accumulation": Accumulation.CUMULATIVE})
        return expected_pct(indicator=count, year=year, on=on)
    return as_decimal(frame.indicators.expected[i]) or Decimal(0)


def _judgement(result: PeriodResult, i: int, u: int, expected: Decimal, aspiration: bool) -> Judgement:
    code = int(result.status[i, u])
    # a cell without a target cannot be the city's line of a judged indicator; shown as not reported
    status = Status.NOT_REPORTED if code == NO_TARGET else STATUSES[code]
    return Judgement(
        status, as_decimal(result.completion[i, u]), expected, as_decimal(result.gap[i, u]), aspiration
    )


def _places(session: Session, plan_id: int) -> dict[str, tuple[str, Decimal, bool, TaskHeading]]:
    """Indicator code → (area name, area weight, 惠民实事 area, task heading); kept while only entries change."""
    return remembered_across_entries(session=session, key=("places", plan_id),
                                     compute=lambda: _places_read(session, plan_id))  # fmt: skip


def _places_read(session: Session, plan_id: int) -> dict[str, tuple[str, Decimal, bool, TaskHeading]]:
    numbers = _task_numbers(session, plan_id)
    query = (
        select(IndicatorRow.code, AreaRow.name, AreaRow.weight, AreaRow.livelihood, TaskRow.id, TaskRow.code,
               TaskRow.title)
        .join(TaskRow, TaskRow.id == IndicatorRow.task_id).join(AreaRow, AreaRow.id == TaskRow.area_id)
        .where(IndicatorRow.plan_id == plan_id)
    )  # fmt: skip
    return {
        code: (area, Decimal(weight), bool(livelihood), TaskHeading(numbers[task_id], task_code, title))
        for code, area, weight, livelihood, task_id, task_code, title in session.execute(query)
    }


def _task_numbers(session: Session, plan_id: int) -> dict[int, int]:
    """Each task's number within its area (1, 2, ...), in the plan's order."""
    rows = session.execute(
        select(TaskRow.id, TaskRow.area_id).join(AreaRow, AreaRow.id == TaskRow.area_id)
        .where(AreaRow.plan_id == plan_id).order_by(AreaRow.position, TaskRow.position, TaskRow.id)
    ).all()  # fmt: skip
    numbers: dict[int, int] = {}
    seen: dict[int, int] = {}
    for task_id, area_id in rows:
        seen[area_id] = seen.get(area_id, 0) + 1
        numbers[task_id] = seen[area_id]
    return numbers


def _areas(lines: list[CityLine]) -> list[AreaSummary]:
    items = [ScoredItem(unit="", indicator=line.indicator.id, status=line.judgement.status, area=line.area,
                        weight=line.weight, aspiration=line.indicator.aspiration) for line in lines]  # fmt: skip
    return summarise_areas(items=items)


# -- ranking ------------------------------------------------------------------------------------


def _rankings(*, result: PeriodResult, lines: list[CityLine], units: UnitFacts) -> list[Ranking]:
    """The counties best first, tied as `ranking.rank_units` ties them."""
    weights = np.array([float(line.weight) for line in lines])
    aspiration = np.array([line.indicator.aspiration for line in lines], dtype=bool)
    ranked = _ranked(units)
    # each unit is scored on its own column: the ranked ones alone (a province's 16 cities of 1,646 units)
    status = result.status[:, ranked]
    score, done, far = unit_scores(result=dataclasses.replace(result, status=status), weights=weights,
                                   aspiration=aspiration)  # fmt: skip
    judged = (status != NO_TARGET) & ~aspiration[:, None]
    counts = {s: (judged & (status == code)).sum(axis=0) for code, s in enumerate(STATUSES)}
    totals = judged.sum(axis=0)
    # ties keep the order in which the overview first meets the counties: by their first judged target
    first = judged.argmax(axis=0)
    counties = sorted((c for c in range(len(ranked)) if totals[c] > 0), key=lambda c: (first[c], ranked[c]))
    key = {c: (-round(float(score[c]), _TIE_DIGITS), -round(float(done[c]), _TIE_DIGITS), int(far[c]))
           for c in counties}  # fmt: skip
    order = sorted(counties, key=key.__getitem__)
    ranks = places(scores=[_rounded(score[c]) for c in order])
    return [Ranking(unit=units.names[ranked[c]], rank=rank, score=_rounded(score[c]), done_share=_rounded(done[c]),
                    counts={s: int(n[c]) for s, n in counts.items()})
            for c, rank in zip(order, ranks, strict=True)]  # fmt: skip


def _ranked(units: UnitFacts) -> np.ndarray:
    """The units one level below the plan's top (a province's cities, a city's counties)."""
    kind = units.level().ranked
    return np.array([u for u, k in enumerate(units.kinds) if k == kind], dtype=np.int64)


def _rounded(value: float) -> Decimal:
    return Decimal(repr(round(float(value), _TIE_DIGITS)))


__all__ = ["CityLine", "CountyValue", "DashboardSummary", "dashboard_summary"]
