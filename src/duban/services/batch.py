"""Reading one period of a plan from the store into the vectorised judge, fast.

Figures come out of the store with raw SQL as floats (cast in SQL) straight into numpy arrays; no ORM
objects are made for entries or unit targets. Only approved (official) figures count, as in
`overview.period_overview`. Targets per (indicator, unit): the unit's own breakdown target (without a
breakdown, the reporting unit of `assignments.reporting_units` holds the indicator's target); every
unit above a unit with a target gets the sum of its children's targets for counts and amounts, and
the indicator's target for rates, shares and growth, except the plan's top unit (the city), which is
always held to the indicator's target. Units below the reporting units, or off their branches, have
no target (`NO_TARGET`): a department's indicator is not judged at the city.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from duban.choices import TOP_KINDS, Accumulation, OrgKind, ScopeKind
from duban.months import month_end
from duban.persistence import blocks, target_blocks
from duban.persistence.models import AreaRow, IndicatorRow, OrgUnitRow, PlanRow, TaskRow
from duban.persistence.readcache import remembered_across_entries
from duban.plan.assignments import no_task_target
from duban.plan.model import PERCENT_KINDS, Indicator, Profile, Scope, Thresholds
from duban.progress.batch import (
    PeriodFrame,
    PeriodResult,
    UnitTree,
    alongside,
    indicator_arrays,
    judge_period,
)
from duban.progress.forecast import cumulative_pattern
from duban.progress.formula import Formula, FormulaError, parse_formula
from duban.progress.judge import STAGE_SHARE
from duban.services.history import LastYear, last_year
from duban.services.plans import asked_in, unit_of_region
from duban.services.units import in_region

_STAGE_SHARE = np.array([float(STAGE_SHARE[s]) for s in blocks.STAGES])


def period_frame(
    *, session: Session, plan_id: int, month: int, history: bool = False, pending: bool = False,
    only: Sequence[int] | None = None,
) -> tuple[PeriodFrame, list[str]]:  # fmt: skip
    """The plan's figures for `month` (and every earlier month with `history`) as a `PeriodFrame`.

    Approved figures only, or with `pending` the submitted figures awaiting review in their place (含待审核数据).
    With `only` (store ids), of those indicators alone (those of them asked in `month`).
    The list holds, in Chinese, what the frame leaves out (formulas that cannot be evaluated).
    """
    read = _Read.of(session=session, plan_id=plan_id, month=month, only=only)
    return read.frame(session=session, history=history, pending=pending)


@dataclasses.dataclass(frozen=True)
class _Read:
    """What a period's frame is made of besides its figures: the plan, its units and indicators, targets."""

    plan: PlanRow
    month: int
    units: _Units
    ids: np.ndarray
    indicators: list[Indicator]
    target: np.ndarray
    only: Sequence[int] | None

    @classmethod
    def of(cls, *, session: Session, plan_id: int, month: int, only: Sequence[int] | None = None) -> _Read:
        """Read the plan's units, its indicators asked in `month` (of `only`) and their targets."""
        return cls.fetched(session=session, plan_id=plan_id, month=month, only=only)()

    @classmethod
    def fetched(
        cls, *, session: Session, plan_id: int, month: int, only: Sequence[int] | None = None
    ) -> Callable[[], _Read]:
        """What `of` reads from the store, and the work that makes a `_Read` of it: that work needs no session,
        so a helper thread may do it while this one reads the figures."""
        plan = session.get_one(PlanRow, plan_id)
        units = _Units.read(session, plan)
        ids, rows = _indicator_rows(session, plan_id, month, only=only)
        blocks = target_blocks.targets(session=session, plan_id=plan_id, only=only)

        def made() -> _Read:
            indicators = [_indicator(r._mapping) for r in rows]
            target = _targets(blocks=blocks, units=units, ids=ids, indicators=indicators)
            return cls(plan, month, units, ids, indicators, target, only)

        return made

    def frame(self, *, session: Session, history: bool, pending: bool) -> tuple[PeriodFrame, list[str]]:
        """The period's figures (with `history` every month from January) around what was read."""
        rows = _Rows.read(session=session, plan_id=self.plan.id, month=self.month, history=history,
                          pending=pending, only=self.only)  # fmt: skip
        return self.framed(rows=rows, history=history)

    def framed(self, *, rows: _Rows, history: bool) -> tuple[PeriodFrame, list[str]]:
        """The frame of these figures (read with `history` or not) around what was read."""
        rows = rows.indexed(indicators=_index_of(self.ids), units=self.units.index).with_stages(self.target)
        formulas, notes = _formulas(self.indicators)
        on = month_end(self.plan.year, self.month)
        frame = PeriodFrame(
            indicators=indicator_arrays(indicators=self.indicators, year=self.plan.year, on=on),
            units=self.units.tree, month=self.month, indicator=rows.indicator, unit=rows.unit,
            value=rows.value, numerator=rows.numerator, denominator=rows.denominator, target=self.target,
            row_month=rows.month if history else None, formulas=formulas,
        )  # fmt: skip
        return frame, notes


def judge_plan_period(*, session: Session, plan_id: int, month: int) -> PeriodResult:
    """Status, roll-up and forecast (this year's months so far, last year's monthly pattern) of every cell."""
    made = _Read.fetched(session=session, plan_id=plan_id, month=month)
    rows, read = alongside(  # the figures read from the store while a helper makes the plan's arrays
        lambda: _Rows.read(session=session, plan_id=plan_id, month=month, history=True, pending=False), made
    )
    frame, _ = read.framed(rows=rows, history=True)
    frame = _with_last_year(session=session, read=read, frame=frame)
    thresholds = Thresholds.model_validate(read.plan.thresholds or {})
    result = judge_period(frame=frame, thresholds=thresholds)
    _judge_each_counts(frame=frame, result=result, indicators=read.indicators, top=read.units.top,
                       year=read.plan.year, thresholds=thresholds)  # fmt: skip
    return result


def _with_last_year(*, session: Session, read: _Read, frame: PeriodFrame) -> PeriodFrame:
    """The frame with last year's monthly patterns: the city's per indicator, a unit's own where it has one."""
    history = last_year(session=session, plan_row=read.plan)
    patterns = history.patterns()
    if not patterns:
        return frame
    on = month_end(read.plan.year, frame.month)
    arrays = indicator_arrays(
        indicators=read.indicators, year=read.plan.year, on=on, last_year_monthly=patterns
    )
    return dataclasses.replace(frame, indicators=arrays, unit_pattern=_unit_patterns(history, frame))


def _unit_patterns(history: LastYear, frame: PeriodFrame) -> np.ndarray:
    """I x U x 13 cumulative shares of each unit's own last year, NaN where it has none."""
    found = np.full((len(frame.indicators.ids), len(frame.units.names), 13), np.nan)
    unit_of = {name: u for u, name in enumerate(frame.units.names)}
    for i, code in enumerate(frame.indicators.ids):
        for unit in history.units.get(code, {}):
            amounts = history.unit_monthly(code=code, unit=unit)
            if amounts is not None and unit in unit_of:
                found[i, unit_of[unit]] = cumulative_pattern(last_year_monthly=amounts)
    return found


def earlier_figures(
    *, session: Session, plan_id: int, month: int, ids: np.ndarray, pending: bool = False, only: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """(indicator x unit) each cell's last value of a month before `month` and that month (NaN where none).

    Indicators are the store `ids` in the frame's order, units in `_Units` order; the figures counted as
    `period_frame` counts them (approved, or with `pending` the submitted ones); with `only`, `ids` alone are read.
    """
    units = _Units.read(session, session.get_one(PlanRow, plan_id))
    value = np.full((len(ids), len(units.tree.names)), np.nan)
    found = value.copy()
    if month <= 1:
        return value, found
    rows = _Rows.read(session=session, plan_id=plan_id, month=month - 1, history=True, pending=pending,
                      only=[int(i) for i in ids] if only else None)  # fmt: skip
    ind, unit = _looked_up(_index_of(ids), rows.indicator), _looked_up(units.index, rows.unit)
    known = (ind >= 0) & (unit >= 0) & ~np.isnan(rows.value)
    ind, unit = ind[known], unit[known]
    cell, months = ind * value.shape[1] + unit, rows.month[known]
    order = np.lexsort((-months, cell))  # each cell's latest month first
    first = order[np.unique(cell[order], return_index=True)[1]]
    value[ind[first], unit[first]], found[ind[first], unit[first]] = rows.value[known][first], months[first]
    return value, found


class _Units:
    """Every org unit as a tree, with a lookup from store id to tree index."""

    def __init__(self, ids: np.ndarray, tree: UnitTree, kinds: list[str], top_id: int | None = None) -> None:
        self.tree, self.kinds = tree, kinds
        self.index = np.full(int(max(ids.max(initial=0), top_id or 0)) + 1, -1, dtype=np.int64)
        self.index[ids] = np.arange(len(ids))
        own = int(self.index[top_id]) if top_id is not None else -1
        first = next((i for i, k in enumerate(kinds) if k in TOP_KINDS and tree.parent[i] < 0), -1)
        self.top = own if own >= 0 else first  # the plan's own top unit (a store may hold several cities)

    @classmethod
    def read(cls, session: Session, plan: PlanRow) -> _Units:
        """The units of `plan`'s tree in display order, the top being the unit its region names; kept across
        writes of entries alone (a province's 1,646 units cost more than re-judging the indicator a write touched)."""
        return remembered_across_entries(session=session, key=("plan units", plan.id),
                                         compute=lambda: cls._read(session, plan))  # fmt: skip

    @classmethod
    def _read(cls, session: Session, plan: PlanRow) -> _Units:
        rows = session.execute(
            select(OrgUnitRow.id, OrgUnitRow.name, OrgUnitRow.parent_id, OrgUnitRow.kind)
            .where(in_region(session=session, region=plan.region))
            .order_by(OrgUnitRow.position, OrgUnitRow.id)
        ).all()
        names = {row.id: row.name for row in rows}
        tree = UnitTree.from_parents({r.name: names.get(r.parent_id) for r in rows})
        top = unit_of_region(session=session, region=plan.region)
        return cls(np.array([r.id for r in rows], dtype=np.int64), tree, [r.kind for r in rows], top)

    def named(self, names: Sequence[str]) -> list[int]:
        position = {name: i for i, name in enumerate(self.tree.names)}
        return [position[n] for n in names if n in position]

    def counties(self) -> list[int]:
        """The counties under the plan's top unit (every county without one)."""
        return [i for i, kind in enumerate(self.kinds) if kind == OrgKind.COUNTY and self._under_top(i)]

    def _under_top(self, unit: int) -> bool:
        parent = self.tree.parent
        while unit >= 0 and unit != self.top:
            unit = int(parent[unit])
        return self.top < 0 or unit == self.top


def _indicators(
    session: Session, plan_id: int, month: int, only: Sequence[int] | None = None
) -> tuple[np.ndarray, list[Indicator]]:
    """The plan's indicators asked in `month` (of `only`, store ids) in document order, without their
    breakdowns, and their store ids."""
    ids, rows = _indicator_rows(session, plan_id, month, only=only)
    return ids, [_indicator(r._mapping) for r in rows]


def _indicator_rows(
    session: Session, plan_id: int, month: int, only: Sequence[int] | None = None
) -> tuple[np.ndarray, Sequence[Any]]:
    """The store ids and rows of `_indicators`, not yet made indicators."""
    lead = aliased(OrgUnitRow)
    query = (
        select(*IndicatorRow.__table__.c, lead.name.label("lead"))
        .join(TaskRow, TaskRow.id == IndicatorRow.task_id)
        .join(AreaRow, AreaRow.id == TaskRow.area_id)
        .outerjoin(lead, lead.id == IndicatorRow.lead_unit_id)
        .where(IndicatorRow.plan_id == plan_id, asked_in(month))
        .order_by(AreaRow.position, TaskRow.position, IndicatorRow.position)
    )
    if only is not None:
        query = query.where(IndicatorRow.id.in_([int(i) for i in only]))
    rows = session.execute(query).all()
    return np.array([r.id for r in rows], dtype=np.int64), rows


def _indicator(row: Any) -> Indicator:
    data: dict[str, Any] = {
        "id": row["code"], "name": row["name"], "unit": row["unit"], "display_unit": row["display_unit"],
        "kind": row["kind"],
        "comparator": row["comparator"], "target": row["target"], "aspiration": row["aspiration"],
        "baseline": row["baseline"], "accumulation": row["accumulation"],
        "numerator": row["numerator_label"], "denominator": row["denominator_label"],
        "scope": Scope.model_validate(row["scope"] or {}), "lead_unit": row["lead"],
        "co_units": row["co_units"] or [], "due": row["due"],
        "profile": Profile.model_validate(row["profile"] or {}), **(row["extra"] or {}),
    }  # fmt: skip
    return Indicator.model_validate(data)


def _index_of(ids: np.ndarray) -> np.ndarray:
    index = np.full(int(ids.max(initial=0)) + 1, -1, dtype=np.int64)
    index[ids] = np.arange(len(ids))
    return index


def _targets(
    *, blocks: Sequence[tuple[int, np.ndarray]], units: _Units, ids: np.ndarray, indicators: list[Indicator]
) -> np.ndarray:
    """The (indicator x unit) target matrix of the target blocks; NaN where a unit has no target."""
    target = np.full((len(indicators), len(units.tree.names)), np.nan)
    row_of = dict(zip(ids.tolist(), range(len(ids)), strict=True))
    for indicator, cells in blocks:
        if (row := row_of.get(indicator)) is not None:  # a retired indicator's breakdown is no other's
            unit = _looked_up(units.index, cells["unit"])
            target[row, unit[unit >= 0]] = cells["value"][unit >= 0]
    own = np.array([float(ind.target) for ind in indicators])
    _default_targets(target=target, indicators=indicators, units=units, own=own)
    reach = np.array([no_task_target(comparator=ind.comparator) for ind in indicators], dtype=bool)
    target[(target == 0) & reach[:, None]] = np.nan  # 无此项任务, as `assignments.has_task`
    ratio = np.array([ind.kind in PERCENT_KINDS for ind in indicators], dtype=bool)
    _fill_parents(target=target, tree=units.tree, own=own, ratio=ratio)
    if units.top >= 0:  # the city is held to the plan's own target, not the sum of its breakdown
        target[:, units.top] = np.where(np.isnan(target[:, units.top]), np.nan, own)
    return target


def _default_targets(
    *, target: np.ndarray, indicators: list[Indicator], units: _Units, own: np.ndarray
) -> None:
    """Indicators without a breakdown: their reporting units are held to the indicator's own target."""
    for i, ind in enumerate(indicators):
        if np.isnan(target[i]).all():
            target[i, _reporting(ind, units)] = own[i]


def _reporting(ind: Indicator, units: _Units) -> list[int]:
    """As `assignments.reporting_units`, for an indicator without a breakdown."""
    if ind.scope.kind is ScopeKind.EACH:
        return units.named(ind.scope.units) if ind.scope.units else units.counties()
    if ind.scope.kind is ScopeKind.UNIT and ind.scope.unit:
        return units.named([ind.scope.unit])
    if ind.lead_unit:
        return units.named([ind.lead_unit])
    return [units.top] if units.top >= 0 else []


def _fill_parents(*, target: np.ndarray, tree: UnitTree, own: np.ndarray, ratio: np.ndarray) -> None:
    """Units above targeted units: summed children's targets, or the indicator's target for ratios."""
    for level in tree.levels:
        children = target[:, level.order]
        seen = np.logical_or.reduceat(~np.isnan(children), level.starts, axis=1)
        total = np.add.reduceat(np.nan_to_num(children), level.starts, axis=1)
        filled = np.where(ratio[:, None], own[:, None], total)
        current = target[:, level.parents]
        target[:, level.parents] = np.where(np.isnan(current) & seen, filled, current)


def _looked_up(index: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """`index[ids]`, -1 for an id beyond the index."""
    if len(ids) and int(ids.max()) < len(index):  # one pass over millions of rows instead of three
        return index[ids]
    found = np.full(len(ids), -1, dtype=np.int64)
    inside = ids < len(index)
    found[inside] = index[ids[inside]]
    return found


class _Rows:
    """Long-format figure rows: store ids first, then tree indices."""

    def __init__(self, indicator: np.ndarray, months: np.ndarray, cells: dict[str, np.ndarray]) -> None:
        staged = cells["stage"] >= 0
        figures = ~staged if staged.any() else slice(None)  # no copies of millions of figures without stages
        self.indicator, self.month = indicator[figures], months[figures]
        self.unit = cells["unit"][figures].astype(np.int64)
        self.value, self.numerator = cells["value"][figures], cells["numerator"][figures]
        self.denominator = cells["denominator"][figures]
        self.stages = np.column_stack(
            [indicator[staged], cells["unit"][staged], months[staged], cells["stage"][staged]]
        ).astype(np.int64)

    @classmethod
    def read(
        cls, *, session: Session, plan_id: int, month: int, history: bool, pending: bool,
        only: Sequence[int] | None = None,
    ) -> _Rows:  # fmt: skip
        """The period's official (or `pending`: submitted) figures and stages; with `history` every month from January.

        Read from the figure blocks (of the indicators `only` names, store ids): a cell with a milestone stage
        carries its stage's code, the others -1.
        """
        first = 1 if history else month
        indicator, months, cells = blocks.figures(
            session=session, plan_id=plan_id, first=first, month=month, pending=pending, only=only
        )
        return cls(indicator, months, cells)

    def indexed(self, *, indicators: np.ndarray, units: np.ndarray) -> _Rows:
        """Store ids turned into tree indices; rows of an indicator not asked this month (retired) or of a
        unit off the plan's tree are left out: index -1 would put them on the last indicator or unit."""
        indicator, unit = alongside(
            lambda: _looked_up(indicators, self.indicator), lambda: _looked_up(units, self.unit)
        )
        self.indicator, self.unit = indicator, unit
        kept = (indicator >= 0) & (unit >= 0)
        if not kept.all():
            self.indicator, self.unit, self.month = indicator[kept], unit[kept], self.month[kept]
            self.value, self.numerator, self.denominator = (
                self.value[kept],
                self.numerator[kept],
                self.denominator[kept],
            )
        if len(self.stages):
            self.stages[:, 0] = _looked_up(indicators, self.stages[:, 0])
            self.stages[:, 1] = _looked_up(units, self.stages[:, 1])
            self.stages = self.stages[(self.stages[:, 0] >= 0) & (self.stages[:, 1] >= 0)]
        return self

    def with_stages(self, target: np.ndarray) -> _Rows:
        """Milestone stages become figures: the stage's credit times the unit's target, as `judge` does."""
        if not len(self.stages):
            return self
        ind, unit, month, code = self.stages.T
        value = _STAGE_SHARE[code] * target[ind, unit]
        blank = np.full(len(ind), np.nan)
        self.indicator, self.unit = np.r_[self.indicator, ind], np.r_[self.unit, unit]
        self.month, self.value = np.r_[self.month, month], np.r_[self.value, value]
        self.numerator, self.denominator = np.r_[self.numerator, blank], np.r_[self.denominator, blank]
        return self


def _formulas(indicators: list[Indicator]) -> tuple[dict[int, Formula], list[str]]:
    """Parsed formulas of derived indicators; a formula that cannot be evaluated is left out, with a note."""
    known = {ind.id for ind in indicators}
    formulas, notes = {}, []
    for i, ind in enumerate(indicators):
        if not ind.formula:
            continue
        try:
            formula = parse_formula(ind.formula)
        except FormulaError as error:
            notes.append(f"指标 {ind.id} 的公式无法计算：{error}")
            continue
        if missing := sorted(formula.ids - known):
            notes.append(f"指标 {ind.id} 的公式引用了本计划没有的指标：{'、'.join(missing)}")
            continue
        formulas[i] = formula
    return formulas, notes


def _judge_each_counts(
    *, frame: PeriodFrame, result: PeriodResult, indicators: list[Indicator], top: int, year: int,
    thresholds: Thresholds,
) -> None:  # fmt: skip
    """ "Each county" targets: the top unit is judged on how many units met theirs, as the overview does."""
    each = np.array(
        [i for i, ind in enumerate(indicators) if ind.scope.kind is ScopeKind.EACH], dtype=np.int64
    )
    if not len(each) or top < 0:
        return
    below = np.flatnonzero(frame.units.parent == top)
    scored = ~np.isnan(frame.target[np.ix_(each, below)])
    reported = (scored & ~np.isnan(result.value[np.ix_(each, below)])).any(axis=1)
    counts = [indicators[i].model_copy(update={"accumulation": Accumulation.CUMULATIVE}) for i in each]
    on = month_end(year, frame.month)
    tally = PeriodFrame(
        indicators=indicator_arrays(indicators=counts, year=year, on=on),
        units=UnitTree.from_parents({"": None}), month=frame.month, indicator=np.flatnonzero(reported),
        unit=np.zeros(int(reported.sum()), dtype=np.int64), value=result.each_met[each, top][reported].astype(float),
        target=result.each_total[each, top].astype(float)[:, None],
    )  # fmt: skip
    judged = judge_period(frame=tally, thresholds=thresholds)
    for name in ("status", "completion", "gap"):
        getattr(result, name)[each, top] = getattr(judged, name)[:, 0]
    result.value[each, top] = np.where(reported, result.each_met[each, top], np.nan)
