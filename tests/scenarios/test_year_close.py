"""年终考核 as the office lives it: on 10 January 2027 it closes 2026 and publishes the 考核结果.

The store holds the 昭通 2026 plan with its figures through December (December's partly still awaiting
review), the 2027 plan beside it, and two open 督办 items: one on 盐津县's rural roads (L02-1, in 2027's
plan too), one written by hand without an indicator. The office opens 年终考核, reads the preview, carries
the roads item into 2027 and closes the other, confirms — and clicks again. Then every way of writing a 2026
figure is refused with 423 (the form, the API, the template, evidence, review, reopening a period), while
the admin's correction with a reason goes through and is audited; the 考核结果 files are read back and
checked against the stored figures; finally the office reopens the year with a reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
from docx import Document
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from duban.choices import Comparator, EntryState, IndicatorKind, ItemState, ProfileKind, Role
from duban.cli import default_plan_path
from duban.demo import generate_demo_progress
from duban.persistence.db import transaction
from duban.persistence.models import AuditRow, EntryRow, IndicatorRow, OrgUnitRow, PeriodRow, PlanRow
from duban.persistence.supervision_models import SupervisionItemRow
from duban.plan.assignments import unit_target
from duban.plan.planfile import read_plan_file
from duban.services.plan_loading import save_plan
from duban.services.supervision import ManualItem, open_manual_item
from duban.services.users import add_user
from duban.settings import Settings
from scenarios.test_two_years import plan_2027
from web.conftest import PASSWORD, quick_password_hashing, signed_in_clients  # noqa: F401  (cheap password hashing)

JAN_10 = "2027-01-10"
COUNTY = "盐津县"
ACCOUNTS = {"admin": (Role.ADMIN, None), "yanjin": (Role.REPORTER, COUNTY)}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def store(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as session:
        plan = read_plan_file(default_plan_path())
        row = save_plan(session=session, plan=plan)
        generate_demo_progress(session=session, plan_row=row, plan=plan, today=date.fromisoformat(JAN_10))
        save_plan(session=session, plan=plan_2027())
        for name, (role, unit) in ACCOUNTS.items():
            add_user(session=session, username=name, password=PASSWORD, role=role, unit=unit)
        unit_id = session.scalars(select(OrgUnitRow.id).where(OrgUnitRow.name == COUNTY)).one()
        for title, code in (("农村公路建设滞后", "L02-1"), ("年度重点工作推进会落实", "")):
            draft = ManualItem(unit_id=unit_id, title=title, ask="请加快推进", deadline=date(2027, 1, 20),
                               level="yellow", indicator=code)  # fmt: skip
            open_manual_item(session=session, plan_id=row.id, month=12, draft=draft, today=date(2026, 12, 28),
                             user_id=None)  # fmt: skip


@pytest.fixture
def clients(db_url: str, tmp_path: Path, store: None) -> Iterator[dict[str, TestClient]]:
    settings = Settings(database_url=db_url, data_dir=tmp_path / "data", secret_key="close", today=JAN_10)
    yield from signed_in_clients(settings, ACCOUNTS)


def test_the_office_closes_2026_and_publishes_the_result(
    clients: dict[str, TestClient], factory: sessionmaker[Session]
) -> None:
    admin, reporter = clients["admin"], clients["yanjin"]
    items = _items(factory, 2026)
    preview = admin.get("/year-close?year=2026").text
    assert "锁定报送期 12 个" in preview and "尚未审核通过" in preview and "未关闭" in preview
    assert re.search(
        rf'name="fate-{items["农村公路建设滞后"]}"[^>]*>.*?<option value="carry" selected>', preview
    )
    assert 'value="carry"' not in _select(
        preview, items["年度重点工作推进会落实"]
    )  # no indicator: nothing to carry to
    assert _year_close_count(factory) == 0  # a preview changes nothing

    form = {"csrf_token": admin.headers["X-CSRF-Token"], "reason": "2026年度年终考核",
            f"fate-{items['农村公路建设滞后']}": "carry", f"fate-{items['年度重点工作推进会落实']}": "close"}  # fmt: skip
    closed = admin.post("/year-close?year=2026", data=form, follow_redirects=False)
    assert closed.status_code == 303 and closed.headers["location"] == "/year-close?year=2026"
    assert "已年终考核关闭2026年度" in admin.get("/year-close?year=2026").text
    again = admin.post("/year-close?year=2026", data=form, follow_redirects=True)  # the double click
    assert "此前已关闭" in again.text
    assert _year_close_count(factory) == 1
    assert _locked_months(factory, 2026) == set(range(1, 13))
    assert {i.state for i in _item_rows(factory, 2026)} == {ItemState.CLOSED.value}
    carried = _item_rows(factory, 2027)
    assert [(i.title, i.state) for i in carried] == [("农村公路建设滞后", ItemState.PENDING.value)]

    _every_write_is_refused(admin, reporter, factory)
    corrected = _the_admin_corrects_a_figure(admin, factory)
    _the_result_matches_the_data(admin, factory, corrected)

    assert "重新开放" in admin.post("/year-close/reopen?year=2026", data={"csrf_token": admin.headers["X-CSRF-Token"]},
                                    follow_redirects=True).text  # without a reason: refused  # fmt: skip
    assert _locked_months(factory, 2026) == set(range(1, 13))
    reopened = admin.post("/year-close/reopen?year=2026", follow_redirects=True,
                          data={"csrf_token": admin.headers["X-CSRF-Token"], "reason": "统计局反馈需补正12月数据"})  # fmt: skip
    assert "已重新开放2026年度" in reopened.text and "未关闭" in reopened.text
    assert _locked_months(factory, 2026) == set()
    _unit, _code, entry_id = _submitted_entry(factory)
    assert admin.post(f"/api/entries/{entry_id}/approve").status_code == 200  # the office reviews again


def _every_write_is_refused(admin: TestClient, reporter: TestClient, factory: sessionmaker[Session]) -> None:
    unit, _code, entry_id = _submitted_entry(factory)
    indicator = _indicator_id(factory, 2026, "L02-1")
    token = reporter.headers["X-CSRF-Token"]
    answers = {
        "form save": reporter.post(
            f"/entry/{unit}/12?year=2026", data={"csrf_token": token, "L02-1.value": "1", "action": "save"}
        ),
        "api save": reporter.put(
            f"/api/periods/2026-12/units/{unit}/indicators/{indicator}", json={"value": "1", "version": 0}
        ),
        "admin save": admin.put(
            f"/api/periods/2026-12/units/{unit}/indicators/{indicator}", json={"value": "1", "version": 0}
        ),
        "submit": admin.post(f"/api/periods/2026-12/units/{unit}/submit"),
        "upload": reporter.post(
            f"/api/periods/2026-12/units/{unit}/upload",
            files={"file": ("t.xlsx", reporter.get(f"/entry/{unit}/12/template.xlsx?year=2026").content)},
        ),
        "evidence": admin.post(
            f"/api/entries/{entry_id}/evidence", files={"file": ("x.png", PNG, "image/png")}
        ),
        "approve": admin.post(f"/api/entries/{entry_id}/approve"),
        "return": admin.post(f"/api/entries/{entry_id}/return", json={"reason": "有误"}),
        "approve unit": admin.post(f"/api/periods/2026-12/units/{unit}/approve"),
    }
    for what, answer in answers.items():
        assert answer.status_code == 423, (what, answer.status_code, answer.text[:300])
        assert "2026年度已年终考核关闭" in answer.text, (what, answer.text[:300])
    reopen = admin.post("/periods/12/reopen?year=2026", follow_redirects=True,
                        data={"csrf_token": admin.headers["X-CSRF-Token"], "reason": "补报"})  # fmt: skip
    assert "未重新开放：2026年度已年终考核关闭" in reopen.text
    assert _locked_months(factory, 2026) == set(range(1, 13))
    assert _state(factory, entry_id) == EntryState.SUBMITTED.value


def _the_admin_corrects_a_figure(
    admin: TestClient, factory: sessionmaker[Session]
) -> tuple[str, str, Decimal]:
    """The admin raises 盐津县's December roads figure to its target, with a reason; the figure is final at once."""
    target = _unit_target(factory, "L02-1", COUNTY)
    token = admin.headers["X-CSRF-Token"]
    form = {"csrf_token": token, "code": "L02-1", "unit": COUNTY, "month": "12", "value": str(target)}
    refused = admin.post("/year-close/correct?year=2026", data=form, follow_redirects=True)
    assert "未更正：更正已年终考核的数据必须说明理由" in refused.text
    done = admin.post("/year-close/correct?year=2026", data={**form, "reason": "统计局年报核定数"},
                      follow_redirects=True)  # fmt: skip
    assert f"已更正{COUNTY}L02-1的12月数据" in done.text
    with factory() as session:
        entry = _entry(session, 2026, "L02-1", COUNTY, 12)
        assert (entry.state, entry.official_value) == (EntryState.APPROVED.value, target)
        audit = session.scalars(select(AuditRow).where(AuditRow.action == "entry.correct")).one()
        assert (audit.entity_id, audit.reason, audit.new["value"]) == (
            entry.id,
            "统计局年报核定数",
            str(target),
        )
    return COUNTY, "L02-1", target


def _the_result_matches_the_data(
    admin: TestClient, factory: sessionmaker[Session], corrected: tuple[str, str, Decimal]
) -> None:
    """The xlsx and docx 考核结果: each county's final status of every plain cumulative target follows from
    its December official figure and target; the ranking orders the scores; the Word file says the same."""
    reply = admin.get("/reports/year/2026.xlsx")
    assert (
        reply.status_code == 200
        and "%E8%80%83%E6%A0%B8%E7%BB%93%E6%9E%9C-2026.xlsx" in reply.headers["content-disposition"]
    )
    book = load_workbook(BytesIO(reply.content))
    ranking = _rows(book["县区考核结果"])
    targets = _rows(book["县区目标完成情况"])
    checked = 0
    with factory() as session:
        plain = _plain_targets(session)
        for row in targets:
            if row["编号"] in plain:
                checked += 1
                assert row["考核结果"] == _expected_status(session, row["编号"], row["单位"]), row
    assert checked > 50  # most of the county targets are plain cumulative ones
    county, code, _ = corrected
    assert next(r for r in targets if r["单位"] == county and r["编号"] == code)["考核结果"] == "完成"
    scores = [r["得分"] for r in ranking]
    assert scores == sorted(scores, reverse=True) and ranking[0]["排名"] == 1
    for line in ranking:
        own = [r for r in targets if r["单位"] == line["县（市、区）"] and "（力争）" not in r["目标任务"]]
        assert line["完成（项）"] == sum(1 for r in own if r["考核结果"] == "完成"), line
        assert line["未完成（项）"] == sum(1 for r in own if r["考核结果"] == "未完成"), line
    document = Document(BytesIO(admin.get("/reports/year/2026.docx").content))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "关于2026年度重点工作目标任务考核结果的通报" in text.replace("\n", "")
    first = [r["县（市、区）"] for r in ranking if r["排名"] == 1]
    assert f"第一名{'、'.join(first)}" in text
    word_rows = [[c.text for c in row.cells] for table in document.tables for row in table.rows]
    assert [r[1] for r in word_rows if r and r[0] in {str(x["排名"]) for x in ranking}][: len(ranking)] == [
        r["县（市、区）"] for r in ranking
    ]


def _plain_targets(session: Session) -> set[str]:
    """Codes of cumulative count/amount targets (≥) judged at year end on their December figure alone."""
    plan = read_plan_file(default_plan_path())
    return {i.id for i in plan.indicators()
            if i.kind in (IndicatorKind.COUNT, IndicatorKind.AMOUNT) and i.comparator is Comparator.AT_LEAST
            and i.profile.kind is not ProfileKind.MILESTONES and not i.fed_by_ledger}  # fmt: skip


def _expected_status(session: Session, code: str, unit: str) -> str:
    entry = _entry(session, 2026, code, unit, 12)
    value = entry.official_value if entry is not None else None
    indicator = next(i for i in read_plan_file(default_plan_path()).indicators() if i.id == code)
    target = unit_target(indicator=indicator, unit=unit)
    if value is None:
        return "未完成"
    if value >= target:
        return "完成"
    return "基本完成" if target > 0 and value * 100 / target >= 90 else "未完成"


def _rows(sheet) -> list[dict]:
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    at = next(n for n, r in enumerate(rows) if r and r[0] in ("排名", "单位"))
    head = rows[at]
    return [dict(zip(head, r, strict=False)) for r in rows[at + 1 :] if any(v is not None for v in r)]


def _select(page: str, item_id: int) -> str:
    return re.search(rf'<select name="fate-{item_id}".*?</select>', page, re.S).group(0)


def _items(factory: sessionmaker[Session], year: int) -> dict[str, int]:
    return {i.title: i.id for i in _item_rows(factory, year)}


def _item_rows(factory: sessionmaker[Session], year: int) -> list[SupervisionItemRow]:
    with factory() as session:
        query = select(SupervisionItemRow).join(PlanRow, PlanRow.id == SupervisionItemRow.plan_id)
        return list(session.scalars(query.where(PlanRow.year == year).order_by(SupervisionItemRow.id)))


def _year_close_count(factory: sessionmaker[Session]) -> int:
    with factory() as session:
        return session.scalar(
            select(func.count()).select_from(AuditRow).where(AuditRow.action == "year.close")
        )


def _locked_months(factory: sessionmaker[Session], year: int) -> set[int]:
    with factory() as session:
        query = select(PeriodRow.month).join(PlanRow, PlanRow.id == PeriodRow.plan_id)
        return set(session.scalars(query.where(PlanRow.year == year, PeriodRow.locked.is_(True))))


def _submitted_entry(factory: sessionmaker[Session]) -> tuple[int, str, int]:
    """盐津县's unit id, and a December 2026 figure of it awaiting review (its code and id)."""
    with factory() as session:
        query = (
            select(EntryRow.unit_id, IndicatorRow.code, EntryRow.id)
            .join(IndicatorRow, IndicatorRow.id == EntryRow.indicator_id)
            .join(PeriodRow, PeriodRow.id == EntryRow.period_id).join(PlanRow, PlanRow.id == PeriodRow.plan_id)
            .join(OrgUnitRow, OrgUnitRow.id == EntryRow.unit_id)
            .where(PlanRow.year == 2026, PeriodRow.month == 12, OrgUnitRow.name == COUNTY,
                   EntryRow.state == EntryState.SUBMITTED.value)
            .order_by(EntryRow.id).limit(1)
        )  # fmt: skip
        unit, code, entry_id = session.execute(query).one()
        return unit, code, entry_id


def _indicator_id(factory: sessionmaker[Session], year: int, code: str) -> int:
    with factory() as session:
        query = select(IndicatorRow.id).join(PlanRow, PlanRow.id == IndicatorRow.plan_id)
        return session.scalars(query.where(PlanRow.year == year, IndicatorRow.code == code)).one()


def _state(factory: sessionmaker[Session], entry_id: int) -> str:
    with factory() as session:
        return session.get_one(EntryRow, entry_id).state


def _unit_target(factory: sessionmaker[Session], code: str, unit: str) -> Decimal:
    indicator = next(i for i in read_plan_file(default_plan_path()).indicators() if i.id == code)
    return unit_target(indicator=indicator, unit=unit)


def _entry(session: Session, year: int, code: str, unit: str, month: int) -> EntryRow | None:
    query = (
        select(EntryRow).join(IndicatorRow, IndicatorRow.id == EntryRow.indicator_id)
        .join(PeriodRow, PeriodRow.id == EntryRow.period_id).join(PlanRow, PlanRow.id == PeriodRow.plan_id)
        .join(OrgUnitRow, OrgUnitRow.id == EntryRow.unit_id)
        .where(PlanRow.year == year, PeriodRow.month == month, IndicatorRow.code == code, OrgUnitRow.name == unit)
    )  # fmt: skip
    return session.scalars(query).first()
