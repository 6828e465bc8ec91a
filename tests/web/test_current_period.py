"""One 当前报送期 on every face: drafts and next month's forms never move it; the office may set it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import event, select

from builders import OFFICE
from duban.persistence.models import AuditRow, IndicatorRow, OrgUnitRow, PeriodRow, PlanRow
from duban.services.entries import approve, record_value, submit
from duban.services.office import current_month, due_month, save_office_settings
from web.conftest import log_in

NOTE = "数据截至2026年5月31日，以审核通过的数据为准"


def _ids(session):
    unit = session.scalar(select(OrgUnitRow.id).where(OrgUnitRow.name == "镇雄县"))
    roads = session.scalar(select(IndicatorRow.id).where(IndicatorRow.code == "L02-1"))
    periods = {p.month: p.id for p in session.scalars(select(PeriodRow))}
    return unit, roads, periods


@pytest.fixture
def drafted(factory, seeded):
    """镇雄县 has an approved May figure and saved drafts for June and July (today is 10 June)."""
    with factory() as session, session.begin():
        unit, roads, periods = _ids(session)
        may = record_value(session=session, indicator_id=roads, unit_id=unit, period_id=periods[5],
                           value=Decimal(300), user_id=None)  # fmt: skip
        approve(session=session, entry=submit(session=session, entry=may, writer=OFFICE), writer=OFFICE)
        for month in (6, 7):
            record_value(session=session, indicator_id=roads, unit_id=unit, period_id=periods[month],
                         value=Decimal(400), user_id=None)  # fmt: skip


@pytest.mark.parametrize(
    ("today", "month"),
    [(date(2026, 6, 10), 5), (date(2026, 6, 25), 5), (date(2026, 6, 26), 6), (date(2026, 1, 3), 1),
     (date(2027, 2, 1), 12)],
)  # fmt: skip
def test_the_current_period_is_the_latest_whose_deadline_has_passed(factory, seeded, today, month):
    with factory() as session:
        plan_row = session.scalars(select(PlanRow)).one()
        assert due_month(session=session, plan_row=plan_row, today=today) == month


def test_next_months_drafts_do_not_move_the_current_period(factory, drafted):
    with factory() as session:
        plan_row = session.scalars(select(PlanRow)).one()
        assert current_month(session=session, plan_row=plan_row, today=date(2026, 6, 10)) == 5


@pytest.mark.parametrize(
    "path", ["/", "/map", "/counties", "/counties/镇雄县", "/indicators", "/indicators/L02-1"]
)
def test_every_page_shows_the_current_period_and_its_basis_after_a_draft(client, drafted, path):
    log_in(client, "leader")
    page = client.get(path).text
    assert f"2026年5月（当前报送期） · {NOTE}" in page


def test_the_home_page_map_data_and_api_agree_on_the_period(client, drafted):
    log_in(client, "leader")
    assert "5 月推进情况" in client.get("/").text
    data = client.get("/map/data").json()
    assert (data["month"], data["current_month"], data["note"]) == (5, 5, NOTE)
    periods = client.get("/api/periods").json()
    assert [p["key"] for p in periods if p["current"]] == ["2026-05"]
    reports = client.get("/reports").text
    assert "/reports/2026-05.pdf" in reports and "/reports/2026-07" not in reports


def test_the_office_sets_the_current_period_in_the_web_audited(client, drafted, factory):
    token = log_in(client, "admin")
    saved = client.post("/settings", data={"csrf_token": token, "current": "6"}, follow_redirects=False)
    assert saved.status_code == 303
    assert "设置已保存" in client.get("/settings").text
    assert "6 月推进情况" in client.get("/").text
    assert "2026年6月（当前报送期） · 数据截至2026年6月30日" in client.get("/counties").text
    with factory() as session:
        audit = session.scalars(select(AuditRow).where(AuditRow.action == "office.settings")).one()
        assert (audit.old["current_month"], audit.new["current_month"]) == (None, 6)
    client.post("/settings", data={"csrf_token": token, "current": ""})
    assert "5 月推进情况" in client.get("/").text


def test_a_month_outside_the_year_is_refused_in_chinese(client, seeded):
    token = log_in(client, "admin")
    refused = client.post("/settings", data={"csrf_token": token, "current": "13"})
    assert refused.status_code == 400
    assert "当前报送期“13”无效" in refused.text


def test_leaders_cannot_set_the_current_period(client, seeded):
    token = log_in(client, "leader")
    assert client.post("/settings", data={"csrf_token": token, "current": "6"}).status_code == 403


def test_the_office_switch_for_pending_figures_changes_every_face(client, drafted, factory):
    from duban.reports.service import bulletin_for

    token = log_in(client, "admin")
    client.post("/settings", data={"csrf_token": token, "current": "", "include_submitted": "1"})
    pending = "数据截至2026年5月31日，含待审核数据（已提交、尚未审核的数据一并计入）"
    assert pending in client.get("/").text and pending in client.get("/counties/镇雄县").text
    assert client.get("/map/data").json()["note"] == pending
    with factory() as session:
        opening = bulletin_for(session=session, period="2026-05", today=date(2026, 6, 10)).opening
    assert "含已提交尚未审核的数据" in opening


def test_the_settings_and_deadlines_are_read_once_per_transaction_and_again_after_a_change(factory, seeded):
    """A page asks for the current period up to four times (its month, the month before's, the map's): one
    read of the settings and one of the deadlines; a change flushed in the same session is read again."""
    statements: list[str] = []
    engine = factory.kw["bind"]
    listener = lambda _c, _cur, statement, *_: statements.append(statement)  # noqa: E731
    with factory() as session:
        plan_row = session.scalars(select(PlanRow)).one()
        event.listen(engine, "before_cursor_execute", listener)
        try:
            months = [
                current_month(session=session, plan_row=plan_row, today=date(2026, 6, 10)) for _ in range(4)
            ]
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        assert months == [5] * 4 and len(statements) == 2
        save_office_settings(session=session, plan_id=plan_row.id, current=3, include_submitted=False,
                             carry_forward=True, user_id=None)  # fmt: skip
        assert current_month(session=session, plan_row=plan_row, today=date(2026, 6, 10)) == 3
        june = session.scalars(select(PeriodRow).where(PeriodRow.month == 6)).one()
        june.deadline = date(2026, 6, 1)
        save_office_settings(session=session, plan_id=plan_row.id, current=None, include_submitted=False,
                             carry_forward=True, user_id=None)  # fmt: skip
        assert current_month(session=session, plan_row=plan_row, today=date(2026, 6, 10)) == 6
        session.rollback()
