"""One period read once and judged by the vectorised judge: what the dashboard and the period overview share.

The figures come from `batch.period_frame` (one reader, no ORM object per entry) and are judged by
`progress.batch.judge_period`; on top of that: targets put back to the values in force in the month
(approved revisions), figures fed from the project ledger in place of entries, a city's own plan's roll-up
in its cell of a province's plan where the province's plan holds no figure for it, and carry-forward (a
reporting cell of a year-to-date count or amount summed with others that has no figure this month is
rolled up with its last earlier one, and stays 未报送 itself). Remembered per `figures` generation.

After an approval the period is not judged again from the store: the indicators whose entries of the month
or an earlier one were touched since the remembered period's generation (`generation.touched_since`; a
write to a later month leaves the period as the very object), with the formulas that
use them, are judged alone and spliced into a copy of it. Indicators are judged independently of each
other but for formulas, so the part judged holds also what the formulas read.
"""

from __future__ import annotations

import dataclasses
import math
import weakref
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from duban.choices import TOP_KINDS, OrgKind, ScopeKind, Status
from duban.months import month_end
from duban.persistence.generation import Generation, touched_since
from duban.persistence.models import IndicatorRow, OrgUnitRow, PeriodRow, PlanRow, UnitTargetRow
from duban.persistence.readcache import remembered, remembered_across_entries
from duban.plan.levels import SHORT, Level, top_level
from duban.plan.lineage import code_above
from duban.plan.model import Indicator, Thresholds
from duban.progress.batch import STATUSES, PeriodFrame, PeriodResult, judge_period
from duban.progress.rollup import carries_forward
from duban.services.batch import _indicators, _judge_each_counts, earlier_figures, period_frame
from duban.services.entry_states import entry_states
from duban.services.office import Basis
from duban.services.plans import plans_below
from duban.services.projects import ledger_feeds_on
from duban.services.revisions import TargetKey, targets_in_force

MOST_SPLICED = 0.25  # a larger share of the indicators touched: the period is judged whole


def judged_period(*, session: Session, plan_row: PlanRow, month: int, basis: Basis) -> JudgedPeriod:
    """The period judged on its figures alone, remembered per `figures` generation (and states when pending count)."""
    return remembered(
        session=session, key=("judged period", plan_row.id, month, basis), states=basis.include_submitted,
        compute=lambda: _judge_from_store(session=session, plan_row=plan_row, month=month, basis=basis),
        refresh=lambda since, old: _judge_touched(session=session, plan_row=plan_row, month=month, basis=basis,
                                                  since=since, old=old),
    )  # fmt: skip


@dataclass(frozen=True)
class JudgedPeriod:
    """A period judged on its figures alone: what does not change when a figure is submitted or returned."""

    indicator_ids: np.ndarray
    indicators: list[Indicator]
    frame: PeriodFrame
    units: UnitFacts
    reporting_cells: np.ndarray
    carried: Carry
    result: PeriodResult
    # (indicator row, unit column) → the unit whose own plan's roll-up the cell holds (a province's city), by name
    from_plans: Mapping[tuple[int, int], str] = field(default_factory=dict)
    splice: Splice | None = field(default=None, compare=False, repr=False)  # None: judged whole

    def rows_since(self, other: JudgedPeriod) -> np.ndarray | None:
        """The rows judged again since `other` if this period was spliced from that very object (the others hold
        what they held there); None if not."""
        if self.splice is None or self.splice.base() is not other:
            return None
        return self.splice.rows


@dataclass(frozen=True)
class Splice:
    """The period a spliced one was made from (weakly held: a chain of them would keep every province's
    arrays alive) and the rows judged again."""

    base: weakref.ref[JudgedPeriod]
    rows: np.ndarray


def _judge_touched(
    *, session: Session, plan_row: PlanRow, month: int, basis: Basis, since: Generation, old: JudgedPeriod
) -> JudgedPeriod | None:
    """`old` with the indicators touched since `since` judged again; None when it must be judged whole."""
    touched = touched_since(session=session, since=since, states=basis.include_submitted, up_to_month=month)
    if touched is None:
        return None
    rows = _with_formulas(old, _touched_rows(session=session, old=old, touched=touched))
    if not len(rows):
        return old
    if len(rows) > MOST_SPLICED * len(old.indicator_ids):
        return None
    part = _judge_from_store(session=session, plan_row=plan_row, month=month, basis=basis,
                             only=old.indicator_ids[with_operands(old, rows)])  # fmt: skip
    return old if _unchanged(old, part) else _spliced(old, part)


def _unchanged(old: JudgedPeriod, part: JudgedPeriod) -> bool:
    """Whether `part`, judged afresh, holds what `old` holds for its indicators (a write to a later month):
    `old` then stays the very object, and what is derived from it (city lines, the summary) with it."""
    row_of = {int(ident): i for i, ident in enumerate(old.indicator_ids)}
    rows = np.array([row_of[int(ident)] for ident in part.indicator_ids], dtype=np.int64)
    if [old.indicators[i] for i in rows] != part.indicators:
        return False
    pairs = [
        (getattr(old.result, f.name)[rows], getattr(part.result, f.name))
        for f in dataclasses.fields(PeriodResult)
    ]
    pairs += [(old.carried.month[rows], part.carried.month), (old.carried.value[rows], part.carried.value),
              (old.reporting_cells[rows], part.reporting_cells), (old.frame.target[rows], part.frame.target)]  # fmt: skip
    mine = np.isin(old.frame.indicator, rows)
    pairs.append((old.frame.indicator[mine], rows[part.frame.indicator]))
    for name in ("unit", "value", "numerator", "denominator"):
        theirs, ours = getattr(part.frame, name), getattr(old.frame, name)
        pairs.append((None if ours is None else ours[mine], theirs))
    return all(_same(a, b) for a, b in pairs)


def _same(a: np.ndarray | None, b: np.ndarray | None) -> bool:
    """Equal arrays (NaN equal to NaN), or both absent."""
    if a is None or b is None:
        return a is b
    return a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=a.dtype.kind == "f"))


def _touched_rows(*, session: Session, old: JudgedPeriod, touched: Collection[int]) -> np.ndarray:
    """The rows of the touched indicators: the plan's own, and those of the same code as an indicator of
    another plan that was touched (a city's plan below a province's feeds the province's cell of it)."""
    rows = np.isin(old.indicator_ids, list(touched))
    others = set(touched) - set(old.indicator_ids.tolist())
    if others:
        codes = set(session.scalars(select(IndicatorRow.code).where(IndicatorRow.id.in_(others))))
        rows |= np.isin(np.array(old.frame.indicators.ids, dtype=object), list(codes))
    return np.flatnonzero(rows)


def _with_formulas(old: JudgedPeriod, rows: np.ndarray) -> np.ndarray:
    """`rows` and the rows of the formulas that read any of them, at any depth."""
    ids, found = old.frame.indicators.ids, set(rows.tolist())
    while True:
        codes = {ids[i] for i in found}
        more = {i for i, formula in old.frame.formulas.items() if formula.ids & codes} - found
        if not more:
            return np.array(sorted(found), dtype=np.int64)
        found |= more


def with_operands(old: JudgedPeriod, rows: np.ndarray) -> np.ndarray:
    """`rows` and the rows their formulas read, at any depth."""
    row_of = {code: i for i, code in enumerate(old.frame.indicators.ids)}
    found, todo = set(rows.tolist()), list(rows.tolist())
    while todo:
        formula = old.frame.formulas.get(todo.pop())
        operands = {row_of[code] for code in formula.ids if code in row_of} if formula else set()
        todo.extend(operands - found)
        found |= operands
    return np.array(sorted(found), dtype=np.int64)


def _spliced(old: JudgedPeriod, part: JudgedPeriod) -> JudgedPeriod:
    """A copy of `old` with `part`'s indicators, judged afresh, in place of its own (`old` is left as it was)."""
    row_of = {int(ident): i for i, ident in enumerate(old.indicator_ids)}
    rows = np.array([row_of[int(ident)] for ident in part.indicator_ids], dtype=np.int64)
    indicators = list(old.indicators)
    for i, indicator in zip(rows.tolist(), part.indicators, strict=True):
        indicators[i] = indicator
    carried = Carry(
        _put(old.carried.month, rows, part.carried.month), _put(old.carried.value, rows, part.carried.value)
    )
    result = PeriodResult(**{field.name: _put(getattr(old.result, field.name), rows, getattr(part.result, field.name))
                             for field in dataclasses.fields(PeriodResult)})  # fmt: skip
    cells = _put(old.reporting_cells, rows, part.reporting_cells)
    frame = _spliced_frame(old.frame, part.frame, rows)
    return dataclasses.replace(old, indicators=indicators, frame=frame, reporting_cells=cells, carried=carried,
                               result=result, splice=Splice(weakref.ref(old), rows))  # fmt: skip


def _put(whole: np.ndarray, rows: np.ndarray, part: np.ndarray) -> np.ndarray:
    """A copy of `whole` with `part` in its `rows` (first axis); `whole` itself where those rows hold `part`
    already (an approval leaves most of the 19 arrays as they were: copying each costs O(cells), comparing O(rows))."""
    if _same(whole[rows], part):
        return whole
    copy = whole.copy()
    copy[rows] = part
    return copy


def _spliced_frame(old: PeriodFrame, part: PeriodFrame, rows: np.ndarray) -> PeriodFrame:
    """`old`'s figure rows of other indicators, then `part`'s (in their order: a cell's later row wins); where
    `part` holds the very cells `old` held for its indicators (a figure changed, none added), its figures in
    their places, and the columns they leave as they were shared."""
    target = _put(old.target, rows, part.target)
    mine = np.isin(old.indicator, rows)
    at = np.flatnonzero(mine)
    names = ("value", "numerator", "denominator")
    if (
        _same(old.indicator[at], rows[part.indicator])
        and _same(old.unit[at], part.unit)
        and all((getattr(old, name) is None) == (getattr(part, name) is None) for name in names)
    ):
        return dataclasses.replace(
            old, target=target, value=_put(old.value, at, part.value),
            numerator=_put_column(old.numerator, at, part.numerator),
            denominator=_put_column(old.denominator, at, part.denominator),
        )  # fmt: skip
    frame = _joined(old, keep=~mine, indicator=rows[part.indicator], unit=part.unit, value=part.value,
                    numerator=part.numerator, denominator=part.denominator)  # fmt: skip
    return dataclasses.replace(frame, target=target)


def _put_column(whole: np.ndarray | None, at: np.ndarray, part: np.ndarray | None) -> np.ndarray | None:
    """A figure column with `part` at the rows `at` (`_put`); None where the frames have no such column."""
    if whole is None or part is None:
        return None
    return _put(whole, at, part)


def _judge_from_store(
    *, session: Session, plan_row: PlanRow, month: int, basis: Basis, only: np.ndarray | None = None
) -> JudgedPeriod:
    """Figures (revised targets, ledger feeds, carried figures) read and judged; of the indicators `only`
    names (store ids) alone if given."""
    ids = None if only is None else [int(i) for i in only]
    indicator_ids, indicators = _indicators(session, plan_row.id, month, only=ids)
    frame, _ = period_frame(
        session=session, plan_id=plan_row.id, month=month, pending=basis.include_submitted, only=ids
    )
    units = UnitFacts.read(session, frame.units.names)
    codes = set(frame.indicators.ids)
    revised = {key: value for key, value in targets_in_force(session=session, plan_id=plan_row.id, month=month).items()
               if key[0] in codes}  # fmt: skip
    indicators = _with_revisions(
        session=session, plan_id=plan_row.id, frame=frame, indicators=indicators, targets=revised
    )
    if any(ind.fed_by_ledger for ind in indicators):
        frame = _with_ledger_feeds(session=session, plan_row=plan_row, frame=frame, month=month)
    frame, from_plans = _with_plans_below(session=session, plan_row=plan_row, frame=frame, units=units,
                                          indicators=indicators, basis=basis)  # fmt: skip
    cells = reporting_cells(frame)
    carried = Carry.none(frame.target.shape)
    if basis.carry_forward:
        carried, frame = _with_carried(session=session, plan_row=plan_row, frame=frame, indicators=indicators,
                                       ids=indicator_ids, cells=cells, pending=basis.include_submitted,
                                       only=only is not None)  # fmt: skip
    result = _judged(frame=frame, plan_row=plan_row, indicators=indicators, top=units.top)
    _unjudge_carried(result=result, carried=carried)
    return JudgedPeriod(indicator_ids, indicators, frame, units, cells, carried, result, from_plans)


def city_columns(*, cells: np.ndarray, indicators: Sequence[Indicator], top: int) -> np.ndarray:
    """Per indicator, the unit whose cell is the plan's own figure: the only reporting unit of a single-unit
    target, else the top unit ("each county" targets always at the top, where the met count is)."""
    if cells.shape[1] == 0:  # a plan with no units yet (a store from before the units were loaded)
        return np.zeros(len(indicators), dtype=np.int64)
    single = cells.sum(axis=1) == 1
    each = np.array([ind.scope.kind is ScopeKind.EACH for ind in indicators], dtype=bool)
    return np.where(single & ~each, cells.argmax(axis=1), max(top, 0))


# -- judging ------------------------------------------------------------------------------------


def _judged(*, frame: PeriodFrame, plan_row: PlanRow, indicators: list[Indicator], top: int) -> PeriodResult:
    """The period's judgement, "each county" counts at the top included, as `judge_plan_period` does."""
    thresholds = Thresholds.model_validate(plan_row.thresholds or {})
    result = judge_period(frame=frame, thresholds=thresholds)
    _judge_each_counts(frame=frame, result=result, indicators=indicators, top=top, year=plan_row.year,
                       thresholds=thresholds)  # fmt: skip
    return result


def _with_revisions(
    *, session: Session, plan_id: int, frame: PeriodFrame, indicators: list[Indicator],
    targets: Mapping[TargetKey, Decimal],
) -> list[Indicator]:  # fmt: skip
    """Targets revised after `month` put back to the values then in force (the store holds year-end ones).

    A unit's share moves its ancestors' summed targets with it; the city's target moves the indicator's
    own, and with it every cell that `store.batch` holds to the own target. The frame changes in place.
    """
    row_of = {code: i for i, code in enumerate(frame.indicators.ids)}
    unit_of = {name: u for u, name in enumerate(frame.units.names)}
    revised = list(indicators)
    shared = _broken_down(session, plan_id, [row_of[code] for code, unit in targets if unit is None], frame)
    for (code, unit), value in targets.items():
        i = row_of[code]
        if unit is None:
            _move_own(frame=frame, i=i, old=float(revised[i].target), value=float(value), shared=i in shared)
            revised[i] = revised[i].model_copy(update={"target": value})
        elif unit in unit_of:
            _move_share(frame=frame, i=i, u=unit_of[unit], value=float(value))
    return revised


def _broken_down(session: Session, plan_id: int, rows: list[int], frame: PeriodFrame) -> set[int]:
    """Which of the indicator rows have a breakdown (unit targets of their own) in the store."""
    if not rows:
        return set()
    codes = [frame.indicators.ids[i] for i in rows]
    query = (
        select(IndicatorRow.code).join(UnitTargetRow, UnitTargetRow.indicator_id == IndicatorRow.id)
        .where(IndicatorRow.plan_id == plan_id, IndicatorRow.code.in_(codes)).distinct()
    )  # fmt: skip
    return {frame.indicators.ids.index(code) for code in session.scalars(query)}


def _move_own(*, frame: PeriodFrame, i: int, old: float, value: float, shared: bool) -> None:
    """Cells held to the own target: the top, ratios' upper levels, and without a breakdown the reporters."""
    row = frame.target[i]
    parents = np.unique(frame.units.parent[(frame.units.parent >= 0) & ~np.isnan(row)])
    held = np.zeros(len(row), dtype=bool)
    held[frame.units.parent < 0] = True
    if frame.indicators.ratio[i]:
        held[parents] = True
    if not shared:
        held[:] = True
    row[held & (row == old)] = value


def _move_share(*, frame: PeriodFrame, i: int, u: int, value: float) -> None:
    """A unit's share; the summed targets above it move with it (ratios and the city keep theirs)."""
    delta, frame.target[i, u] = value - frame.target[i, u], value
    if frame.indicators.ratio[i]:
        return
    above = int(frame.units.parent[u])
    while above >= 0 and frame.units.parent[above] >= 0:
        frame.target[i, above] += delta
        above = int(frame.units.parent[above])


def _with_ledger_feeds(*, session: Session, plan_row: PlanRow, frame: PeriodFrame, month: int) -> PeriodFrame:
    """Ledger figures stand in for the entries of the reporting cells of the indicators they feed."""
    on = month_end(plan_row.year, month)
    feeds = ledger_feeds_on(session=session, plan_id=plan_row.id, dates=[on]).get(on, {})
    row_of = {code: i for i, code in enumerate(frame.indicators.ids)}
    unit_of = {name: u for u, name in enumerate(frame.units.names)}
    reporting = reporting_cells(frame)
    fed = [(row_of[code], unit_of[unit], float(value)) for code, values in feeds.items() if values and code in row_of
           for unit, value in values.items() if unit in unit_of]  # fmt: skip
    fed = [cell for cell in fed if reporting[cell[0], cell[1]]]
    if not fed:
        return frame
    keep = ~np.isin(frame.indicator, [i for i, _, _ in fed])
    i, u, value = (np.array(column) for column in zip(*fed, strict=True))
    return _joined(frame, keep=keep, indicator=i, unit=u, value=value)


def reported_in_plans_below(
    *, session: Session, plan_row: PlanRow, month: int, basis: Basis
) -> set[tuple[int, int]]:
    """(unit id, indicator row id) of the cells a city's own plan filled (`JudgedPeriod.from_plans`): the city
    reported there, so every 报送情况 counts them approved; none (and no judging) without plans below."""
    if not plans_below(session=session, plan_row=plan_row):
        return set()
    core = judged_period(session=session, plan_row=plan_row, month=month, basis=basis)
    return {(int(core.units.ids[u]), int(core.indicator_ids[i])) for i, u in core.from_plans}


def _with_plans_below(
    *, session: Session, plan_row: PlanRow, frame: PeriodFrame, units: UnitFacts, indicators: list[Indicator],
    basis: Basis,
) -> tuple[PeriodFrame, dict[tuple[int, int], str]]:  # fmt: skip
    """A city holding a plan of its own under a province's plan: its cell takes that plan's judged roll-up
    at the city (the indicator of the same code, or of the code the city's is mapped to: `code_above`) where
    `takes_plan_below` says so; and which cells did, by the city's name."""
    added, sources = _plans_below_rows(session=session, plan_row=plan_row, frame=frame, units=units,
                                       indicators=indicators, basis=basis)  # fmt: skip
    return _with_rows(frame, added), sources


def _plans_below_rows(
    *, session: Session, plan_row: PlanRow, frame: PeriodFrame, units: UnitFacts, indicators: list[Indicator],
    basis: Basis,
) -> tuple[list[tuple[int, int, float, float, float]], dict[tuple[int, int], str]]:  # fmt: skip
    """The rows `_with_plans_below` adds for the frame's month, and the cells they fill by the city's name."""
    column_of = {ident: u for u, ident in enumerate(units.ids)}
    row_of = {code: i for i, code in enumerate(frame.indicators.ids)}
    open_cells = takes_plan_below(reporting=reporting_cells(frame), own=_own_figures(frame))
    added: list[tuple[int, int, float, float, float]] = []
    sources: dict[tuple[int, int], str] = {}
    for below, unit_id in plans_below(session=session, plan_row=plan_row):
        u = column_of.get(unit_id, units.top)
        if u == units.top or not open_cells[:, u].any():
            continue
        lower = judged_period(session=session, plan_row=below, month=frame.month, basis=basis)
        for j, ind in enumerate(lower.indicators):
            i = row_of.get(code_above(ind), -1)
            if i < 0 or not open_cells[i, u] or not _same_measure(indicators[i], ind) or lower.units.top < 0:
                continue
            cell = (lower.result.value, lower.result.numerator, lower.result.denominator)
            value, numerator, denominator = (float(a[j, lower.units.top]) for a in cell)
            if not math.isnan(value):
                added.append((i, u, value, numerator, denominator))
                sources[i, u] = units.names[u]
    return added, sources


def with_plans_below_history(
    *, session: Session, plan_row: PlanRow, frame: PeriodFrame, units: UnitFacts, indicators: list[Indicator],
    basis: Basis,
) -> PeriodFrame:  # fmt: skip
    """A frame of every month so far with, month by month, what `_with_plans_below` adds to the month judged:
    the cities' own plans' roll-ups where the province's plan holds no figure (so its series agree with its cells).
    `indicators` are the frame's, in its order."""
    if frame.row_month is None or not plans_below(session=session, plan_row=plan_row):
        return frame
    taken = frame
    for month in range(1, frame.month + 1):
        at = frame.row_month == month
        alone = dataclasses.replace(
            frame, month=month, indicator=frame.indicator[at], unit=frame.unit[at], value=frame.value[at],
            numerator=None if frame.numerator is None else frame.numerator[at],
            denominator=None if frame.denominator is None else frame.denominator[at], row_month=None,
        )  # fmt: skip
        rows, _ = _plans_below_rows(session=session, plan_row=plan_row, frame=alone, units=units,
                                    indicators=indicators, basis=basis)  # fmt: skip
        taken = _with_rows(taken, rows, month=month)
    return taken


def takes_plan_below(*, reporting: np.ndarray, own: np.ndarray) -> np.ndarray:
    """Which figure wins in a city's cell of a province's plan: the province plan's own (an entry, a ledger
    feed); only a reporting cell with none takes the city's own plan's roll-up."""
    return reporting & ~own


def _own_figures(frame: PeriodFrame) -> np.ndarray:
    """(indicator x unit) whether the frame holds a figure (a value, or a numerator and denominator)."""
    has = ~np.isnan(frame.value)
    if frame.numerator is not None and frame.denominator is not None:
        has |= ~np.isnan(frame.numerator) & ~np.isnan(frame.denominator)
    own = np.zeros(frame.target.shape, dtype=bool)
    own[frame.indicator[has], frame.unit[has]] = True
    return own


def _same_measure(upper: Indicator, lower: Indicator) -> bool:
    """Whether the lower plan's indicator of the same code measures the same (not an "each county" count)."""
    each = ScopeKind.EACH in (upper.scope.kind, lower.scope.kind)
    return not each and (upper.kind, upper.unit) == (lower.kind, lower.unit)


def _with_rows(
    frame: PeriodFrame, rows: Sequence[tuple[int, int, float, float, float]], month: int | None = None
) -> PeriodFrame:
    """The frame with figure rows (indicator, unit, value, numerator, denominator) added for `month` (its own)."""
    if not rows:
        return frame
    i, u, value, numerator, denominator = (np.array(column) for column in zip(*rows, strict=True))
    return _joined(frame, indicator=i, unit=u, value=value, numerator=numerator, denominator=denominator,
                   month=month)  # fmt: skip


def _joined(
    frame: PeriodFrame, *, indicator: np.ndarray, unit: np.ndarray, value: np.ndarray,
    numerator: np.ndarray | None = None, denominator: np.ndarray | None = None, keep: np.ndarray | None = None,
    month: int | None = None,
) -> PeriodFrame:  # fmt: skip
    """The one row-joiner: the frame's figure rows that `keep` marks (every one without), then the rows given
    (no numerator or denominator: NaN), of `month` (the frame's own) where the frame holds months."""
    keep = np.ones(len(frame.indicator), dtype=bool) if keep is None else keep
    blank = np.full(len(indicator), np.nan)

    def column(mine: np.ndarray | None, theirs: np.ndarray | None) -> np.ndarray:
        mine = np.full(len(frame.indicator), np.nan) if mine is None else mine
        return np.r_[mine[keep], blank if theirs is None else np.asarray(theirs, dtype=float)]

    months = (
        None
        if frame.row_month is None
        else np.r_[frame.row_month[keep], np.full(len(indicator), month or frame.month)]
    )
    return dataclasses.replace(
        frame, indicator=np.r_[frame.indicator[keep], indicator].astype(np.int64),
        unit=np.r_[frame.unit[keep], unit].astype(np.int64), value=column(frame.value, value),
        numerator=column(frame.numerator, numerator), denominator=column(frame.denominator, denominator),
        row_month=months,
    )  # fmt: skip


def _with_carried(
    *, session: Session, plan_row: PlanRow, frame: PeriodFrame, indicators: list[Indicator], ids: np.ndarray,
    cells: np.ndarray, pending: bool, only: bool,
) -> tuple[Carry, PeriodFrame]:  # fmt: skip
    """The month carried per cell (NaN where none), and the frame with those cells' last earlier figures added."""
    value, month = earlier_figures(session=session, plan_id=plan_row.id, month=frame.month, ids=ids,
                                   pending=pending, only=only)  # fmt: skip
    has = np.zeros(frame.target.shape, dtype=bool)
    has[frame.indicator[~np.isnan(frame.value)], frame.unit[~np.isnan(frame.value)]] = True
    carries = np.array([carries_forward(indicator=ind) for ind in indicators], dtype=bool)
    summed = carries & (cells.sum(axis=1) > 1)
    carry = cells & ~has & summed[:, None] & ~np.isnan(value)
    i, u = np.nonzero(carry)
    if not len(i):
        return Carry.none(frame.target.shape), frame
    blank = np.full(len(i), np.nan)

    def joined(column: np.ndarray | None, extra: np.ndarray) -> np.ndarray:
        base = np.full(len(frame.indicator), np.nan) if column is None else column
        return np.r_[base, extra]

    frame = dataclasses.replace(
        frame, indicator=np.r_[frame.indicator, i].astype(np.int64), unit=np.r_[frame.unit, u].astype(np.int64),
        value=np.r_[frame.value, value[i, u]], numerator=joined(frame.numerator, blank),
        denominator=joined(frame.denominator, blank),
    )  # fmt: skip
    return Carry(np.where(carry, month, np.nan), np.where(carry, value, np.nan)), frame


@dataclass(frozen=True)
class Carry:
    """(indicator x unit) the month and figure carried into the parents' sums; NaN where nothing is."""

    month: np.ndarray
    value: np.ndarray

    @classmethod
    def none(cls, shape: tuple[int, ...]) -> Carry:
        return cls(np.full(shape, np.nan), np.full(shape, np.nan))


def _unjudge_carried(*, result: PeriodResult, carried: Carry) -> None:
    """A carried cell counts in its parents' sums only: itself it stays 未报送, with no figure or completion."""
    mask = ~np.isnan(carried.month)
    if not mask.any():
        return
    result.status[mask] = STATUSES.index(Status.NOT_REPORTED)
    for name in ("value", "completion", "gap"):
        getattr(result, name)[mask] = np.nan


def mark_pending(
    *, session: Session, plan_row: PlanRow, month: int, result: PeriodResult, cells: np.ndarray,
    indicator_ids: np.ndarray, unit_ids: list[int],
) -> None:  # fmt: skip
    """Reporting cells whose only figure awaits review are 待审核, not 未报送 (as the overview marks them)."""
    period_id = session.scalar(
        select(PeriodRow.id).where(PeriodRow.plan_id == plan_row.id, PeriodRow.month == month)
    )
    if period_id is None:
        return
    submitted = entry_states(session=session, period_id=period_id).submitted
    row_of = {int(store_id): i for i, store_id in enumerate(indicator_ids)}
    column_of = {store_id: u for u, store_id in enumerate(unit_ids)}
    missing = STATUSES.index(Status.NOT_REPORTED)
    for indicator_id, unit_id in submitted.tolist():
        i, u = row_of.get(indicator_id), column_of.get(unit_id)
        if i is not None and u is not None and cells[i, u] and result.status[i, u] == missing:
            result.status[i, u] = STATUSES.index(Status.PENDING)


def reporting_cells(frame: PeriodFrame) -> np.ndarray:
    """(indicator x unit): the unit holds a target and none of its children does."""
    targeted = ~np.isnan(frame.target)
    parent = frame.units.parent
    child = np.flatnonzero(parent >= 0)
    has_child = np.zeros(targeted.T.shape, dtype=bool)
    np.logical_or.at(has_child, parent[child], targeted.T[child])
    return targeted & ~has_child.T


class UnitFacts:
    """Store id and kind of each unit of the frame, in the frame's order."""

    def __init__(self, names: tuple[str, ...], ids: list[int], kinds: list[str], roots: list[bool]) -> None:
        self.names, self.ids, self.kinds, self.roots = names, ids, kinds, roots
        # the plan's city, found as `store.batch` finds it
        self.top = next((u for u, k in enumerate(kinds) if k in TOP_KINDS and roots[u]), -1)

    @classmethod
    def read(cls, session: Session, names: tuple[str, ...]) -> UnitFacts:
        """The facts of the units `names`, kept across writes of entries alone."""
        return remembered_across_entries(session=session, key=("unit facts", names),
                                         compute=lambda: cls._read(session, names))  # fmt: skip

    @classmethod
    def _read(cls, session: Session, names: tuple[str, ...]) -> UnitFacts:
        query = select(OrgUnitRow.id, OrgUnitRow.name, OrgUnitRow.kind, OrgUnitRow.parent_id)
        rows = {r.name: r for r in session.execute(query)}
        found = [rows[n] for n in names]
        ids = {r.id for r in found}  # the plan's tree: its top unit's parent (a province) is not in it
        return cls(
            names, [r.id for r in found], [r.kind for r in found], [r.parent_id not in ids for r in found]
        )

    def counties(self) -> np.ndarray:
        return np.array([u for u, kind in enumerate(self.kinds) if kind == OrgKind.COUNTY], dtype=np.int64)

    def level(self) -> Level:
        """The plan's level, by `levels.top_level` over the regions with no parent among the plan's units."""
        tops = [
            OrgKind(k) for k, root in zip(self.kinds, self.roots, strict=True) if root and OrgKind(k) in SHORT
        ]
        return top_level(tops)


def as_decimal(value: float) -> Decimal | None:
    """15 significant digits: float sums such as 236.49999999999997 show as the 236.5 they are."""
    # math.isnan, not np.isnan: called once per cell of a bulletin (4.5 million on a province), 1.7 vs 2.8 µs
    return None if math.isnan(value) else Decimal(f"{float(value):.15g}")
