"""The figure workflow through the API and the pages: one lock rule for every write, corrections after the
deadline, reopening from the web, submitting on a unit's behalf, scoped history and conflicts instead of 500s."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from builders import OFFICE
from duban.choices import Role
from duban.persistence.models import EntryRow, IndicatorRow, PlanRow
from duban.services.entries import approve
from duban.services.users import add_user
from duban.web.pages import review
from web import test_api_flow
from web.conftest import PASSWORD
from web.test_api_flow import put, rows_by_code, switch, unit_id

# The API tests' store (their reporting plan and accounts) and client, shared by name.
settings, seeded, client = test_api_flow.settings, test_api_flow.seeded, test_api_flow.client

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
AFTER_DEADLINE = "2026-06-28"  # June's figures were due by the 25th


def pretend_today(client: TestClient, day: str) -> None:
    client.app.state.settings = client.app.state.settings.model_copy(update={"today": day})


def entry_state(factory, entry_id: int) -> EntryRow:
    with factory() as session:
        entry = session.get(EntryRow, entry_id)
        assert entry is not None
        return entry


def submitted_roads(client) -> tuple[int, dict]:
    """镇雄县 saves and submits its rural roads figure; its unit id and entry as JSON."""
    switch(client, "zhenxiong")
    zx = unit_id(client)
    road = rows_by_code(client, zx)["L02-1"]["indicator_id"]
    entry = put(client, zx, road, value="370").json()
    assert client.post(f"/api/entries/{entry['id']}/submit").status_code == 200
    return zx, entry


# ── One lock rule (issue 15, item 3) ─────────────────────────────────────────


def test_submitting_one_figure_by_the_api_is_refused_once_the_period_is_locked(client, factory):
    switch(client, "zhenxiong")
    zx = unit_id(client)
    entry = put(client, zx, rows_by_code(client, zx)["L02-1"]["indicator_id"], value="370").json()
    switch(client, "admin")
    assert client.post("/api/periods/2026-06/lock", json={"reason": "已审核"}).status_code == 200
    switch(client, "zhenxiong")
    refused = client.post(f"/api/entries/{entry['id']}/submit")
    assert refused.status_code == 423 and "2026年6月报送期已锁定" in refused.json()["detail"]
    assert entry_state(factory, entry["id"]).state == "draft"


def test_submitting_one_figure_by_the_api_is_refused_after_the_deadline(client, factory):
    switch(client, "zhenxiong")
    zx = unit_id(client)
    entry = put(client, zx, rows_by_code(client, zx)["L02-1"]["indicator_id"], value="370").json()
    pretend_today(client, AFTER_DEADLINE)
    refused = client.post(f"/api/entries/{entry['id']}/submit")
    assert refused.status_code == 423 and "报送已于 2026-06-25 截止" in refused.json()["detail"]
    assert entry_state(factory, entry["id"]).state == "draft"


def test_a_returned_figure_is_resubmitted_by_the_api_after_the_deadline_but_not_once_locked(client, factory):
    zx, entry = submitted_roads(client)
    pretend_today(client, AFTER_DEADLINE)
    switch(client, "admin")
    client.post(f"/api/entries/{entry['id']}/return", json={"reason": "与公路台账不符"})
    switch(client, "zhenxiong")
    current = client.get(f"/api/entries/{entry['id']}").json()
    fixed = put(client, zx, entry["indicator_id"], value="365", version=current["version"])
    assert fixed.status_code == 200 and fixed.json()["state"] == "returned"  # 已退回 until resubmitted
    assert client.post(f"/api/entries/{entry['id']}/submit").status_code == 200
    switch(client, "admin")
    client.post(f"/api/entries/{entry['id']}/return", json={"reason": "仍不符"})
    assert client.post("/api/periods/2026-06/lock", json={}).status_code == 200
    switch(client, "zhenxiong")
    refused = client.post(f"/api/entries/{entry['id']}/submit")
    assert refused.status_code == 423 and "已锁定" in refused.json()["detail"]
    assert entry_state(factory, entry["id"]).state == "returned"


def test_evidence_of_an_approved_figure_is_neither_added_nor_deleted(client, factory):
    switch(client, "zhenxiong")
    zx = unit_id(client)
    entry = put(client, zx, rows_by_code(client, zx)["L02-1"]["indicator_id"], value="370").json()
    evidence = client.post(
        f"/api/entries/{entry['id']}/evidence", files={"file": ("现场.png", PNG, "image/png")}
    )
    client.post(f"/api/entries/{entry['id']}/submit")
    switch(client, "admin")
    assert client.post(f"/api/entries/{entry['id']}/approve").status_code == 200
    for who in ("zhenxiong", "admin"):
        switch(client, who)
        added = client.post(
            f"/api/entries/{entry['id']}/evidence", files={"file": ("补.png", PNG, "image/png")}
        )
        assert added.status_code == 423 and "佐证材料不能再增删" in added.json()["detail"]
        removed = client.delete(f"/api/evidence/{evidence.json()['id']}")
        assert removed.status_code == 423
    assert len(client.get(f"/api/entries/{entry['id']}/evidence").json()) == 1


def test_evidence_in_a_locked_period_is_refused_even_to_the_office(client):
    switch(client, "zhenxiong")
    zx = unit_id(client)
    entry = put(client, zx, rows_by_code(client, zx)["L02-1"]["indicator_id"], value="370").json()
    evidence = client.post(
        f"/api/entries/{entry['id']}/evidence", files={"file": ("现场.png", PNG, "image/png")}
    )
    switch(client, "admin")
    client.post("/api/periods/2026-06/lock", json={})
    added = client.post(f"/api/entries/{entry['id']}/evidence", files={"file": ("补.png", PNG, "image/png")})
    assert added.status_code == 423 and "已锁定" in added.json()["detail"]
    assert client.delete(f"/api/evidence/{evidence.json()['id']}").status_code == 423


def test_the_office_cannot_approve_or_return_in_a_locked_period(client, factory):
    _, entry = submitted_roads(client)
    switch(client, "admin")
    client.post("/api/periods/2026-06/lock", json={})
    assert client.post(f"/api/entries/{entry['id']}/approve").status_code == 423
    assert client.post(f"/api/entries/{entry['id']}/return", json={"reason": "x"}).status_code == 423
    assert entry_state(factory, entry["id"]).state == "submitted"


def test_a_reporter_cannot_report_an_indicator_the_unit_does_not_report(client, factory):
    switch(client, "zhaoyang")
    zy = unit_id(client, "昭阳区")
    with factory() as session:
        hospital = session.scalar(select(IndicatorRow.id).where(IndicatorRow.code == "M-1"))  # 镇雄县's own
    refused = put(client, zy, hospital, stage="已完成", stage_date="2026-05-30")
    assert refused.status_code == 422 and "昭阳区不填报指标 M-1" in refused.json()["detail"]
    with factory() as session:
        assert session.scalar(select(EntryRow)) is None


# ── Corrections always possible (issue 14, item 7) ───────────────────────────


def _form(client, unit: int, fields: dict, action: str = "draft"):
    token = client.headers["X-CSRF-Token"]
    return client.post(f"/entry/{unit}/6", data={"csrf_token": token, "action": action, **fields},
                       follow_redirects=False)  # fmt: skip


def test_a_return_after_the_deadline_is_corrected_and_resubmitted_with_its_reason_kept_visible(
    client, factory
):
    zx, roads = submitted_roads(client)
    rate = rows_by_code(client, zx)["L03-1"]["indicator_id"]
    draft = put(client, zx, rate, numerator="36", denominator="48").json()  # saved, never submitted
    pretend_today(client, AFTER_DEADLINE)
    switch(client, "admin")
    client.post(f"/review/{roads['id']}/return", data={"csrf_token": client.headers["X-CSRF-Token"],
                                                      "reason": "与公路台账不符"})  # fmt: skip
    switch(client, "zhenxiong")
    page = client.get(f"/entry/{zx}?month=6").text
    assert "退回理由：与公路台账不符（请修改后重新提交）" in page
    assert (
        'name="L02-1.value"' in page and 'name="L03-1.numerator"' not in page
    )  # only the returned one reopens
    current = entry_state(factory, roads["id"])
    sent = _form(client, zx, {"L02-1.value": "365", "L02-1.version": str(current.version)}, action="submit")
    assert sent.status_code == 303
    page = client.get(f"/entry/{zx}?month=6").text
    flash = re.search(r'id="flash-error">([^<]*)<', page).group(1)  # the kept-back draft is a refusal
    assert "已提交 1 项数据（L02-1）" in flash and "另有 1 项未提交（L03-1）" in flash and "截止" in flash
    assert "退回理由：与公路台账不符（已修改并重新提交，待审核）" in page
    assert (entry_state(factory, roads["id"]).state, entry_state(factory, draft["id"]).state) == (
        "submitted",
        "draft",
    )
    switch(client, "admin")
    assert "此前退回理由：与公路台账不符" in client.get("/review").text
    client.post(f"/review/{roads['id']}/approve", data={"csrf_token": client.headers["X-CSRF-Token"]})
    assert entry_state(factory, roads["id"]).official_value == 365
    switch(client, "zhenxiong")
    assert "退回理由" not in client.get(f"/entry/{zx}?month=6").text


def test_a_closed_period_form_is_read_only_and_says_why(client, factory):
    switch(client, "zhenxiong")
    zx = unit_id(client)
    pretend_today(client, AFTER_DEADLINE)
    page = client.get(f"/entry/{zx}?month=6").text
    assert "2026年6月报送已于 2026-06-25 截止" in page and 'id="read-only"' in page
    assert 'name="L02-1.value"' not in page and "提交审核</button>" not in page and "上传 Excel" not in page
    refused = _form(client, zx, {"L02-1.value": "370"}, action="submit")  # a page opened before the deadline
    assert refused.status_code == 422 and "所填“370”未保存" in refused.text
    with factory() as session:
        assert session.scalar(select(EntryRow)) is None


def test_the_office_reopens_a_period_for_one_unit_from_the_web(client, factory):
    pretend_today(client, AFTER_DEADLINE)
    switch(client, "zhenxiong")
    zx = unit_id(client)
    switch(client, "admin")
    form = client.get(f"/entry/{zx}?month=6").text
    assert 'id="reopen-form"' in form
    reopened = client.post("/periods/6/reopen", data={
        "csrf_token": client.headers["X-CSRF-Token"], "unit_id": str(zx), "reason": "系统故障补报",
        "until": "2026-07-03", "next": f"/entry/{zx}?month=6"}, follow_redirects=False)  # fmt: skip
    assert reopened.status_code == 303 and reopened.headers["location"] == f"/entry/{zx}?month=6"
    assert "已为镇雄县重新开放2026年6月报送，至 2026-07-03" in client.get(reopened.headers["location"]).text
    assert "系统故障补报" in client.get("/periods").text
    switch(client, "zhenxiong")
    assert _form(client, zx, {"L02-1.value": "370"}, action="submit").status_code == 303
    switch(client, "zhaoyang")
    zy = unit_id(client, "昭阳区")
    assert put(client, zy, rows_by_code(client, zy)["L02-1"]["indicator_id"], value="1").status_code == 423


def test_reopening_a_locked_period_for_one_unit_keeps_it_locked_for_the_others(client):
    switch(client, "zhenxiong")
    zx = unit_id(client)
    road = rows_by_code(client, zx)["L02-1"]["indicator_id"]
    switch(client, "admin")
    client.post("/api/periods/2026-06/lock", json={})
    client.post("/api/periods/2026-06/reopen", json={"reason": "更正", "unit_id": zx})
    switch(client, "zhenxiong")
    assert put(client, zx, road, value="370").status_code == 200
    switch(client, "zhaoyang")
    zy = unit_id(client, "昭阳区")
    locked = put(client, zy, road, value="1")
    assert locked.status_code == 423 and "已锁定" in locked.json()["detail"]


def test_submitting_on_behalf_sends_only_the_ticked_figures(client, factory):
    switch(client, "zhenxiong")
    zx = unit_id(client)
    rows = rows_by_code(client, zx)
    roads = put(client, zx, rows["L02-1"]["indicator_id"], value="370").json()
    rate = put(client, zx, rows["L03-1"]["indicator_id"], numerator="36", denominator="48").json()
    switch(client, "admin")
    assert 'name="L02-1.send"' in client.get(f"/entry/{zx}?month=6").text
    assert _form(client, zx, {"L02-1.send": "1"}, action="submit").status_code == 303
    assert (entry_state(factory, roads["id"]).state, entry_state(factory, rate["id"]).state) == (
        "submitted",
        "draft",
    )
    assert "已提交 1 项数据（L02-1）" in client.get(f"/entry/{zx}?month=6").text
    _form(client, zx, {}, action="submit")
    assert "请勾选要提交的数据" in client.get(f"/entry/{zx}?month=6").text
    assert entry_state(factory, rate["id"]).state == "draft"


# ── The indicator history is scoped like the API (issue 15, item 4) ──────────


def test_the_indicator_history_shows_a_reporter_only_the_own_units_figures(client):
    switch(client, "zhaoyang")
    zy = unit_id(client, "昭阳区")
    entry = put(
        client, zy, rows_by_code(client, zy)["L02-1"]["indicator_id"], value="250", note="昭阳草稿"
    ).json()
    client.post(f"/api/entries/{entry['id']}/evidence", files={"file": ("昭阳现场.png", PNG, "image/png")})
    client.post(f"/api/entries/{entry['id']}/submit")
    switch(client, "admin")
    client.post(f"/api/entries/{entry['id']}/return", json={"reason": "昭阳退回理由"})
    submitted_roads(client)  # 镇雄县's own figure
    history = client.get("/indicators/L02-1?month=6").text.split('id="history"')[1]
    assert "昭阳区" not in history and "昭阳退回理由" not in history and "昭阳现场.png" not in history
    assert "镇雄县 · 6 月" in history
    assert client.get(f"/api/entries/{entry['id']}/history").status_code == 403
    switch(client, "leader")
    assert "昭阳退回理由" in client.get("/indicators/L02-1?month=6").text


# ── Repeated or concurrent steps are conflicts, never 500s (issue 15, item 11) ──


def test_approving_twice_is_a_conflict_page(client):
    _, entry = submitted_roads(client)
    token = switch(client, "admin")
    assert client.post(f"/review/{entry['id']}/approve", data={"csrf_token": token}).status_code == 200
    again = client.post(
        f"/review/{entry['id']}/approve", data={"csrf_token": token}, headers={"Accept": "text/html"}
    )
    assert (
        again.status_code == 409 and "操作冲突" in again.text and "只有已提交的数据可以审核通过" in again.text
    )


def test_an_approval_someone_else_made_meanwhile_is_a_conflict_page_not_a_500(client, factory, monkeypatch):
    _, entry = submitted_roads(client)
    token = switch(client, "admin")
    read = review._entry

    def read_while_another_officer_approves(session, entry_id):
        found = read(session, entry_id)  # this request has read the figure as submitted…
        with factory() as other, other.begin():  # …when the other click's request approves it
            approve(session=other, entry=other.get(EntryRow, entry_id), writer=OFFICE)
        return found

    monkeypatch.setattr(review, "_entry", read_while_another_officer_approves)
    late = client.post(
        f"/review/{entry['id']}/approve", data={"csrf_token": token}, headers={"Accept": "text/html"}
    )
    assert late.status_code == 409 and "操作冲突" in late.text and "刚被他人处理" in late.text
    assert entry_state(factory, entry["id"]).state == "approved"


# ── Four-eyes as a plan option (issue 15, Low) ───────────────────────────────


@pytest.mark.parametrize("four_eyes", [True, False])
def test_with_four_eyes_who_entered_a_figure_cannot_approve_it(client, factory, four_eyes):
    with factory() as session, session.begin():
        session.scalars(select(PlanRow)).one().review = {"four_eyes": four_eyes}
        add_user(
            session=session, username="admin2", password=PASSWORD, role=Role.ADMIN, display_name="督查室二"
        )
    switch(client, "admin")
    zx = unit_id(client)
    entry = put(
        client, zx, rows_by_code(client, zx)["L02-1"]["indicator_id"], value="370"
    ).json()  # on behalf
    client.post(f"/api/entries/{entry['id']}/submit")
    own = client.post(f"/api/entries/{entry['id']}/approve")
    if not four_eyes:
        assert own.status_code == 200
        return
    assert own.status_code == 403 and "双人审核" in own.json()["detail"]
    switch(client, "admin2")
    assert client.post(f"/api/entries/{entry['id']}/approve").json()["state"] == "approved"


def test_four_eyes_is_read_from_the_plan_file():
    from duban.plan.planfile import dump_plan, parse_plan_text
    from services.test_entries import reporting_plan

    plan = reporting_plan()
    assert "review" not in dump_plan(plan)  # off by default, so plan files stay short
    plan.review.four_eyes = True
    assert parse_plan_text(dump_plan(plan)).review.four_eyes
