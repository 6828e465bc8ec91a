"""The office's tools in the browser：新建督办 by hand，催报，users, period reopening, bulk approval; the reporter's to-do."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from duban.persistence.models import AuditRow
from duban.persistence.supervision_models import SupervisionItemRow
from web.conftest import log_in


def _post(client: TestClient, token: str, path: str, data: dict[str, str]) -> object:
    return client.post(path, data={"csrf_token": token, **data}, follow_redirects=False)


def _count(factory: sessionmaker[Session], *where: object) -> int:
    with factory() as session:
        return int(session.scalar(select(func.count()).select_from(AuditRow).where(*where)) or 0)


# ── 新建督办 ──────────────────────────────────────────────────────────────────


def _form_token(page: str) -> str:
    match = re.search(r'name="token" value="([^"]+)"', page)
    assert match, "the form carries no token"
    return match.group(1)


def test_the_office_opens_an_item_by_hand_once_and_the_unit_sees_it(client, factory, unit_ids):
    token = log_in(client, "admin")
    assert "新建督办" in client.get("/supervision").text
    assert "/supervision/new?indicator=L02-1" in client.get("/indicators/L02-1").text
    assert "/supervision/new?unit=" in client.get("/counties/镇雄县").text
    page = client.get("/supervision/new?indicator=L02-1&unit=镇雄县").text
    assert f'<option value="{unit_ids["镇雄县"]}" selected>' in page and 'value="L02-1" selected' in page
    form = {"unit_id": str(unit_ids["镇雄县"]), "indicator": "L02-1", "title": "农村公路进度督办",
            "ask": "6月30日前报送整改措施", "deadline": "2026-06-30", "level": "red", "token": _form_token(page)}  # fmt: skip
    first = _post(client, token, "/supervision/new", form)
    second = _post(client, token, "/supervision/new", form)  # a double click
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    with factory() as session:
        items = list(session.scalars(select(SupervisionItemRow)))
        assert len(items) == 1
        item = items[0]
        assert (item.cause, item.severity, item.colour, item.state) == ("manual", "red", "red", "pending")
        assert item.indicator is not None and item.indicator.code == "L02-1"
    assert _count(factory, AuditRow.action == "supervision.open", AuditRow.entity_id == item.id) == 1
    shown = client.get(first.headers["location"]).text
    assert "督查室交办" in shown and "6月30日前报送整改措施" in shown
    county = TestClient(client.app)
    log_in(county, "zhenxiong")
    assert "农村公路进度督办" in county.get("/supervision/inbox").text
    other = TestClient(client.app)
    log_in(other, "zhaoyang")
    assert "农村公路进度督办" not in other.get("/supervision/inbox").text


def test_a_wrong_item_form_names_the_field_in_chinese_and_opens_nothing(client, factory, unit_ids):
    token = log_in(client, "admin")
    base = {"unit_id": str(unit_ids["昭阳区"]), "title": "专项督办", "ask": "说明情况", "deadline": "2026-07-01",
            "level": "yellow"}  # fmt: skip
    cases = [({"title": " "}, "督办事项不能为空"), ({"ask": ""}, "督办要求不能为空"),
             ({"deadline": "2026-06-01"}, "办理期限必须是今天"), ({"deadline": "六月"}, "办理期限"),
             ({"unit_id": ""}, "请选择督办对象"), ({"level": "purple"}, "督办等级"),
             ({"indicator": "X-99"}, "指标“X-99”不在本年度计划中")]  # fmt: skip
    for change, message in cases:
        response = _post(client, token, "/supervision/new", base | change)
        assert response.status_code == 400 and message in response.text, (change, response.text[-800:])
        assert 'value="专项督办"' in response.text or change.get("title") == " "
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(SupervisionItemRow)) == 0


def test_the_api_opens_an_item_by_hand_and_refuses_others(client, factory, unit_ids):
    token = log_in(client, "admin")
    body = {"unit_id": unit_ids["昭阳区"], "title": "营商环境投诉办理", "ask": "一周内反馈",
            "deadline": "2026-06-20", "level": "blue", "request_id": "api-request-0001"}  # fmt: skip
    first = client.post("/api/supervision/items", json=body, headers={"X-CSRF-Token": token})
    again = client.post("/api/supervision/items", json=body, headers={"X-CSRF-Token": token})
    assert first.status_code == again.status_code == 201, first.text
    assert first.json()["id"] == again.json()["id"] and first.json()["cause"] == "manual"
    assert first.json()["unit"] == "昭阳区"
    bad = client.post("/api/supervision/items", json=body | {"title": "", "request_id": ""},
                      headers={"X-CSRF-Token": token})  # fmt: skip
    assert bad.status_code == 400 and "督办事项不能为空" in bad.json()["detail"]
    reporter = TestClient(client.app)
    reporter_token = log_in(reporter, "zhaoyang")
    refused = reporter.post("/api/supervision/items", json=body | {"request_id": "another-0002"},
                            headers={"X-CSRF-Token": reporter_token})  # fmt: skip
    assert refused.status_code == 403
    assert reporter.get("/supervision/new", follow_redirects=False).status_code == 403
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(SupervisionItemRow)) == 1


# ── 催报 ──────────────────────────────────────────────────────────────────────


def test_the_office_reminds_late_units_once_a_day_with_a_preview(settings, seeded, factory, monkeypatch):
    from duban.persistence.models import UserRow
    from duban.persistence.supervision_models import SupervisionReminderRow
    from duban.web.app import create_app

    with factory() as session, session.begin():
        session.scalars(select(UserRow).where(UserRow.username == "zhenxiong")).one().email = "zx@example.cn"
    sent: list[object] = []
    monkeypatch.setattr("duban.services.supervision_runs.send_all",
                        lambda *, server, messages: sent.extend(messages) or [None] * len(messages))  # fmt: skip
    app = create_app(settings.model_copy(update={"smtp_host": "mail.example.cn"}))
    with TestClient(app) as client:
        token = log_in(client, "admin")
        assert "/reporting?month=" in client.get("/").text
        page = client.get("/reporting?month=5").text
        preview = page[page.index('id="remind-preview"') :]
        assert "镇雄县" in preview and "昭阳区" in preview and "zx@example.cn" in preview
        assert "无邮箱，仅站内提醒" in preview and "一键催报（3 个单位）" in page  # with 市发展改革委
        assert "无需催报" in client.get("/reporting?month=6").text  # June is not due yet
        first = _post(client, token, "/reporting/5/remind", {})
        second = _post(client, token, "/reporting/5/remind", {})  # a double click
        assert first.status_code == second.status_code == 303
        after = client.get("/reporting?month=5").text
        assert "今天已催报过，未重复发送" in after and "以上单位今天都已催报过" in after
        county = TestClient(app)
        log_in(county, "zhenxiong")
        inbox = county.get("/supervision/inbox").text
        assert "催报：2026年5月尚有1项数据未报送" in inbox and "（已发邮件）" in inbox
        reporter = TestClient(app)
        reporter_token = log_in(reporter, "zhaoyang")
        assert "一键催报" not in reporter.get("/reporting?month=5").text
        assert _post(reporter, reporter_token, "/reporting/5/remind", {}).status_code == 403
    assert len(sent) == 1 and "zx@example.cn" in str(sent[0]["To"])  # type: ignore[index]
    with factory() as session:
        reminders = list(session.scalars(select(SupervisionReminderRow)))
        assert len(reminders) == len({r.unit_id for r in reminders}) == 3
        items = list(session.scalars(select(SupervisionItemRow)))
        assert [i.cause for i in items] == ["report_overdue"] * 3
    assert _count(factory, AuditRow.action == "period.remind") == 2
    assert _count(factory, AuditRow.action == "supervision.remind") == 1


# ── Users ─────────────────────────────────────────────────────────────────────


def _user_id(factory: sessionmaker[Session], username: str) -> int:
    from duban.persistence.models import UserRow

    with factory() as session:
        return int(session.scalars(select(UserRow.id).where(UserRow.username == username)).one())


def test_the_admin_adds_a_reporter_who_signs_in_then_resets_and_disables_it(client, factory, unit_ids):
    token = log_in(client, "admin")
    page = client.get("/users").text
    assert "zhenxiong" in page and "填报员" in page and "镇雄县" in page
    added = _post(client, token, "/users", {"username": "dept01", "display_name": "发改委填报员",
                                            "role": "reporter", "unit_id": str(unit_ids["市发展改革委"]),
                                            "email": "fgw@example.cn"})  # fmt: skip
    assert added.status_code == 200 and "已添加账号“dept01”（填报员）" in added.text
    first = re.search(r"<code>([^<]+)</code>", added.text)
    assert first, "the first password is shown once"
    dept = TestClient(client.app)
    log_in(dept, "dept01", first.group(1))
    assert "市发展改革委" in dept.get("/supervision/inbox").text
    dept_id = _user_id(factory, "dept01")
    reset = _post(client, token, f"/users/{dept_id}/reset", {})
    second = re.search(r"<code>([^<]+)</code>", reset.text)
    assert reset.status_code == 200 and second and second.group(1) != first.group(1)
    assert dept.get("/", follow_redirects=False).status_code == 303  # the reset ended their session
    log_in(dept, "dept01", second.group(1))
    disabled = _post(client, token, f"/users/{dept_id}/disable", {})
    assert disabled.status_code == 303 and "已停用账号“dept01”" in client.get("/users").text
    again = _post(client, token, f"/users/{dept_id}/disable", {})  # a double click
    assert again.status_code == 303
    assert dept.get("/", follow_redirects=False).status_code == 303
    refused = dept.post("/login", data={"username": "dept01", "password": second.group(1),
                                        "csrf_token": token}, follow_redirects=False)  # fmt: skip
    assert refused.status_code in (401, 403)
    assert _post(client, token, f"/users/{dept_id}/enable", {}).status_code == 303
    actions = [AuditRow.entity == "user", AuditRow.entity_id == dept_id]
    assert _count(factory, AuditRow.action == "user.add", *actions) == 1
    assert _count(factory, AuditRow.action == "user.reset", *actions) == 1
    assert (
        _count(factory, AuditRow.action == "user.disable", *actions) == 1
    )  # the double click audits nothing
    assert _count(factory, AuditRow.action == "user.enable", *actions) == 1


def test_a_wrong_account_form_names_the_field_and_adds_nothing(client, factory, unit_ids):
    from duban.persistence.models import UserRow

    token = log_in(client, "admin")
    base = {"username": "dept02", "role": "reporter", "unit_id": str(unit_ids["昭阳区"]), "password": ""}
    cases = [({"username": ""}, "用户名：不能为空"), ({"username": "a b"}, "用户名：只能用"),
             ({"username": "zhenxiong"}, "用户名：“zhenxiong”已存在"), ({"role": "boss"}, "角色："),
             ({"unit_id": ""}, "所属单位：填报员必须指定所属单位"), ({"email": "fgw"}, "邮箱：“fgw”不是有效的邮箱地址"),
             ({"password": "short"}, "初始密码：至少需要 10 个字符")]  # fmt: skip
    for change, message in cases:
        response = _post(client, token, "/users", base | change)
        assert response.status_code == 400 and message in response.text, (change, response.text[-600:])
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(UserRow)) == 4
    me = _user_id(factory, "admin")
    assert _post(client, token, f"/users/{me}/disable", {}).status_code == 303
    assert "不能停用自己正在使用的账号" in client.get("/users").text
    leader = TestClient(client.app)
    leader_token = log_in(leader, "leader")
    assert leader.get("/users", follow_redirects=False).status_code == 403
    assert _post(leader, leader_token, "/users", base).status_code == 403


# ── Bulk approval ─────────────────────────────────────────────────────────────


def _submitted(factory: sessionmaker[Session], unit: str, month: int, value: int) -> int:
    from datetime import date
    from decimal import Decimal

    from duban.persistence.models import IndicatorRow, OrgUnitRow, PeriodRow
    from duban.services.entries import Writer, record_value, submit

    with factory() as session, session.begin():
        roads = session.scalars(select(IndicatorRow).where(IndicatorRow.code == "L02-1")).one()
        period = session.scalars(select(PeriodRow).where(PeriodRow.month == month)).one()
        unit_id = session.scalars(select(OrgUnitRow.id).where(OrgUnitRow.name == unit)).one()
        writer = Writer(user_id=None, admin=True, today=date(2026, 6, 10))
        entry = record_value(session=session, indicator_id=roads.id, unit_id=unit_id, period_id=period.id,
                             user_id=None, value=Decimal(value))  # fmt: skip
        submit(session=session, entry=entry, writer=writer)
        return entry.id


def test_bulk_approval_previews_then_approves_once_and_the_count_follows(client, factory, unit_ids):
    from duban.persistence.models import EntryRow

    june = [_submitted(factory, "镇雄县", 6, 300), _submitted(factory, "昭阳区", 6, 200)]
    may = _submitted(factory, "镇雄县", 5, 250)
    token = log_in(client, "admin")
    page = client.get("/review").text
    assert '<span id="review-count" aria-live="polite">3</span>' in page and "（全部 3 项，先预览）" in page
    every = re.search(r'id="bulk-link" href="([^"]+)"', page)
    assert every and every[1] == "/review/bulk" and client.get(every[1]).status_code == 200  # no empty unit=
    preview = client.get("/review/bulk?month=6").text
    assert (
        "将审核通过 <strong>2</strong> 项数据，涉及 2 个单位（昭阳区、镇雄县），1 个月份（6 月）" in preview
    )
    ids = re.search(r'name="ids" value="([^"]+)"', preview)
    assert ids and sorted(int(x) for x in ids.group(1).split(",")) == sorted(june)
    with factory() as session:  # the preview changed nothing
        assert [e.state for e in session.scalars(select(EntryRow).order_by(EntryRow.id))] == ["submitted"] * 3
    form = {"ids": ids.group(1), "month": "6", "unit": ""}
    first = _post(client, token, "/review/bulk", form)
    second = _post(client, token, "/review/bulk", form)  # a double submit
    assert first.status_code == second.status_code == 303 and first.headers["location"] == "/review?month=6"
    assert "2 项此前已审核或已退回，未重复处理" in client.get("/review").text
    assert _count(factory, AuditRow.action == "entry.approve") == 2
    assert _count(factory, AuditRow.action == "entry.bulk_approve") == 1
    assert '<span id="review-count" aria-live="polite">1</span>' in client.get("/review").text
    assert "（全部 1 项，先预览）" in client.get("/review").text
    one = client.post(f"/review/{may}/approve?unit={unit_ids['镇雄县']}&month=5", data={"csrf_token": token},
                      headers={"X-Partial": "1"})  # fmt: skip
    assert one.status_code == 200 and one.headers["X-Review-Count"] == "0"
    assert "没有待审核的数据" in client.get("/review/bulk").text
    leader = TestClient(client.app)
    leader_token = log_in(leader, "leader")
    assert leader.get("/review/bulk", follow_redirects=False).status_code == 403
    assert _post(leader, leader_token, "/review/bulk", form).status_code == 403


# ── The reporter's to-do ──────────────────────────────────────────────────────


def test_the_reporter_lands_on_a_to_do_of_what_their_unit_owes(client, factory, unit_ids):
    may = _submitted(factory, "镇雄县", 5, 250)
    admin = TestClient(client.app)
    admin_token = log_in(admin, "admin")
    assert (
        _post(admin, admin_token, f"/review/{may}/return", {"reason": "与统计局数据不一致"}).status_code
        == 303
    )
    form = {"unit_id": str(unit_ids["镇雄县"]), "title": "农村公路进度督办", "ask": "说明原因",
            "deadline": "2026-06-30", "level": "yellow"}  # fmt: skip
    assert _post(admin, admin_token, "/supervision/new", form).status_code == 303
    log_in(client, "zhenxiong")
    page = client.get("/").text
    todo = page[page.index('id="todo"') : page.index("</section>", page.index('id="todo"'))]
    assert "下一个截止：2026年6月数据须于 2026-06-25 前报送（还有 15 天），尚有 1 项未提交" in todo
    overdue = todo[todo.index('id="todo-overdue"') :]
    assert "2026年4月：截止 2026-04-25，尚有 1 项未提交" in overdue and "2026年5月" not in overdue
    assert "5 月 L02-1 30户以上自然村通硬化路里程：退回理由“与统计局数据不一致”" in todo
    assert "农村公路进度督办</a>：待签收，反馈期限 2026-06-30" in todo
    assert "暂无待办" not in todo
    assert 'id="todo"' not in admin.get("/").text  # the office has no unit to owe anything


def test_the_reporters_to_do_follows_each_submit_and_return_at_once(client, factory, unit_ids):
    """The to-do's counts are remembered between requests (#21); every submit and return shows on the next one."""
    june_line = "2026年6月数据须于 2026-06-25 前报送（还有 15 天），"
    log_in(client, "zhenxiong")
    assert june_line + "尚有 1 项未提交" in client.get("/").text
    assert june_line + "尚有 1 项未提交" in client.get("/").text  # asked again: the same, from what was kept
    june = _submitted(factory, "镇雄县", 6, 300)
    page = client.get("/").text
    assert june_line + "已全部提交" in page and "2026年4月：截止 2026-04-25，尚有 1 项未提交" in page
    _submitted(factory, "镇雄县", 4, 120)  # April, late
    assert "2026年4月：截止" not in client.get("/").text
    admin = TestClient(client.app)
    assert (
        _post(admin, log_in(admin, "admin"), f"/review/{june}/return", {"reason": "请补充说明"}).status_code
        == 303
    )
    page = client.get("/").text  # a returned figure was reported: it is listed apart, with the reason
    assert (
        june_line + "已全部提交" in page
        and "6 月 L02-1 30户以上自然村通硬化路里程：退回理由“请补充说明”" in page
    )


def test_a_reporter_who_owes_nothing_reads_no_to_do_as_plain_text(client, factory):
    for month in range(1, 7):
        _submitted(factory, "昭阳区", month, 100 * month)
    log_in(client, "zhaoyang")
    page = client.get("/").text
    assert '<p id="todo-empty">暂无待办。</p>' in page and "<li>暂无" not in page
    assert "2026年6月数据须于 2026-06-25 前报送（还有 15 天），已全部提交" in page
    inbox = client.get("/supervision/inbox").text
    assert '<p id="no-reminders">暂无提醒。</p>' in inbox and "<li>暂无提醒" not in inbox


# ── Reopening a locked month for one unit ────────────────────────────────────


def _june_figure(factory: sessionmaker[Session], unit: str) -> tuple[str, str] | None:
    from duban.persistence.models import EntryRow, OrgUnitRow, PeriodRow

    with factory() as session:
        row = session.execute(
            select(EntryRow.value, EntryRow.state).join(PeriodRow, EntryRow.period_id == PeriodRow.id)
            .join(OrgUnitRow, EntryRow.unit_id == OrgUnitRow.id).where(PeriodRow.month == 6, OrgUnitRow.name == unit)
        ).first()  # fmt: skip
        return (f"{row[0]:.0f}", row[1]) if row else None


def test_a_locked_month_reopened_for_one_unit_lets_it_correct_then_locks_again(client, factory, unit_ids):
    from duban.persistence.reporting_models import PeriodReopenRow

    june = _submitted(factory, "镇雄县", 6, 300)
    token = log_in(client, "admin")
    assert _post(client, token, f"/review/{june}/return", {"reason": "口径有误"}).status_code == 303
    assert _post(client, token, "/periods/6/lock", {"reason": "6月数据已审核"}).status_code == 303
    county = TestClient(client.app)
    county_token = log_in(county, "zhenxiong")
    other = TestClient(client.app)
    other_token = log_in(other, "zhaoyang")
    fix = {"L02-1.value": "320", "action": "submit"}
    county.post(
        f"/entry/{unit_ids['镇雄县']}/6", data={"csrf_token": county_token, **fix}, follow_redirects=False
    )
    assert _june_figure(factory, "镇雄县") == ("300", "returned")  # locked: nothing changes
    missing = _post(client, token, "/periods/6/reopen", {"unit_id": str(unit_ids["镇雄县"]), "reason": ""})
    assert "未重新开放：重新开放报送期必须说明理由" in client.get(missing.headers["location"]).text
    reopened = _post(client, token, "/periods/6/reopen", {"unit_id": str(unit_ids["镇雄县"]), "reason": "统计口径更正",
                                                          "until": "2026-06-15"})  # fmt: skip
    assert reopened.status_code == 303
    page = client.get("/periods").text
    assert "已为镇雄县重新开放2026年6月报送，至 2026-06-15" in page and "结束开放（重新锁定）" in page
    saved = county.post(f"/entry/{unit_ids['镇雄县']}/6", data={"csrf_token": county_token, **fix},
                        follow_redirects=False)  # fmt: skip
    assert saved.status_code < 400, re.findall(
        r'class="[^"]*(?:error|problem)[^"]*"[^>]*>([^<]+)', saved.text
    )
    assert _june_figure(factory, "镇雄县") == ("320", "submitted")
    other.post(
        f"/entry/{unit_ids['昭阳区']}/6", data={"csrf_token": other_token, **fix}, follow_redirects=False
    )
    assert _june_figure(factory, "昭阳区") is None  # the reopening was for 镇雄县 alone
    with factory() as session:
        reopen_id = session.scalars(select(PeriodReopenRow.id)).one()
    ended = _post(client, token, f"/periods/6/reopenings/{reopen_id}/end", {})
    again = _post(client, token, f"/periods/6/reopenings/{reopen_id}/end", {})  # a double click
    assert ended.status_code == again.status_code == 303
    assert "已结束镇雄县2026年6月的重新开放" in client.get("/periods").text
    county.post(f"/entry/{unit_ids['镇雄县']}/6", data={"csrf_token": county_token, "L02-1.value": "999",
                                                       "action": "submit"}, follow_redirects=False)  # fmt: skip
    assert _june_figure(factory, "镇雄县") == ("320", "submitted")  # locked again
    for action in ("period.lock", "period.reopen", "period.relock"):
        assert _count(factory, AuditRow.action == action) == 1, action
