"""The batch reader on a small hand-made store: the same answers as the period overview, cell by cell."""

from __future__ import annotations

import math
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from builders import OFFICE, kind_indicator
from conftest import BACKEND
from duban.choices import EntryState, Status
from duban.persistence.models import IndicatorRow, OrgUnitRow, PlanRow
from duban.plan.model import Area, OrgUnit, Plan, Task
from duban.progress.batch import NO_TARGET, PeriodResult
from duban.progress.judge import stage_value
from duban.services.batch import judge_plan_period, period_frame
from duban.services.entries import approve, record_value, submit
from duban.services.overview import IndicatorLine, period_overview
from duban.services.periods import ensure_periods
from duban.services.plan_loading import save_plan

UNITS = [
    ("市", "city", None), ("甲县", "county", "市"), ("乙县", "county", "市"), ("甲一镇", "township", "甲县"),
    ("甲二镇", "township", "甲县"), ("乙一镇", "township", "乙县"), ("市发改委", "department", None),
]  # fmt: skip


INDICATORS = [
    kind_indicator("C1", "count", ">=", 100, breakdown={"甲县": 60, "乙县": 40}),
    kind_indicator("R1", "rate", ">=", 80, breakdown={"甲县": 80, "乙县": 80}),
    kind_indicator("S1", "share", "<=", 30, breakdown={"甲县": 30, "乙县": 30}),
    kind_indicator("G1", "growth", ">=", 8, lead_unit="市发改委"),
    kind_indicator("E1", "count", ">=", 1, scope="each:counties"),
    kind_indicator("B1", "count", "<=", 50, breakdown={"甲县": 30, "乙县": 20}),
    kind_indicator("T1", "milestone", ">=", 1, scope="甲县"),
    kind_indicator("A1", "amount", ">=", 1000, breakdown={"甲一镇": 300, "甲二镇": 300, "乙一镇": 400}),
]
# (indicator, unit, month, figures); June is judged, May gives the forecast a second month
FIGURES: list[tuple[str, str, int, dict[str, Any]]] = [
    ("C1", "甲县", 5, {"value": 25}), ("C1", "乙县", 5, {"value": 5}),
    ("C1", "甲县", 6, {"value": 35}), ("C1", "乙县", 6, {"value": 10}),
    ("R1", "甲县", 6, {"numerator": 45, "denominator": 50}), ("R1", "乙县", 6, {"numerator": 30, "denominator": 50}),
    ("S1", "甲县", 6, {"value": 25, "numerator": 25, "denominator": 100}),
    ("S1", "乙县", 6, {"value": 40, "numerator": 40, "denominator": 100}),
    ("G1", "市发改委", 6, {"value": "9.5", "numerator": "109.5", "denominator": 100}),
    ("E1", "甲县", 6, {"value": 1}), ("E1", "乙县", 6, {"value": 0}),
    ("B1", "甲县", 6, {"value": 12}), ("B1", "乙县", 6, {"value": 15}),
    ("T1", "甲县", 6, {"stage": "underway"}),
    ("A1", "甲一镇", 5, {"value": 100}), ("A1", "甲一镇", 6, {"value": 200}), ("A1", "甲二镇", 6, {"value": 100}),
]  # fmt: skip


@pytest.fixture
def plan_row(session: Session) -> PlanRow:
    units = [OrgUnit.model_validate({"name": n, "kind": k, "parent": p}) for n, k, p in UNITS]
    task = Task(code="1", title="任务", indicators=INDICATORS)
    plan = Plan(
        region="市", year=2026, title="计划", units=units, areas=[Area(code="A", name="方面", tasks=[task])]
    )
    row = save_plan(session=session, plan=plan)
    periods = ensure_periods(session=session, plan=row, cutoff_day=25, combine_jan_feb=False)
    for code, unit, month, figures in FIGURES:
        _approved(session, code, unit, periods[month - 1].id, figures)
    # a draft is not an official figure and must not count
    _record(session, "A1", "乙一镇", periods[5].id, {"value": 999})
    return row


def _record(session: Session, code: str, unit: str, period_id: int, figures: dict[str, Any]) -> Any:
    ind = session.scalars(select(IndicatorRow.id).where(IndicatorRow.code == code)).one()
    unit_id = session.scalars(select(OrgUnitRow.id).where(OrgUnitRow.name == unit)).one()
    numbers: dict[str, Any] = {k: v if k == "stage" else Decimal(v) for k, v in figures.items()}
    return record_value(session=session, indicator_id=ind, unit_id=unit_id, period_id=period_id, user_id=None,
                        **numbers)  # fmt: skip


def _approved(session: Session, code: str, unit: str, period_id: int, figures: dict[str, Any]) -> None:
    entry = _record(session, code, unit, period_id, figures)
    submit(session=session, entry=entry, writer=OFFICE)
    approve(session=session, entry=entry, writer=OFFICE)
    assert entry.state == EntryState.APPROVED


def _close(ours: float, theirs: Decimal | None) -> bool:
    if theirs is None:
        return math.isnan(ours)
    return math.isclose(ours, float(theirs), rel_tol=1e-9, abs_tol=1e-9)


def _agrees(result: PeriodResult, names: tuple[str, ...], i: int, line: IndicatorLine) -> None:
    for unit in line.units:
        u = names.index(unit.unit)
        assert result.status_of(i, u) is unit.judgement.status, (line.indicator.id, unit.unit)
        # the batch path carries a milestone stage as the figure it stands for
        figure = stage_value(stage=unit.stage, target=unit.target) if unit.stage else unit.figure.value
        assert _close(result.value[i, u], figure), (line.indicator.id, unit.unit)
        assert _close(result.gap[i, u], unit.judgement.gap_pp), (line.indicator.id, unit.unit)
    if len(line.units) > 1 or line.each:
        top = names.index("市")
        assert result.status_of(i, top) is line.judgement.status, line.indicator.id
        assert _close(result.value[i, top], line.figure.value), line.indicator.id
        assert _close(result.completion[i, top], line.judgement.completion_pct), line.indicator.id


def test_every_indicator_and_unit_agrees_with_the_overview(session: Session, plan_row: PlanRow) -> None:
    overview = period_overview(session=session, plan_row=plan_row, month=6)
    frame, notes = period_frame(session=session, plan_id=plan_row.id, month=6)
    result = judge_plan_period(session=session, plan_id=plan_row.id, month=6)
    assert notes == []
    assert frame.indicators.ids == tuple(ind.id for ind in INDICATORS)
    for i, line in enumerate(overview.indicators):
        _agrees(result, frame.units.names, i, line)


def test_hand_worked_cells(session: Session, plan_row: PlanRow) -> None:
    result = judge_plan_period(session=session, plan_id=plan_row.id, month=6)
    frame, _ = period_frame(session=session, plan_id=plan_row.id, month=6)
    at = {name: u for u, name in enumerate(frame.units.names)}
    row = {code: i for i, code in enumerate(frame.indicators.ids)}
    # rates roll up as summed numerators over summed denominators: (45 + 30) / (50 + 50) = 75%
    assert result.value[row["R1"], at["市"]] == pytest.approx(75.0)
    # townships roll up to their county and the city; the draft 999 of 乙一镇 does not count
    assert result.value[row["A1"], at["甲县"]] == 300.0
    assert result.value[row["A1"], at["市"]] == 300.0
    assert result.status_of(row["A1"], at["乙一镇"]) is Status.NOT_REPORTED
    # a county above broken-down townships is held to their summed targets; the city to the plan's
    assert frame.target[row["A1"], at["甲县"]] == 600.0
    assert frame.target[row["A1"], at["市"]] == 1000.0
    # 1 of the 2 counties has met "each county" target
    assert (result.each_met[row["E1"], at["市"]], result.each_total[row["E1"], at["市"]]) == (1, 2)
    # a milestone stage 进行中 counts as 0.6 of the target
    assert result.value[row["T1"], at["甲县"]] == pytest.approx(0.6)
    # a department's indicator is judged for the department only
    assert result.status[row["G1"], at["市"]] == NO_TARGET
    assert result.status_of(row["G1"], at["市发改委"]) is Status.DONE
    assert np.all(result.status[:, at["甲一镇"]][[row["C1"], row["R1"]]] == NO_TARGET)


def test_history_gives_the_forecast_its_months(session: Session, plan_row: PlanRow) -> None:
    frame, _ = period_frame(session=session, plan_id=plan_row.id, month=6, history=True)
    assert frame.row_month is not None
    assert sorted(set(frame.row_month.tolist())) == [5, 6]
    overview = period_overview(session=session, plan_row=plan_row, month=6)
    result = judge_plan_period(session=session, plan_id=plan_row.id, month=6)
    c1 = overview.indicators[0]
    assert c1.forecast is not None
    assert result.point[0, frame.units.names.index("市")] == pytest.approx(float(c1.forecast.point))


def test_period_end_is_the_judging_date(session: Session, plan_row: PlanRow) -> None:
    frame, _ = period_frame(session=session, plan_id=plan_row.id, month=6)
    # June 30 is day 181 of 365: 序时进度 49.59% for the linear count C1
    assert frame.indicators.expected[0] == pytest.approx(100 * 181 / 365)


@pytest.mark.skipif(BACKEND != "sqlite", reason="a SQLite file store")
def test_a_period_is_read_through_the_one_sqlite_library_of_the_process(
    session: Session, plan_row: PlanRow
) -> None:
    """A second copy of SQLite in the process (ADBC's driver bundles one) releases the first one's POSIX locks
    (sqlite.org/howtocorrupt.html 2.2.1): with it, server processes crashed under bench_load and a save was lost."""
    session.commit()
    period_frame(session=session, plan_id=plan_row.id, month=6, history=True)
    mapped = {line.split()[-1] for line in Path("/proc/self/maps").read_text().splitlines() if "/" in line}
    others = [
        f
        for f in mapped
        if "sqlite" in Path(f).name.lower() and not Path(f).name.startswith(("libsqlite3", "_sqlite3"))
    ]
    assert others == []
