"""A city that numbers its own indicators (徐州市: XZ-01, XZ-02 where the province writes C1, R1) rolls up into
the province's plan through the mapping proposed by name when its plan is attached (`lineage.propose_above`),
exactly as a city coded like the province (南京市) does: the province's cells, sources, figures and 报送情况 are
the same whichever way 徐州市 numbers its indicators."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from duban.persistence.models import PlanRow
from duban.plan.lineage import propose_above
from duban.plan.model import Plan
from duban.services.judged import judged_period
from duban.services.office import Basis
from duban.services.overview import period_overview
from duban.services.periods import ensure_periods
from duban.services.plan_loading import save_plan
from duban.services.plans import plan_from_store
from duban.services.summary import dashboard_summary
from services.test_province_plans import FIGURES, JUNE, PLANS, _plan, _report

OWN_CODES = {"C1": "XZ-01", "R1": "XZ-02"}  # 徐州市's own numbering


def _renumbered(plan: Plan) -> Plan:
    """徐州市's plan with its own codes (names and units as the province's)."""
    for area in plan.areas:
        for task in area.tasks:
            task.indicators = [ind.model_copy(update={"id": OWN_CODES[ind.id]}) for ind in task.indicators]
    return plan


def _attached(session: Session, plan: Plan) -> Plan:
    """The city's plan with each indicator mapped to the province's as the review page proposes it."""
    province = plan_from_store(session=session, plan_row=_plan_row(session, "江苏省"))
    mapping = propose_above(plan=plan, above=province)
    for area in plan.areas:
        for task in area.tasks:
            task.indicators = [ind.model_copy(update={"above": mapping[ind.id]}) for ind in task.indicators]
    return plan


def _plan_row(session: Session, region: str) -> PlanRow:
    return session.scalars(select(PlanRow).where(PlanRow.region == region)).one()


@pytest.fixture(params=["coded alike", "own codes"])
def stored(request: pytest.FixtureRequest, factory: sessionmaker[Session]) -> sessionmaker[Session]:
    own = request.param == "own codes"
    with factory() as session, session.begin():
        for region in PLANS:
            plan = _plan(region)
            if own and region == "徐州市":
                plan = _attached(session, _renumbered(plan))
            ensure_periods(session=session, plan=save_plan(session=session, plan=plan), cutoff_day=25,
                           combine_jan_feb=False)  # fmt: skip
        for code, (count, numerator) in FIGURES.items():
            nanjing = code.startswith("3201")
            codes = OWN_CODES if own and not nanjing else {"C1": "C1", "R1": "R1"}
            _report(session, "南京市" if nanjing else "徐州市", code, count, numerator, codes=codes)
    return factory


def test_the_proposal_maps_the_citys_own_codes_to_the_provinces_by_name(stored):
    with stored() as session:
        province = plan_from_store(session=session, plan_row=_plan_row(session, "江苏省"))
    assert propose_above(plan=_renumbered(_plan("徐州市")), above=province) == {"XZ-01": "C1", "XZ-02": "R1"}


def test_a_city_with_its_own_codes_rolls_up_as_one_coded_like_the_province(stored):
    with stored() as session:
        province = _plan_row(session, "江苏省")
        core = judged_period(session=session, plan_row=province, month=JUNE, basis=Basis())
        overview = period_overview(session=session, plan_row=province, month=JUNE)
        summary = dashboard_summary(session=session, plan_row=province, month=JUNE, today=date(2026, 7, 1))
    cells = {(code, core.units.names[u]): (round(float(core.result.value[i, u]), 4),
                                           round(float(core.result.completion[i, u]), 4))
             for i, code in enumerate(core.frame.indicators.ids) for u in range(len(core.units.names))
             if core.units.names[u] in ("江苏省", "南京市", "徐州市")}  # fmt: skip
    assert cells == {
        ("C1", "江苏省"): (37, 37), ("C1", "南京市"): (30, 50), ("C1", "徐州市"): (7, 17.5),
        ("R1", "江苏省"): (76.6667, 95.8333), ("R1", "南京市"): (85, 106.25), ("R1", "徐州市"): (60, 75),
    }  # fmt: skip
    assert sorted(core.units.names[u] for (_, u) in core.from_plans) == [
        "南京市",
        "南京市",
        "徐州市",
        "徐州市",
    ]
    count = next(line for line in overview.indicators if line.indicator.id == "C1")
    assert {u.unit: (u.figure.value, u.source) for u in count.units} == {
        "南京市": (30, "南京市"),
        "徐州市": (7, "徐州市"),
    }
    lines = {line.unit: (line.expected, line.approved, line.missing) for line in summary.reporting}
    assert lines == {"南京市": (2, 2, 0), "徐州市": (2, 2, 0)}
