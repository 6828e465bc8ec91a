"""One source per figure, or two checked against each other: a plan chooses per indicator.

An indicator the project ledger feeds (`feed:`) is not asked of any unit; its form shows the ledger's
figure. With `ledger_check: N` the units report it, the ledger's figure is shown beside the input, and a
reported figure further than N % from it is flagged; judging then uses the reported, approved figure.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from ruamel.yaml import YAML
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from builders import OFFICE, make_indicator, make_plan
from duban.choices import Role
from duban.persistence.models import IndicatorRow, OrgUnitRow, PeriodRow
from duban.plan.assignments import asked_of_units
from duban.plan.model import Plan
from duban.projects.figures import differs_from_ledger
from duban.projects.model import Project
from duban.services.entries import approve, record_value, submit
from duban.services.overview import period_overview
from duban.services.periods import ensure_periods
from duban.services.plan_loading import save_plan
from duban.services.plans import find_plan, plan_from_store
from duban.services.projects import ledger_feeds, save_projects
from duban.services.users import add_user
from duban.settings import Settings
from duban.web.app import create_app
from web.conftest import PASSWORD, log_in

SAMPLE = Path(__file__).parents[1] / "data" / "ledger" / "sample.yaml"
JUNE = date(2026, 6, 30)
CHECKED = "A-04"


def checked_plan() -> Plan:
    """A-03 fed by the ledger; A-04 the same ledger figure, reported by two counties and checked within 10 %."""
    return make_plan(indicators=[
        make_indicator(id="A-03", name="新开工项目数", unit="个", target=D(1000), comparator=">=",
                       feed="ledger.new_starts",
                       breakdown={"status": "confirmed", "targets": {"镇雄县": D(400), "昭阳区": D(600)}}),
        make_indicator(id=CHECKED, name="新开工项目数(县区填报)", unit="个", target=D(10), comparator=">=",
                       feed="ledger.new_starts", ledger_check=D(10),
                       breakdown={"status": "confirmed", "targets": {"镇雄县": D(4), "昭阳区": D(6)}}),
    ])  # fmt: skip


@pytest.mark.parametrize(
    ("reported", "ledger", "tolerance", "differs"),
    [
        (D(100), D(100), D(0), False),
        (D(105), D(100), D(5), False),  # exactly the tolerance is within it
        (D("105.1"), D(100), D(5), True),
        (D(94), D(100), D(5), True),
        (D(0), D(0), D(5), False),
        (D(1), D(0), D(50), True),  # any figure against an empty ledger
        (D(-9), D(-10), D(10), False),
    ],
)
def test_differs_from_ledger(reported: D, ledger: D, tolerance: D, differs: bool) -> None:
    assert differs_from_ledger(reported=reported, ledger=ledger, tolerance=tolerance) is differs


def test_a_check_needs_a_feed_and_a_tolerance_of_zero_or_more() -> None:
    with pytest.raises(ValidationError, match="需要同时给出 feed"):
        make_indicator(ledger_check=D(5))
    with pytest.raises(ValidationError, match="不能为负数"):
        make_indicator(feed="ledger.new_starts", ledger_check=D(-1))


def test_a_checked_indicator_is_asked_and_judged_from_reports_while_a_fed_one_is_not(
    session: Session,
) -> None:
    row = save_plan(session=session, plan=checked_plan())
    ensure_periods(session=session, plan=row, cutoff_day=25, combine_jan_feb=False)
    save_projects(session=session, plan_row=row, projects=_sample())
    stored = plan_from_store(session=session, plan_row=row)
    fed, checked = (next(i for i in stored.indicators() if i.id == code) for code in ("A-03", CHECKED))
    assert checked.ledger_check == D(10)  # kept through the store
    assert (asked_of_units(indicator=fed), asked_of_units(indicator=checked)) == (False, True)
    assert set(ledger_feeds(session=session, plan_id=row.id, on=JUNE)) == {"A-03"}
    assert ledger_feeds(session=session, plan_id=row.id, on=JUNE, checked=True)[CHECKED]["镇雄县"] == D(1)
    _approve(session, "镇雄县", 6, D(3))
    line = next(i for i in period_overview(session=session, plan_row=row, month=6).indicators
                if i.indicator.id == CHECKED)  # fmt: skip
    zhenxiong = next(u for u in line.units if u.unit == "镇雄县")
    assert zhenxiong.figure.value == D(3)  # the reported figure, not the ledger's 1


@pytest.fixture
def client(db_url: str, tmp_path: Path, factory: sessionmaker[Session]) -> TestClient:
    with factory() as session, session.begin():
        row = save_plan(session=session, plan=checked_plan())
        ensure_periods(session=session, plan=row, cutoff_day=25, combine_jan_feb=False)
        save_projects(session=session, plan_row=row, projects=_sample())
        add_user(session=session, username="zhenxiong", password=PASSWORD, role=Role.REPORTER, unit="镇雄县")
    settings = Settings(database_url=db_url, data_dir=tmp_path / "data", secret_key="s", today="2026-06-10")
    return TestClient(create_app(settings))


def test_the_form_shows_the_ledger_figure_and_flags_a_report_too_far_from_it(
    client: TestClient, factory: sessionmaker[Session]
) -> None:
    with factory() as session:
        unit_id = session.scalar(select(OrgUnitRow.id).where(OrgUnitRow.name == "镇雄县"))
    token = log_in(client, "zhenxiong")
    form = client.get(f"/entry/{unit_id}?month=6").text
    fed = re.search(r'id="ledger-fed">(.*?)</p>', form, re.S)
    assert fed and "A-03" in fed.group(1) and ">1个<" in fed.group(1)  # fed: shown with its figure, not asked
    assert 'name="A-03.value"' not in form and f'name="{CHECKED}.value"' in form
    check = re.search(rf'id="ledger-{CHECKED}">(.*?)</div>', form, re.S)
    assert check and "项目台账统计：1个" in check.group(1) and "请核实" not in check.group(1)
    saved = client.post(f"/entry/{unit_id}/6", data={"csrf_token": token, "action": "draft",
                        f"{CHECKED}.version": "0", f"{CHECKED}.value": "3"}, follow_redirects=False)  # fmt: skip
    assert saved.status_code == 303, saved.text
    form = client.get(f"/entry/{unit_id}?month=6").text
    check = re.search(rf'id="ledger-{CHECKED}"[^>]*>(.*?)</div>', form, re.S)
    assert check and "相差超过10%，请核实后再提交" in check.group(1)
    assert 'class="ledger-check warn"' in form


def _approve(session: Session, unit: str, month: int, value: D) -> None:
    indicator = session.scalar(select(IndicatorRow).where(IndicatorRow.code == CHECKED))
    unit_id = session.scalar(select(OrgUnitRow.id).where(OrgUnitRow.name == unit))
    plan = find_plan(session=session)
    period = session.scalar(select(PeriodRow).where(PeriodRow.plan_id == plan.id, PeriodRow.month == month))
    assert indicator is not None and unit_id is not None and period is not None
    entry = record_value(session=session, indicator_id=indicator.id, unit_id=unit_id, period_id=period.id,
                         user_id=None, value=value)  # fmt: skip
    submit(session=session, entry=entry, writer=OFFICE)
    approve(session=session, entry=entry, writer=OFFICE)


def _sample() -> list[Project]:
    return [Project.model_validate(item) for item in YAML(typ="safe").load(SAMPLE.read_text("utf-8"))]
