"""A month in the life of the 督查室, on the demo store (SQLite and PostgreSQL), through the pages and the API.

On 10 June 2026 (May's figures are in, June is open): 大关县 saves a June draft and nobody's view moves; 盐津县
submits a June figure, which waits for review. On 28 June (June's deadline has passed) the office returns it; the
county corrects and resubmits it, the office approves it. Then the office reloads the plan with one target changed
and one indicator removed: the diff shows both, and no figure is lost (the removed indicator is retired with its
history). Only what is implemented on main is asserted.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from duban.choices import Role
from duban.cli import default_plan_path
from duban.demo import generate_demo_progress
from duban.persistence.db import transaction
from duban.persistence.models import EntryRow, IndicatorRow, PlanRow
from duban.plan.planfile import read_plan_file
from duban.plan.revision import ChangeKind
from duban.services.office import Basis, current_month
from duban.services.overview import period_overview
from duban.services.plan_loading import save_plan
from duban.services.plan_revisions import apply_plan_revision, preview_plan_revision
from duban.services.users import add_user
from duban.settings import Settings
from duban.web.app import create_app
from duban.web.filters import fmt_amount
from web.conftest import PASSWORD, log_in, quick_password_hashing  # noqa: F401  (cheap password hashing)

JUNE_10, JUNE_28 = "2026-06-10", "2026-06-28"  # before and after June's deadline (the 25th)
ACCOUNTS = {"admin": (Role.ADMIN, None), "leader": (Role.LEADER, None), "daguan": (Role.REPORTER, "大关县"),
            "yanjin": (Role.REPORTER, "盐津县")}  # fmt: skip


@pytest.fixture
def demo(factory: sessionmaker[Session]) -> None:
    """The default 昭通 plan with demo progress up to May, and an account for the office, a leader, two counties."""
    with transaction(factory) as session:
        plan = read_plan_file(default_plan_path())
        row = save_plan(session=session, plan=plan)
        generate_demo_progress(session=session, plan_row=row, plan=plan, today=date.fromisoformat(JUNE_10))
        for name, (role, unit) in ACCOUNTS.items():
            add_user(session=session, username=name, password=PASSWORD, role=role, unit=unit)


@pytest.fixture
def office(db_url: str, tmp_path: Path, demo: None) -> Iterator[dict[str, TestClient]]:
    """One signed-in client per account, all on one app that pretends it is 10 June."""
    settings = Settings(database_url=db_url, data_dir=tmp_path / "data", secret_key="month", today=JUNE_10)
    app = create_app(settings)
    clients = {name: TestClient(app) for name in ACCOUNTS}
    for name, client in clients.items():
        client.headers["X-CSRF-Token"] = log_in(client, name)
    yield clients
    for client in clients.values():
        client.close()


def pretend(clients: dict[str, TestClient], day: str) -> None:
    app = next(iter(clients.values())).app
    app.state.settings = app.state.settings.model_copy(update={"today": day})


def first_count_row(client: TestClient, unit: int) -> dict:
    """The unit's first June indicator reported as a plain number, with last month's figure."""
    rows = client.get(f"/api/periods/2026-06/units/{unit}/sheet").json()["rows"]
    return next(r for r in rows if r["mode"] == "value" and r["previous"] and r["previous"]["value"])


def unit_of(client: TestClient) -> int:
    return client.get("/api/units").json()[0]["id"]


def june_figure(row: dict, grow: str = "1.02") -> str:
    return str(int(Decimal(row["previous"]["value"]) * Decimal(grow)) + 1)


def period_note(client: TestClient) -> str:
    return re.search(r'id="period-note">([^<]*)<', client.get("/").text).group(1)


def test_a_month_in_the_life_of_the_office(office, factory):
    leader, admin, daguan, yanjin = (office[n] for n in ("leader", "admin", "daguan", "yanjin"))
    with factory() as session:
        plan_row = session.scalars(select(PlanRow)).one()
        assert current_month(session=session, plan_row=plan_row, today=date.fromisoformat(JUNE_10)) == 5
    before = period_note(leader)
    assert before.startswith("2026年5月（当前报送期）")

    # 大关县 saves next month's draft: nobody's view moves.
    dg = unit_of(daguan)
    draft_row = first_count_row(daguan, dg)
    draft = daguan.put(f"/api/periods/2026-06/units/{dg}/indicators/{draft_row['indicator_id']}",
                       json={"value": june_figure(draft_row), "confirmed": True, "note": "6月草稿"})  # fmt: skip
    assert draft.status_code == 200 and draft.json()["state"] == "draft"
    assert period_note(leader) == before and period_note(admin) == before

    # 盐津县 submits a June figure: it waits for the office's review.
    yj = unit_of(yanjin)
    sent_row = first_count_row(yanjin, yj)
    saved = yanjin.put(f"/api/periods/2026-06/units/{yj}/indicators/{sent_row['indicator_id']}",
                       json={"value": june_figure(sent_row), "confirmed": True, "note": "按计划推进"}).json()  # fmt: skip
    assert yanjin.post(f"/api/entries/{saved['id']}/submit").json()["state"] == "submitted"
    assert f'id="review-{saved["id"]}"' in admin.get("/review?month=6").text
    status = {r["unit"]: r for r in admin.get("/api/periods/2026-06/status").json()}
    assert (
        status["盐津县"]["submitted"] == 1 and status["大关县"]["submitted"] == 0
    )  # a draft is not a report

    # After the deadline the office returns it; the county corrects and resubmits it; the office approves.
    pretend(office, JUNE_28)
    returned = admin.post(f"/api/entries/{saved['id']}/return", json={"reason": "与统计台账不符,请核实"})
    assert returned.json()["state"] == "returned"
    form = yanjin.get(f"/entry/{yj}?month=6").text
    assert "报送已于 2026-06-25 截止" in form and "退回理由：与统计台账不符,请核实" in form
    corrected = str(int(june_figure(sent_row)) + 2)
    code = sent_row["code"]
    answer = yanjin.post(f"/entry/{yj}/6", data={
        "csrf_token": yanjin.headers["X-CSRF-Token"], "action": "submit", f"{code}.value": corrected,
        f"{code}.version": str(returned.json()["version"]), f"{code}.confirm": "1", f"{code}.note": "已核实更正"},
        follow_redirects=False)  # fmt: skip
    assert answer.status_code == 303
    assert f"已提交 1 项数据（{code}）" in yanjin.get(f"/entry/{yj}?month=6").text
    late_draft = daguan.post(
        f"/api/entries/{draft.json()['id']}/submit"
    )  # the return reopened one entry only
    assert late_draft.status_code == 423
    assert admin.post(f"/api/entries/{saved['id']}/approve").json()["official_value"] == corrected
    assert "退回理由" not in yanjin.get(f"/entry/{yj}?month=6").text

    # The office reloads the plan with one target changed and one indicator removed: no figure is lost.
    with factory() as session, session.begin():
        plan_row = session.scalars(select(PlanRow)).one()
        entries_before = session.scalar(select(func.count()).select_from(EntryRow))
        plan = read_plan_file(default_plan_path())
        changed, removed = _change_one_target_and_remove_one(plan, keep=code)
        preview = preview_plan_revision(
            session=session, plan_row=plan_row, plan=plan, today=date(2026, 6, 28)
        )
        assert [t.change.code for t in preview.of_kind(ChangeKind.CHANGED)] == [changed]
        [gone] = preview.of_kind(ChangeKind.REMOVED)
        assert gone.change.code == removed and gone.retires and gone.figures > 0
        apply_plan_revision(session=session, plan_row=plan_row, plan=plan, user_id=None, reason="年中调整",
                            today=date(2026, 6, 28))  # fmt: skip
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(EntryRow)) == entries_before
        retired = session.scalars(select(IndicatorRow).where(IndicatorRow.code == removed)).one()
        assert retired.retired_from is not None
        kept = session.scalar(
            select(func.count()).select_from(EntryRow).where(EntryRow.indicator_id == retired.id)
        )
        assert kept == gone.figures


def _change_one_target_and_remove_one(plan, keep: str) -> tuple[str, str]:
    """Raise the first plain target without a breakdown by one; drop the last indicator (not `keep`)."""
    indicators = [i for i in plan.indicators() if i.id != keep]
    target = next(i for i in indicators if not i.breakdown)
    target.target += 1
    last = indicators[-1]
    for area in plan.areas:
        for task in area.tasks:
            task.indicators = [i for i in task.indicators if i.id != last.id]
    return target.id, last.id


def test_a_county_that_has_not_reported_is_carried_not_counted_as_zero(office, factory):
    """May's city sum of a 惠民实事 count holds a silent county's April figure, marked 沿用4月数, on every face;
    the county itself stays 未报送; the office can turn carrying off under 设置."""
    leader, admin = office["leader"], office["admin"]
    with factory() as session:
        plan_row = session.scalars(select(PlanRow)).one()
        view = period_overview(session=session, plan_row=plan_row, month=5)
        line = next(x for x in view.indicators if x.area.livelihood and x.carried)
        code, [silent, *_] = line.indicator.id, [c.unit for c in line.carried]
        may = {u.unit: u.figure.value for u in line.units if u.figure.value is not None}
        april = {u.unit: u.figure.value for u in period_overview(session=session, plan_row=plan_row, month=4,
                 basis=Basis(carry_forward=False)).indicators[view.indicators.index(line)].units}  # fmt: skip
    silent_line = next(u for u in line.units if u.unit == silent)
    assert silent not in may and april[silent] is not None
    assert silent_line.carried.month == 4 and silent_line.carried.value == april[silent]
    carried_sum = sum(may.values()) + sum(c.value for c in line.carried)

    # the indicator page: the city figure holds the April figure, the county is 未报送 with the note
    page = leader.get(f"/indicators/{code}?month=5").text
    assert f"<tr><th>当前完成</th><td>{fmt_amount(carried_sum, line.indicator.unit)}（" in page
    assert f"含{line.carried_note}" in page
    county_row = next(r for r in page.split("<tr>") if f">{silent}</a>" in r)
    assert "未报送" in county_row and f"沿用4月数 {fmt_amount(april[silent], line.indicator)}" in county_row
    # the indicator list and the county's own page say the same
    assert f"含{line.carried_note}" in leader.get(f"/indicators?month=5&q={code}").text
    county_page = leader.get(f"/counties/{silent}?month=5").text
    assert f"沿用4月数 {fmt_amount(april[silent], line.indicator)}" in county_page
    # the map data: the county is 未报送, marked as carried
    shade = {c["name"]: c for c in leader.get(f"/map/data?month=5&measure={code}").json()["counties"]}[silent]
    assert shade["value"] is None and shade["carried"] == "沿用4月数" and shade["label"].startswith("未报送")
    # the bulletin's 惠民实事 table states the figure with the same note
    book = load_workbook(BytesIO(admin.get("/reports/2026-05.xlsx").content))
    cells = [str(c) for sheet in book for row in sheet.iter_rows(values_only=True) for c in row if c]
    assert any(f"（含{line.carried_note}）" in c for c in cells)

    # the office turns carrying off: the city sum is the reported figures only, no note anywhere
    token = admin.headers["X-CSRF-Token"]
    assert (
        admin.post("/settings", data={"csrf_token": token, "current": ""}, follow_redirects=False).status_code
        == 303
    )
    page = leader.get(f"/indicators/{code}?month=5").text
    assert (
        f"<tr><th>当前完成</th><td>{fmt_amount(sum(may.values()), line.indicator.unit)}（" in page
        and "沿用4月数" not in page
    )
    shade = {c["name"]: c for c in leader.get(f"/map/data?month=5&measure={code}").json()["counties"]}[silent]
    assert shade["carried"] == "" and shade["label"] == "未报送"


def test_an_outlier_is_saved_as_a_draft_and_confirmed_only_on_submitting(office):
    """盐津县 types a June figure far above its history: the draft is kept with the warning; submitting asks to
    confirm it, and a confirmation needs a 备注 saying why."""
    yanjin = office["yanjin"]
    yj = unit_of(yanjin)
    row = first_count_row(yanjin, yj)
    url = f"/api/periods/2026-06/units/{yj}/indicators/{row['indicator_id']}"
    saved = yanjin.put(url, json={"value": june_figure(row, grow="5")})
    assert saved.status_code == 200 and saved.json()["state"] == "draft"
    [warning] = saved.json()["warnings"]
    assert "远离本单位以往水平" in warning["message"]

    refused = yanjin.post(f"/api/periods/2026-06/units/{yj}/submit")
    assert refused.status_code == 422
    [problem] = refused.json()["detail"]["problems"]
    assert problem["warning"] and problem["message"].startswith(f"{row['code']} ")
    unexplained = yanjin.post(f"/api/entries/{saved.json()['id']}/submit", params={"confirmed": "true"})
    assert unexplained.status_code == 422 and "须在备注中说明原因" in unexplained.text

    # the web form: saving keeps the draft and says what submitting will ask; ticking 确认异常 with a 备注 submits
    form = {"csrf_token": yanjin.headers["X-CSRF-Token"], f"{row['code']}.value": june_figure(row, grow="5"),
            f"{row['code']}.version": str(saved.json()["version"]), f"{row['code']}.note": "新建项目集中投产"}  # fmt: skip
    assert yanjin.post(f"/entry/{yj}/6", data=form, follow_redirects=False).status_code == 303
    assert "1 项需在提交时确认" in yanjin.get(f"/entry/{yj}?month=6").text
    form[f"{row['code']}.version"] = str(saved.json()["version"] + 1)
    yanjin.post(f"/entry/{yj}/6", data={**form, "action": "submit"}, follow_redirects=False)
    assert "未提交" in yanjin.get(f"/entry/{yj}?month=6").text
    yanjin.post(f"/entry/{yj}/6", data={**form, "action": "submit", f"{row['code']}.confirm": "1"},
                follow_redirects=False)  # fmt: skip
    assert yanjin.get(f"/api/entries/{saved.json()['id']}").json()["state"] == "submitted"


def test_ledger_fed_figures_are_not_asked_of_counties(office, factory):
    """One source per figure: what the project ledger feeds (A-01…A-05 in the seed plan) is on no county's form,
    template or 报送情况, cannot be typed in through the API, and fills the home page's project panel."""
    daguan, admin = office["daguan"], office["admin"]
    fed = [i.id for i in read_plan_file(default_plan_path()).indicators() if i.feed]
    assert fed
    dg = unit_of(daguan)
    rows = daguan.get(f"/api/periods/2026-06/units/{dg}/sheet").json()["rows"]
    assert rows and not {r["code"] for r in rows} & set(fed)
    form = daguan.get(f"/entry/{dg}?month=6").text
    named = re.search(r'id="ledger-fed">([^\n]*)</p>', form).group(1)
    assert (
        "由项目台账自动统计，本单位无需填报" in named and "A-03 新开工项目数" in named
    )  # broken down to counties
    assert '<a href="/projects">查看项目库</a>' in named
    book = load_workbook(BytesIO(daguan.get(f"/entry/{dg}/6/template.xlsx").content))
    codes = {str(c) for row in book.active.iter_rows(values_only=True) for c in row if c}
    assert not codes & set(fed)
    with factory() as session:
        fed_id = session.scalars(select(IndicatorRow.id).where(IndicatorRow.code == fed[0])).one()
    typed = daguan.put(f"/api/periods/2026-06/units/{dg}/indicators/{fed_id}", json={"value": "3"})
    assert typed.status_code == 422 and "由项目台账自动统计" in typed.text
    status = {r["unit"]: r for r in admin.get("/api/periods/2026-06/status").json()}
    assert status["大关县"]["expected"] == len(rows)
    home = admin.get("/").text
    assert all(f'href="/indicators/{code}?month=5"' in home for code in fed)
