"""Every state-changing route, collected from the app itself, refuses those who may not use it.

REQUESTS says, for each (method, path) of the app, how to build a request aimed at another unit's
(镇雄县's) objects. A route the app has but the table lacks fails the suite, so a new route cannot
ship without a test here. Refusal means 401/403 or a redirect to the login page, and the store
unchanged row for row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from duban.settings import Settings
from duban.web.app import create_app
from security.conftest import PDF, World
from security.routes import RouteInfo, all_routes, state_changing

INGEST_TEXT = "昭通市2026年重点工作\n一、扩大有效投资\n1.新建农村公路1000公里。\n".encode()


@dataclass(frozen=True)
class Call:
    """One request: JSON body, or form fields (the CSRF field is added) and files."""

    method: str
    path: str
    json: Any = None
    data: dict[str, str] = field(default_factory=dict)
    files: dict[str, tuple[str, bytes, str]] | None = None
    form: bool = False


def _form(path: str, data: dict[str, str] | None = None, **files: tuple[str, bytes, str]) -> Call:
    return Call("POST", path, data=data or {}, files=files or None, form=True)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Builder = Callable[[World], list[Call]]

# (method, path template) -> the requests that attack another unit's objects through it.
REQUESTS: dict[tuple[str, str], Builder] = {
    ("POST", "/api/entries/{entry_id}/approve"): lambda w: [Call("POST", f"/api/entries/{w.entry}/approve")],
    ("POST", "/api/entries/{entry_id}/evidence"): lambda w: [
        Call("POST", f"/api/entries/{w.entry}/evidence", files={"file": ("x.pdf", PDF, "application/pdf")})
    ],
    ("POST", "/api/entries/{entry_id}/return"): lambda w: [
        Call("POST", f"/api/entries/{w.entry}/return", json={"reason": "数据有误"})
    ],
    ("POST", "/api/entries/{entry_id}/submit"): lambda w: [Call("POST", f"/api/entries/{w.entry}/submit")],
    ("DELETE", "/api/evidence/{evidence_id}"): lambda w: [Call("DELETE", f"/api/evidence/{w.evidence}")],
    ("POST", "/api/periods/{key}/lock"): lambda w: [
        Call("POST", f"/api/periods/{w.period_key}/lock", json={"reason": "已审核"})
    ],
    ("POST", "/api/periods/{key}/reopen"): lambda w: [
        Call("POST", f"/api/periods/{w.period_key}/reopen", json={"reason": "补报", "unit_id": w.victim_unit})
    ],
    ("POST", "/api/periods/{key}/units/{unit_id}/approve"): lambda w: [
        Call("POST", f"/api/periods/{w.period_key}/units/{w.victim_unit}/approve")
    ],
    ("PUT", "/api/periods/{key}/units/{unit_id}/indicators/{indicator_id}"): lambda w: [
        Call(
            "PUT",
            f"/api/periods/{w.period_key}/units/{w.victim_unit}/indicators/{w.indicator}",
            json={"value": "1", "version": 0},
        )
    ],
    ("POST", "/api/periods/{key}/units/{unit_id}/submit"): lambda w: [
        Call("POST", f"/api/periods/{w.period_key}/units/{w.victim_unit}/submit")
    ],
    ("POST", "/api/periods/{key}/units/{unit_id}/upload"): lambda w: [
        Call(
            "POST",
            f"/api/periods/{w.period_key}/units/{w.victim_unit}/upload",
            files={"file": ("t.xlsx", w.template, XLSX)},
        )
    ],
    ("POST", "/api/supervision/items/{item_id}/{action}"): lambda w: [
        Call("POST", f"/api/supervision/items/{w.pending_item}/sign", json={"text": ""}),
        Call("POST", f"/api/supervision/items/{w.pending_item}/answer", json={"text": "已处理"}),
        Call("POST", f"/api/supervision/items/{w.answered_item}/return", json={"text": "不充分"}),
        Call("POST", f"/api/supervision/items/{w.answered_item}/close", json={"text": "同意"}),
    ],
    ("POST", "/api/supervision/items"): lambda w: [
        Call(
            "POST",
            "/api/supervision/items",
            json={
                "unit_id": w.victim_unit,
                "title": "督办",
                "ask": "说明",
                "deadline": "2026-06-30",
                "level": "red",
            },
        )
    ],
    ("POST", "/supervision/new"): lambda w: [
        _form(
            "/supervision/new",
            {
                "unit_id": str(w.victim_unit),
                "title": "督办",
                "ask": "说明",
                "deadline": "2026-06-30",
                "level": "red",
            },
        )
    ],
    ("POST", "/entry/{unit_id}/{month}"): lambda w: [
        _form(f"/entry/{w.victim_unit}/6", {f"{w.indicator_code}.value": "999", "action": "submit"})
    ],
    ("POST", "/entry/{unit_id}/{month}/check"): lambda w: [
        _form(f"/entry/{w.victim_unit}/6/check", {"code": w.indicator_code, f"{w.indicator_code}.value": "1"})
    ],
    ("POST", "/entry/{unit_id}/{month}/evidence"): lambda w: [
        _form(
            f"/entry/{w.victim_unit}/6/evidence",
            {"code": w.indicator_code},
            file=("x.pdf", PDF, "application/pdf"),
        )
    ],
    ("POST", "/entry/{unit_id}/{month}/upload"): lambda w: [
        _form(f"/entry/{w.victim_unit}/6/upload", file=("t.xlsx", w.template, XLSX))
    ],
    ("POST", "/plan/indicators/{code}/edit"): lambda w: [
        _form(f"/plan/indicators/{w.indicator_code}/edit", {"target": "1", "reason": "调整"})
    ],
    ("POST", "/plan/ingest"): lambda w: [_form("/plan/ingest", file=("plan.txt", INGEST_TEXT, "text/plain"))],
    ("POST", "/plan/ingest/{token}"): lambda w: [_form("/plan/ingest/0123456789abcdef", {"replace": "1"})],
    ("POST", "/plan/ingest/{token}/revision"): lambda w: [
        _form("/plan/ingest/0123456789abcdef/revision", {"confirm": "1"})
    ],
    ("POST", "/plan/revisions/{revision_id}/undo"): lambda w: [_form("/plan/revisions/1/undo")],
    ("POST", "/settings"): lambda w: [_form("/settings", {"current": "6", "include_submitted": "1"})],
    ("POST", "/periods/{month}/lock"): lambda w: [_form("/periods/6/lock", {"reason": "已审核"})],
    ("POST", "/periods/{month}/reopenings/{reopen_id}/end"): lambda w: [_form("/periods/6/reopenings/1/end")],
    ("POST", "/periods/{month}/reopen"): lambda w: [
        _form("/periods/6/reopen", {"unit_id": str(w.victim_unit), "reason": "补报"})
    ],
    ("POST", "/reporting/{month}/remind"): lambda w: [_form("/reporting/5/remind")],
    ("POST", "/review/approve-unit"): lambda w: [
        _form("/review/approve-unit", {"unit": str(w.victim_unit), "month": "6"})
    ],
    ("POST", "/review/bulk"): lambda w: [_form("/review/bulk", {"ids": str(w.entry), "month": "6"})],
    ("POST", "/review/{entry_id}/approve"): lambda w: [_form(f"/review/{w.entry}/approve")],
    ("POST", "/review/{entry_id}/return"): lambda w: [_form(f"/review/{w.entry}/return", {"reason": "有误"})],
    ("POST", "/supervision/inbox/read"): lambda w: [_form("/supervision/inbox/read")],
    ("POST", "/supervision/items/{item_id}/answer"): lambda w: [
        _form(
            f"/supervision/items/{w.pending_item}/answer",
            {"text": "已处理"},
            evidence=("x.pdf", PDF, "application/pdf"),
        )
    ],
    ("POST", "/supervision/items/{item_id}/close"): lambda w: [
        _form(f"/supervision/items/{w.answered_item}/close", {"note": "同意"})
    ],
    ("POST", "/supervision/items/{item_id}/return"): lambda w: [
        _form(f"/supervision/items/{w.answered_item}/return", {"reason": "不充分"})
    ],
    ("POST", "/supervision/items/{item_id}/sign"): lambda w: [
        _form(f"/supervision/items/{w.pending_item}/sign")
    ],
    ("POST", "/users"): lambda w: [
        _form("/users", {"username": "intruder", "role": "admin", "password": "a long password 1"})
    ],
    ("POST", "/users/{user_id}/disable"): lambda w: [_form("/users/3/disable")],
    ("POST", "/users/{user_id}/enable"): lambda w: [_form("/users/3/enable")],
    ("POST", "/users/{user_id}/reset"): lambda w: [_form("/users/3/reset")],
    ("POST", "/login"): lambda w: [_form("/login", {"username": "admin", "password": "wrong password"})],
    ("POST", "/logout"): lambda w: [_form("/logout")],
}

# Routes anyone signed in may use on their own account or unit only: the check is that nothing of
# anybody else's changes (the victim's unread reminder stays unread), not a refusal.
OWN_SCOPE = {
    ("POST", "/supervision/inbox/read"): "marks the caller's own unit's reminders read",
    ("POST", "/logout"): "ends the caller's own session",
}
# Routes that change the caller's own account (and audit it), so the store does change.
OWN_ACCOUNT = {("POST", "/logout"): "ends every session of the caller: their session version moves on"}
# Routes that must work without a login at all.
PUBLIC = {("POST", "/login"): "logging in is how a session starts"}

# GET routes that show one unit's figures, files or 督办 items: a reporter of another unit is refused.
PRIVATE_READS: dict[tuple[str, str], Builder] = {
    ("GET", "/entry/{unit_id}"): lambda w: [Call("GET", f"/entry/{w.victim_unit}?month=6")],
    ("GET", "/entry/{unit_id}/{month}/template.xlsx"): lambda w: [
        Call("GET", f"/entry/{w.victim_unit}/6/template.xlsx")
    ],
    ("GET", "/evidence/{evidence_id}"): lambda w: [Call("GET", f"/evidence/{w.evidence}")],
    ("GET", "/supervision/items/{item_id}"): lambda w: [Call("GET", f"/supervision/items/{w.answered_item}")],
    ("GET", "/supervision/items/{item_id}/evidence/{reply_id}"): lambda w: [
        Call("GET", f"/supervision/items/{w.answered_item}/evidence/{w.reply}")
    ],
    ("GET", "/api/periods/{key}/units/{unit_id}/sheet"): lambda w: [
        Call("GET", f"/api/periods/{w.period_key}/units/{w.victim_unit}/sheet")
    ],
    ("GET", "/api/periods/{key}/units/{unit_id}/template.xlsx"): lambda w: [
        Call("GET", f"/api/periods/{w.period_key}/units/{w.victim_unit}/template.xlsx")
    ],
    ("GET", "/api/entries/{entry_id}"): lambda w: [Call("GET", f"/api/entries/{w.entry}")],
    ("GET", "/api/entries/{entry_id}/history"): lambda w: [Call("GET", f"/api/entries/{w.entry}/history")],
    ("GET", "/api/entries/{entry_id}/as-of"): lambda w: [
        Call("GET", f"/api/entries/{w.entry}/as-of?on=2026-06-10")
    ],
    ("GET", "/api/entries/{entry_id}/evidence"): lambda w: [Call("GET", f"/api/entries/{w.entry}/evidence")],
    ("GET", "/api/evidence/{evidence_id}/file"): lambda w: [Call("GET", f"/api/evidence/{w.evidence}/file")],
    ("GET", "/api/supervision/items/{item_id}"): lambda w: [
        Call("GET", f"/api/supervision/items/{w.answered_item}")
    ],
    ("GET", "/projects/{code}"): lambda w: [Call("GET", f"/projects/{w.project}")],
}
# GET routes whose path names a unit's object but which every signed-in user may read, and why.
SHARED_READS = {
    ("GET", "/plan/indicators/{code}/edit"): "the office's form; require_admin refuses others",
    ("GET", "/plan/ingest/{token}"): "the office's review page; require_admin refuses others",
    ("GET", "/plan/ingest/{token}/revision"): "the office's revision preview; require_admin refuses others",
    ("GET", "/indicators/{code}"): "an indicator's city-wide page, open to every signed-in user",
    ("GET", "/counties/{name}"): "a county's public scorecard, open to every signed-in user",
    ("GET", "/api/periods/{key}/status"): "报送情况 of all units is shown to everyone by design",
    ("GET", "/api/periods/{key}/reminders"): "admin only",
    ("GET", "/reports/{period}.{fmt}"): "checked by tests/web for the unit= parameter",
}

ATTACKERS = ("anonymous", "leader", "zhaoyang")


def _settings(db_url: str, tmp_path: Any) -> Settings:
    return Settings(database_url=db_url, data_dir=tmp_path / "d", secret_key="x", today="2026-06-10")


def test_every_state_changing_route_has_a_request_in_the_table(db_url, tmp_path):
    routes = {(r.method, r.path) for r in state_changing(create_app(_settings(db_url, tmp_path)))}
    assert routes - REQUESTS.keys() == set(), "new state-changing routes need a request in REQUESTS"
    assert REQUESTS.keys() - routes == set(), "REQUESTS names routes the app no longer has"


def test_every_read_route_with_an_object_in_its_path_is_classified(db_url, tmp_path):
    routes = {(r.method, r.path) for r in all_routes(create_app(_settings(db_url, tmp_path)))}
    with_object = {r for r in routes if r[0] == "GET" and "{" in r[1]}
    assert with_object - PRIVATE_READS.keys() - SHARED_READS.keys() == set()


def _send(client: TestClient, token: str | None, call: Call) -> Response:
    headers = {"X-CSRF-Token": token} if token and not call.form else {}
    data = {**call.data, "csrf_token": token} if token and call.form else call.data
    return client.request(call.method, call.path, json=call.json, data=data or None, files=call.files,
                          headers=headers, follow_redirects=False)  # fmt: skip


def _refused(response: Response) -> bool:
    if response.status_code in (401, 403):
        return True
    return response.status_code in (302, 303, 307) and response.headers["location"].startswith("/login")


def _cases() -> list[Any]:
    return [pytest.param(route, who, id=f"{who}:{route[0]} {route[1]}")
            for route in sorted(REQUESTS) if route not in PUBLIC for who in ATTACKERS]  # fmt: skip


@pytest.mark.parametrize(("route", "who"), _cases())
def test_state_changing_route_refuses_and_changes_nothing(route, who, world, session_as, checksum):
    client, token = session_as(None if who == "anonymous" else who)
    for call in REQUESTS[route](world):
        before = checksum()
        response = _send(client, token, call)
        assert response.status_code < 500, response.text
        if route not in OWN_SCOPE or (who == "anonymous" and route != ("POST", "/logout")):
            assert _refused(response), (
                f"{who} {call.method} {call.path}: {response.status_code} {response.text[:300]}"
            )
        if route in OWN_ACCOUNT:
            continue  # it moves the caller's own session version; test_sessions shows nobody else's moves
        assert checksum() == before, f"{who} {call.method} {call.path} changed the store"


@pytest.mark.parametrize("route", sorted(REQUESTS), ids=lambda r: f"{r[0]} {r[1]}")
def test_state_changing_route_refuses_an_admin_without_csrf_token(route, world, session_as, checksum):
    client, _token = session_as("admin")
    for call in REQUESTS[route](world):
        before = checksum()
        response = _send(client, None, call)
        assert response.status_code == 403, f"{call.method} {call.path}: {response.status_code}"
        assert "CSRF" in response.text
        assert checksum() == before


@pytest.mark.parametrize("route", sorted(PRIVATE_READS), ids=lambda r: f"{r[0]} {r[1]}")
def test_another_units_figures_files_and_items_are_not_shown_to_a_reporter(route, world, session_as):
    client, _token = session_as("zhaoyang")
    admin, _ = session_as("admin")
    for call in PRIVATE_READS[route](world):
        assert admin.get(call.path).status_code == 200, f"the office cannot read {call.path}"
        response = client.get(call.path, follow_redirects=False)
        assert response.status_code == 403, f"{call.path}: {response.status_code}"
        assert "镇雄县" not in response.text and "现场.pdf" not in response.text


def test_the_refused_reporter_may_still_write_their_own_unit(world, session_as, checksum):
    """The matrix is not passing because everything is refused: the victim's own reporter gets through."""
    client, token = session_as("zhenxiong")
    before = checksum()
    call = REQUESTS[("POST", "/supervision/items/{item_id}/sign")](world)[0]
    assert _send(client, token, call).status_code == 303
    assert checksum() != before


def test_route_table_covers_exactly_what_the_app_serves(db_url, tmp_path):
    """Keep the classification tables honest: nothing listed that the app does not serve."""
    routes = {(r.method, r.path) for r in all_routes(create_app(_settings(db_url, tmp_path)))}
    listed = set(PRIVATE_READS) | set(SHARED_READS) | set(OWN_SCOPE) | set(PUBLIC)
    assert listed - routes == set()
    assert all(isinstance(r, RouteInfo) for r in all_routes(create_app(_settings(db_url, tmp_path))))
