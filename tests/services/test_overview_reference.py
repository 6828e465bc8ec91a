"""The period overview (one read, the vectorised judge) against the scalar reference, on random stores.

Hypothesis writes random figures in random review states over six months of a small plan (counties,
townships under one county, a department; counts, amounts, rates, shares, growth, ceilings, "each
county", a milestone); the reference judges each reporting unit, the city and the city's series with
the readable scalar functions of `progress` (`judge`, `aggregate`, `count_each`, `last_figure`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from builders import kind_indicator
from duban.choices import Accumulation, EntryState, MilestoneStage, ScopeKind, Status
from duban.months import month_end
from duban.persistence.models import EntryRow, IndicatorRow, OrgUnitRow, PeriodRow, PlanRow
from duban.persistence.readcache import bypassed
from duban.plan.assignments import reporting_units, unit_target
from duban.plan.model import Area, Indicator, OrgUnit, Plan, Task
from duban.progress.judge import Judgement, judge, stage_value
from duban.progress.rollup import Figure, aggregate, carries_forward, count_each, last_figure, resolved
from duban.services.office import Basis
from duban.services.overview import IndicatorLine, period_overview
from duban.services.periods import ensure_periods
from duban.services.plan_loading import save_plan

UNITS = [
    ("市", "city", None), ("甲县", "county", "市"), ("乙县", "county", "市"), ("丙县", "county", "市"),
    ("甲一镇", "township", "甲县"), ("甲二镇", "township", "甲县"), ("市发改委", "department", None),
]  # fmt: skip


INDICATORS = [
    kind_indicator("C1", "count", ">=", 120, breakdown={"甲县": 60, "乙县": 40, "丙县": 20}),
    kind_indicator(
        "M1", "amount", ">=", 900, breakdown={"甲县": 300, "乙县": 0, "丙县": 600}
    ),  # 乙县: 无此项任务
    kind_indicator("R1", "rate", ">=", 80, breakdown={"甲县": 80, "乙县": 80, "丙县": 85}),
    kind_indicator("S1", "share", "<=", 30, breakdown={"甲县": 30, "乙县": 30, "丙县": 30}),
    kind_indicator("G1", "growth", ">=", 8, lead_unit="市发改委"),
    kind_indicator("E1", "count", ">=", 1, scope="each:counties"),
    kind_indicator("B1", "count", "<=", 50, breakdown={"甲县": 30, "乙县": 20, "丙县": 10}),
    kind_indicator("L1", "count", ">=", 500, accumulation="level", breakdown={"甲县": 200, "乙县": 300}),
    kind_indicator("T1", "milestone", ">=", 1, scope="乙县"),
    kind_indicator("A1", "amount", ">=", 1000, breakdown={"甲一镇": 300, "甲二镇": 700}),
]
PLAN = Plan(
    region="市", year=2026, title="计划",
    units=[OrgUnit.model_validate({"name": n, "kind": k, "parent": p}) for n, k, p in UNITS],
    areas=[Area(code="A", name="方面", tasks=[Task(code="1", title="任务", indicators=INDICATORS)])],
)  # fmt: skip
MONTH = 6
STATES = (
    EntryState.APPROVED,
    EntryState.APPROVED,
    EntryState.SUBMITTED,
    EntryState.RETURNED,
    EntryState.DRAFT,
)
CELLS = [(ind, unit) for ind in INDICATORS for unit in reporting_units(indicator=ind, plan=PLAN)]


@dataclass(frozen=True)
class Written:
    """One entry as the test writes it: what it shows the reference."""

    state: EntryState
    figure: Figure
    stage: MilestoneStage | None = None


def _figure(ind: Indicator, draw: st.DrawFn) -> tuple[Figure, MilestoneStage | None]:
    if ind.kind.value == "milestone":
        shown = draw(st.sampled_from([None, Decimal(0), Decimal(1)]))  # a count shown beside the stage
        return Figure(shown), draw(st.sampled_from(list(MilestoneStage)))
    if ind.kind.value in ("rate", "share", "growth"):
        denominator = draw(st.integers(1, 200))
        numerator = draw(st.integers(0, 3 * denominator if ind.kind.value == "growth" else denominator))
        given_value = draw(st.booleans()) and ind.kind.value != "growth"
        value = resolved(kind=ind.kind, figure=Figure(None, Decimal(numerator), Decimal(denominator))).value
        return Figure(round(value, 1) if given_value and value is not None else None, Decimal(numerator),
                      Decimal(denominator)), None  # fmt: skip
    return Figure(Decimal(draw(st.integers(0, 80))) / (10 if draw(st.booleans()) else 1)), None


@st.composite
def stores(draw: st.DrawFn) -> dict[tuple[str, str, int], Written]:
    """Random entries over the plan's reporting cells and months 1..6."""
    found = {}
    for ind, unit in CELLS:
        for month in draw(st.sets(st.integers(1, MONTH), max_size=MONTH)):
            figure, stage = _figure(ind, draw)
            found[ind.id, unit, month] = Written(draw(st.sampled_from(STATES)), figure, stage)
    return found


@pytest.fixture
def plan_row(session: Session) -> PlanRow:
    row = save_plan(session=session, plan=PLAN)
    ensure_periods(session=session, plan=row, cutoff_day=25, combine_jan_feb=False)
    session.flush()
    return row


def _write(session: Session, row: PlanRow, written: dict[tuple[str, str, int], Written]) -> None:
    indicators = {
        r.code: r.id for r in session.scalars(select(IndicatorRow).where(IndicatorRow.plan_id == row.id))
    }
    units = {r.name: r.id for r in session.scalars(select(OrgUnitRow))}
    periods = {p.month: p.id for p in session.scalars(select(PeriodRow).where(PeriodRow.plan_id == row.id))}
    session.execute(delete(EntryRow))
    for (code, unit, month), w in written.items():
        official = w.state is EntryState.APPROVED
        f = w.figure
        stage = w.stage.value if w.stage else None
        session.add(EntryRow(
            indicator_id=indicators[code], unit_id=units[unit], period_id=periods[month], state=w.state.value,
            value=f.value, numerator=f.numerator, denominator=f.denominator, stage=stage,
            official_value=f.value if official else None, official_numerator=f.numerator if official else None,
            official_denominator=f.denominator if official else None, official_stage=stage if official else None,
        ))  # fmt: skip
    session.flush()


def _counted(ind: Indicator, w: Written | None, pending: bool) -> tuple[Figure, MilestoneStage | None]:
    """The figure an entry counts for: approved, or (含待审核数据) submitted."""
    if w is None or not (w.state is EntryState.APPROVED or (pending and w.state is EntryState.SUBMITTED)):
        return Figure(), None
    return resolved(kind=ind.kind, figure=w.figure), w.stage


def _reference(
    ind: Indicator, written: dict[tuple[str, str, int], Written], basis: Basis
) -> tuple[list[tuple[str, Judgement, Figure]], Judgement, Figure, list[tuple[int, Decimal]]]:
    """(each reporting unit's standing, the city's, the city's figure, its series), the scalar way."""
    on = month_end(PLAN.year, MONTH)
    at: dict[str, Any] = {"on": on, "year": PLAN.year, "thresholds": PLAN.thresholds}
    units = reporting_units(indicator=ind, plan=PLAN)
    pending = basis.include_submitted

    def figures(unit: str) -> dict[int, Figure]:
        counted = {m: _counted(ind, written.get((ind.id, unit, m)), pending)[0] for m in range(1, MONTH + 1)}
        return {m: f for m, f in counted.items() if f.reported}

    def charted(unit: str) -> dict[int, Figure]:
        """The figures the series is made of: a milestone's stage credit times the target, not its shown count."""
        if ind.kind.value != "milestone":
            return figures(unit)
        stages = {m: _counted(ind, written.get((ind.id, unit, m)), pending)[1] for m in range(1, MONTH + 1)}
        target = unit_target(indicator=ind, unit=unit)
        return {m: Figure(stage_value(stage=s, target=target)) for m, s in stages.items() if s is not None}

    carry = basis.carry_forward and len(units) > 1 and carries_forward(indicator=ind)
    lines, rolled = [], []
    for unit in units:
        w = written.get((ind.id, unit, MONTH))
        figure, stage = _counted(ind, w, pending)
        judgement = judge(indicator=ind, target=unit_target(indicator=ind, unit=unit), actual=figure.value,
                          stage=stage, **at)  # fmt: skip
        if judgement.status is Status.NOT_REPORTED and w is not None and w.state is EntryState.SUBMITTED:
            judgement = Judgement(Status.PENDING, None, judgement.expected_pct, None, judgement.aspiration)
        carried = (
            last_figure(unit=unit, by_month=figures(unit), before=MONTH)
            if carry and not figure.reported
            else None
        )
        lines.append((unit, judgement, figure))
        rolled.append(Figure(carried.value) if carried else figure)
    if ind.scope.kind is ScopeKind.EACH:
        each = count_each(comparator=ind.comparator, targets={u: unit_target(indicator=ind, unit=u) for u in units},
                          actuals={u: f.value for u, _, f in lines})  # fmt: skip
        actual = Decimal(each.met) if any(f.reported for _, _, f in lines) else None
        count = ind.model_copy(update={"accumulation": Accumulation.CUMULATIVE})
        city, city_figure = (
            judge(indicator=count, target=Decimal(each.total), actual=actual, **at),
            Figure(actual),
        )
    elif len(units) == 1:
        city, city_figure = lines[0][1], lines[0][2]
    else:
        city_figure = aggregate(kind=ind.kind, children=[f for f in rolled if f.reported])
        city = judge(indicator=ind, target=ind.target, actual=city_figure.value, **at)
    return lines, city, city_figure, _series(ind, {u: charted(u) for u in units}, carry)


def _series(ind: Indicator, by_unit: dict[str, dict[int, Figure]], carry: bool) -> list[tuple[int, Decimal]]:
    series = []
    for m in range(1, MONTH + 1):
        if not any(m in f for f in by_unit.values()):
            continue
        found = []
        for unit, months in by_unit.items():
            held = last_figure(unit=unit, by_month=months, before=m) if carry else None
            found.append(months.get(m) or (Figure(held.value) if held else Figure()))
        value = aggregate(kind=ind.kind, children=[f for f in found if f.reported]).value
        if value is not None:
            series.append((m, value))
    return series


def _same(ours: Decimal | None, theirs: Decimal | None) -> bool:
    if ours is None or theirs is None:
        return ours is theirs
    return math.isclose(float(ours), float(theirs), rel_tol=1e-9, abs_tol=1e-9)


def _agrees(line: IndicatorLine, written: dict[tuple[str, str, int], Written], basis: Basis) -> None:
    units, city, city_figure, series = _reference(line.indicator, written, basis)
    code = line.indicator.id
    assert [u.unit for u in line.units] == [unit for unit, _, _ in units], code
    for ours, (unit, judgement, figure) in zip(line.units, units, strict=True):
        assert ours.judgement.status is judgement.status, (code, unit)
        assert _same(ours.judgement.completion_pct, judgement.completion_pct), (code, unit)
        assert _same(ours.judgement.gap_pp, judgement.gap_pp), (code, unit)
        assert _same(ours.figure.value, figure.value), (code, unit)
    assert line.judgement.status is city.status, code
    assert _same(line.judgement.completion_pct, city.completion_pct), code
    assert _same(line.judgement.expected_pct, city.expected_pct), code
    assert _same(line.figure.value, city_figure.value), code
    assert [m for m, _ in line.series] == [m for m, _ in series], code
    assert all(_same(a, b) for (_, a), (_, b) in zip(line.series, series, strict=True)), code


BASES = [Basis(), Basis(include_submitted=True), Basis(carry_forward=False)]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(written=stores(), basis=st.sampled_from(BASES))
def test_every_line_agrees_with_the_scalar_reference(
    session: Session, plan_row: PlanRow, written: dict[tuple[str, str, int], Written], basis: Basis
) -> None:
    _write(session, plan_row, written)
    with bypassed():
        overview = period_overview(session=session, plan_row=plan_row, month=MONTH, basis=basis,
                                   today=date(2026, 7, 1))  # fmt: skip
    assert [line.indicator.id for line in overview.indicators] == [ind.id for ind in INDICATORS]
    for line in overview.indicators:
        _agrees(line, written, basis)
