"""A milestone task's trend chart shows the stage it stands at as the page judges it (实施中 → 60 % of the
target), not the 0/1 typed beside the stage: the chart's points and the page's 当前完成 agree month by month."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from builders import OFFICE, make_plan
from duban.choices import Role
from duban.persistence.models import IndicatorRow, OrgUnitRow, PeriodRow
from duban.plan.model import Indicator, Plan
from duban.services.entries import approve, record_value, submit
from duban.services.periods import ensure_periods
from duban.services.plan_loading import save_plan
from duban.services.users import add_user
from duban.settings import Settings
from duban.web.app import create_app
from web.conftest import log_in

HOSPITAL = {"id": "M-9", "name": "打造口腔专科医院数", "unit": "家", "kind": "milestone", "comparator": "=",
            "target": 2, "lead_unit": "市发展改革委"}  # fmt: skip
STAGES = {3: "preparing", 4: "underway", 5: "underway"}  # 筹备中 30 %, 实施中 60 %


def hospital_plan() -> Plan:
    return make_plan(indicators=[Indicator.model_validate(HOSPITAL)])


@pytest.fixture
def hospital(factory: sessionmaker[Session], settings: Settings) -> Iterator[TestClient]:
    """The plan loaded; March to May approved with a stage and a 0 typed beside it, as reporters do."""
    with factory() as session, session.begin():
        row = save_plan(session=session, plan=hospital_plan())
        ensure_periods(session=session, plan=row, cutoff_day=25, combine_jan_feb=False)
        add_user(session=session, username="leader", password="correct horse battery", role=Role.LEADER)
        unit = session.scalar(select(OrgUnitRow.id).where(OrgUnitRow.name == "市发展改革委"))
        ind = session.scalar(select(IndicatorRow.id).where(IndicatorRow.code == "M-9"))
        for month, stage in STAGES.items():
            period = session.scalar(select(PeriodRow.id).where(PeriodRow.month == month))
            entry = record_value(session=session, indicator_id=ind, unit_id=unit, period_id=period,
                                 value=Decimal(0), stage=stage, user_id=None)  # fmt: skip
            approve(session=session, entry=submit(session=session, entry=entry, writer=OFFICE), writer=OFFICE)
    with TestClient(create_app(settings)) as client:
        log_in(client, "leader")
        yield client


@pytest.mark.parametrize(("month", "percent"), [(3, 30), (5, 60)])
def test_the_milestone_chart_shows_the_stage_the_page_states(hospital, month, percent):
    html = hospital.get(f"/indicators/M-9?month={month}").text
    chart = json.loads(
        re.search(r'<script type="application/json" id="chart-data">(.*?)</script>', html, re.S)[1]
    )
    stated = re.search(r"<th>当前完成</th><td>.*?（([\d.]+)%）", html, re.S)
    assert stated and Decimal(stated[1]) == percent
    assert chart["actual"][-1] == [month, pytest.approx(chart["target"] * percent / 100)]
    assert [m for m, _ in chart["actual"]] == [m for m in STAGES if m <= month]
    assert all(value > 0 for _, value in chart["actual"])  # never the 0 typed beside the stage
