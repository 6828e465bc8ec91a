"""Every route of the app, collected from `app.routes`, answers each kind of user as `duban.policy` says.

Each route names one policy action (its `allow(Action.…)` dependency, read back from the route itself).
REQUESTS says, for each route with a path parameter or a state change, how to build requests aimed at
another unit's (镇雄县's) objects; a plain page is simply fetched. What each user — anonymous, the read-only
leader, 昭阳区's reporter, 镇雄县's own reporter, another city's office, leader and county reporter
(曲靖市's, bound to their own city), the province office — must get is derived from the policy: refused
(401/403 or a redirect to the login page) with the store unchanged row for row and nothing of 镇雄县's shown,
or let through (no refusal, no server error). A route that names no action, or has no request here, fails
the suite with a message saying what to add.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from duban.choices import Role
from duban.policy import Action, allowed, is_public, plan_refusal
from duban.settings import Settings
from duban.web.app import create_app
from security.conftest import PDF, VICTIM, World
from security.routes import RouteInfo, all_routes, plan_free, route_actions, state_changing

INGEST_TEXT = "昭通市2026年重点工作\n一、扩大有效投资\n1.新建农村公路1000公里。\n".encode()


class Target(Enum):
    """Whose objects a request reaches: 镇雄县's (the victim's), the caller's own, or the city's as a whole."""

    VICTIM = "victim"
    SELF = "self"
    CITY = "city"


@dataclass(frozen=True)
class Call:
    """One request: JSON body, or form fields (the CSRF field is added) and files; whose objects it reaches,
    and the action it takes when that is narrower than its route's (one route, several 督办 steps)."""

    method: str
    path: str
    json: Any = None
    data: dict[str, str] = field(default_factory=dict)
    files: dict[str, tuple[str, bytes, str]] | None = None
    form: bool = False
    target: Target = Target.VICTIM
    action: Action | None = None


def _form(
    path: str,
    data: dict[str, str] | None = None,
    target: Target = Target.VICTIM,
    **files: tuple[str, bytes, str],
) -> Call:
    return Call("POST", path, data=data or {}, files=files or None, form=True, target=target)


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
        Call(
            "POST",
            f"/api/supervision/items/{w.answered_item}/return",
            json={"text": "不充分"},
            action=Action.DECIDE_SUPERVISION,
        ),
        Call(
            "POST",
            f"/api/supervision/items/{w.answered_item}/close",
            json={"text": "同意"},
            action=Action.DECIDE_SUPERVISION,
        ),
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
    ("POST", "/settings"): lambda w: [
        _form("/settings", {"current": "6", "include_submitted": "1"}, target=Target.CITY)
    ],
    ("POST", "/periods/{month}/lock"): lambda w: [_form("/periods/6/lock", {"reason": "已审核"})],
    ("POST", "/periods/{month}/reopenings/{reopen_id}/end"): lambda w: [_form("/periods/6/reopenings/1/end")],
    ("POST", "/periods/{month}/reopen"): lambda w: [
        _form("/periods/6/reopen", {"unit_id": str(w.victim_unit), "reason": "补报"})
    ],
    ("POST", "/reporting/{month}/remind"): lambda w: [_form("/reporting/5/remind")],
    ("POST", "/year-close"): lambda w: [_form("/year-close", {"reason": "年终考核"}, target=Target.CITY)],
    ("POST", "/year-close/reopen"): lambda w: [
        _form("/year-close/reopen", {"reason": "更正"}, target=Target.CITY)
    ],
    ("POST", "/year-close/correct"): lambda w: [
        _form(
            "/year-close/correct", {"code": w.indicator_code, "unit": VICTIM, "value": "1", "reason": "更正"}
        )
    ],
    ("POST", "/review/approve-unit"): lambda w: [
        _form("/review/approve-unit", {"unit": str(w.victim_unit), "month": "6"})
    ],
    ("POST", "/review/bulk"): lambda w: [_form("/review/bulk", {"ids": str(w.entry), "month": "6"})],
    ("POST", "/review/{entry_id}/approve"): lambda w: [_form(f"/review/{w.entry}/approve")],
    ("POST", "/review/{entry_id}/return"): lambda w: [_form(f"/review/{w.entry}/return", {"reason": "有误"})],
    ("POST", "/supervision/inbox/read"): lambda w: [_form("/supervision/inbox/read", target=Target.SELF)],
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
    ("POST", "/logout"): lambda w: [_form("/logout", target=Target.SELF)],
    # Reads of one unit's figures, files or 督办 items (a reporter of another unit is refused them).
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
    ("GET", "/reports/{period}.{fmt}"): lambda w: [
        Call("GET", f"/reports/{w.period_key}.docx?unit={VICTIM}")
    ],
    ("GET", "/reports/year/{year}.{fmt}"): lambda w: [
        Call("GET", "/reports/year/2026.docx", target=Target.CITY)
    ],
    ("GET", "/reports/file"): lambda w: [
        Call("GET", f"/reports/file?period={w.period_key}&fmt=docx&unit={VICTIM}")
    ],
    # Reads whose path names an object but whose action is the office's or open to everyone signed in.
    ("GET", "/plan/indicators/{code}/edit"): lambda w: [
        Call("GET", f"/plan/indicators/{w.indicator_code}/edit")
    ],
    ("GET", "/plan/ingest/{token}"): lambda w: [Call("GET", "/plan/ingest/0123456789abcdef")],
    ("GET", "/plan/ingest/{token}/revision"): lambda w: [
        Call("GET", "/plan/ingest/0123456789abcdef/revision")
    ],
    ("GET", "/indicators/{code}"): lambda w: [Call("GET", f"/indicators/{w.indicator_code}")],
    ("GET", "/counties/{name}"): lambda w: [Call("GET", f"/counties/{VICTIM}")],
    ("GET", "/api/periods/{key}/status"): lambda w: [Call("GET", f"/api/periods/{w.period_key}/status")],
    ("GET", "/api/periods/{key}/reminders"): lambda w: [
        Call("GET", f"/api/periods/{w.period_key}/reminders")
    ],
    ("GET", "/supervision/inbox"): lambda w: [
        Call("GET", f"/supervision/inbox?unit={VICTIM}", target=Target.SELF)
    ],
    ("GET", "/supervision/new"): lambda w: [Call("GET", f"/supervision/new?unit={VICTIM}")],
}


# Routes whose allowed use by a user of another unit must still leave everything of the victim's unchanged
# (the victim's unread reminder stays unread): they act on the caller's own unit or account only.
OWN_SCOPE = {
    ("POST", "/supervision/inbox/read"): "marks the caller's own unit's reminders read",
    ("POST", "/logout"): "ends the caller's own session",
}
# Routes that change the caller's own account (and audit it), so the store does change.
OWN_ACCOUNT = {("POST", "/logout"): "ends every session of the caller: their session version moves on"}
# Routes that must work without a login at all.
PUBLIC = {("POST", "/login"): "logging in is how a session starts"}
# The floor the policy may not sink below: 昭阳区's reporter is refused every one of these reads of 镇雄县's
# objects, and the office is shown them (200).
PRIVATE_READS = {
    ("GET", "/entry/{unit_id}"), ("GET", "/entry/{unit_id}/{month}/template.xlsx"), ("GET", "/evidence/{evidence_id}"),
    ("GET", "/supervision/items/{item_id}"), ("GET", "/supervision/items/{item_id}/evidence/{reply_id}"),
    ("GET", "/api/periods/{key}/units/{unit_id}/sheet"), ("GET", "/api/periods/{key}/units/{unit_id}/template.xlsx"),
    ("GET", "/api/entries/{entry_id}"), ("GET", "/api/entries/{entry_id}/history"),
    ("GET", "/api/entries/{entry_id}/as-of"), ("GET", "/api/entries/{entry_id}/evidence"),
    ("GET", "/api/evidence/{evidence_id}/file"), ("GET", "/api/supervision/items/{item_id}"),
    ("GET", "/projects/{code}"),
}  # fmt: skip
OTHER_CITY = ("qujing", "qujing_leader", "qilin")  # 曲靖市's office, leader and 麒麟区's reporter
ATTACKERS = ("anonymous", "leader", "zhaoyang", *OTHER_CITY)
USERS = ("anonymous", "leader", "zhaoyang", "zhenxiong", *OTHER_CITY, "admin")
HOW_TO_NAME = (
    "give the route's user parameter `Annotated[CurrentUser, Depends(allow(Action.…))]` (duban.web.auth.allow; "
    "public routes `dependencies=[Depends(allow_anyone(Action.…))]`), choosing or adding the action in "
    "duban.policy.RULES"
)


@dataclass(frozen=True)
class Actor:
    role: Role
    unit_id: int | None
    unit_path: str | None = None
    region_path: str | None = None
    paths: dict[int, str] = field(default_factory=dict, compare=False)

    def path_of(self, unit: int) -> str | None:
        return self.paths.get(unit)


def _settings(db_url: str, tmp_path: Any) -> Settings:
    return Settings(database_url=db_url, data_dir=tmp_path / "d", secret_key="x", today="2026-06-10")


@pytest.fixture
def unbound(db_url: str, tmp_path: Any) -> set[tuple[str, str]]:
    """The routes that choose no plan: no plan's reach refuses them, the unit they act on does."""
    return {(r.method, r.path) for r in plan_free(create_app(_settings(db_url, tmp_path)))}


@pytest.fixture
def actions(db_url: str, tmp_path: Any) -> dict[tuple[str, str], Action]:
    """The one action each route of the app names."""
    app = create_app(_settings(db_url, tmp_path))
    return {
        (r.method, r.path): next(iter(found)) for r, found in route_actions(app).items() if len(found) == 1
    }


def test_every_route_names_exactly_one_policy_action(db_url, tmp_path):
    found = route_actions(create_app(_settings(db_url, tmp_path)))
    none = sorted(f"{r.method} {r.path}" for r, named in found.items() if not named)
    several = sorted(f"{r.method} {r.path}: {sorted(named)}" for r, named in found.items() if len(named) > 1)
    assert none == [], f"routes asking no policy action — {HOW_TO_NAME}: {none}"
    assert several == [], f"routes naming several policy actions (name one: the route's gate): {several}"


def test_every_route_has_a_request_in_the_table(db_url, tmp_path):
    routes = {(r.method, r.path) for r in all_routes(create_app(_settings(db_url, tmp_path)))}
    needs = {r for r in routes if r[0] != "GET" or "{" in r[1]}
    missing = sorted(f"{m} {p}" for m, p in needs - REQUESTS.keys())
    assert missing == [], (
        "routes with a path parameter or a state change need requests aimed at 镇雄县's objects in REQUESTS "
        f"(tests/security/test_authorisation.py): {missing}"
    )
    assert REQUESTS.keys() - routes == set(), "REQUESTS names routes the app no longer has"
    assert {r for r in routes if r[0] != "GET"} == {
        (r.method, r.path) for r in state_changing(create_app(_settings(db_url, tmp_path)))
    }


def _actor(who: str, world: World) -> Actor | None:
    city, county = min(world.other_city), max(world.other_city)  # 曲靖市, made before its 麒麟区
    zhaotong = world.paths[world.city_unit]

    def of(role: Role, unit: int | None, region: str | None) -> Actor:
        return Actor(role, unit, world.paths.get(unit) if unit else None, region, world.paths)

    return {
        "anonymous": None, "leader": of(Role.LEADER, None, None), "admin": of(Role.ADMIN, None, None),
        "zhaoyang": of(Role.REPORTER, world.attacker_unit, zhaotong),
        "zhenxiong": of(Role.REPORTER, world.victim_unit, zhaotong),
        "qujing": of(Role.ADMIN, city, world.paths[city]), "qujing_leader": of(Role.LEADER, city, world.paths[city]),
        "qilin": of(Role.REPORTER, county, world.paths[city]),
    }[who]  # fmt: skip


def _expected(actor: Actor | None, action: Action, call: Call, world: World, plan: bool = True) -> bool:
    """Whether the policy lets `actor` make `call` (through a route whose action is `action`; `plan` False: a
    route that chooses no plan)."""
    action = call.action or action
    if plan and plan_refusal(actor, action, world.paths[world.city_unit]) is not None:
        return False  # 昭通市's plan, out of the caller's reach
    if actor is None or call.target is Target.CITY:
        return allowed(actor, action, None)
    return allowed(actor, action, world.victim_unit if call.target is Target.VICTIM else actor.unit_id)


def _calls(route: tuple[str, str], world: World) -> list[Call]:
    if route in REQUESTS:
        return REQUESTS[route](world)
    return [Call(route[0], route[1], target=Target.SELF)]  # a plain page: the caller's own view of it


def _send(client: TestClient, token: str | None, call: Call) -> Response:
    headers = {"X-CSRF-Token": token} if token and not call.form else {}
    data = {**call.data, "csrf_token": token} if token and call.form else call.data
    return client.request(call.method, call.path, json=call.json, data=data or None, files=call.files,
                          headers=headers, follow_redirects=False)  # fmt: skip


def _refused(response: Response) -> bool:
    if response.status_code in (401, 403):
        return True
    return response.status_code in (302, 303, 307) and response.headers["location"].startswith("/login")


def _route_ids(app_routes: list[tuple[str, str]]) -> list[Any]:
    return [pytest.param(r, id=f"{r[0]} {r[1]}") for r in app_routes]


def _every_route() -> list[tuple[str, str]]:
    """The app's routes, for parametrising (collected before any store exists)."""
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(
            Settings(database_url=f"sqlite:///{folder}/routes.db", data_dir=Path(folder), secret_key="x")
        )
        return sorted((r.method, r.path) for r in all_routes(app))


@pytest.mark.parametrize("route", _route_ids(_every_route()))
def test_route_answers_each_user_as_the_policy_says(route, actions, unbound, world, session_as, checksum):
    """Refused users first (the store unchanged after each), then those the policy lets through."""
    action, plan = actions[route], route not in unbound
    order = sorted(
        USERS,
        key=lambda who: all(
            _expected(_actor(who, world), action, c, world, plan) for c in _calls(route, world)
        ),
    )
    for who in order:
        client, token = session_as(None if who == "anonymous" else who)
        for call in _calls(route, world):
            expected = _expected(_actor(who, world), action, call, world, plan)
            before = checksum() if call.method != "GET" else None
            response = _send(client, token, call)
            said = f"{who} {call.method} {call.path} ({call.action or action}): {response.status_code} {response.text[:300]}"
            assert response.status_code < 500, said
            if route in PUBLIC:
                continue  # open to all: a wrong password is answered 401 by the login itself, and recorded
            if route == ("POST", "/logout"):  # everyone, signed in or not, ends up at the login page
                assert response.headers["location"] == "/login", said
            elif expected:
                assert not _refused(response), f"the policy allows it, the route refused — {said}"
            else:
                assert _refused(response), f"the policy refuses it, the route let it through — {said}"
                if who != "zhenxiong":  # (镇雄县's own reporter sees their unit's name on every page)
                    assert VICTIM not in response.text and "现场.pdf" not in response.text, said
            if before is None or (expected and who in ("zhenxiong", "admin")):
                continue  # a read, or an allowed change of 镇雄县's objects by its own reporter or the office
            if route in OWN_ACCOUNT and who != "anonymous":
                continue  # it moves the caller's own session version; test_sessions shows nobody else's moves
            assert checksum() == before, f"{said}: changed the store"


@pytest.mark.parametrize(
    "route",
    _route_ids(sorted(REQUESTS)),
)
def test_state_changing_route_refuses_an_admin_without_csrf_token(route, world, session_as, checksum):
    client, _token = session_as("admin")
    for call in REQUESTS[route](world):
        if call.method == "GET":
            continue
        before = checksum()
        response = _send(client, None, call)
        assert response.status_code == 403, f"{call.method} {call.path}: {response.status_code}"
        assert "CSRF" in response.text
        assert checksum() == before


def test_the_policy_refuses_other_units_every_change_of_the_victims_objects(actions, unbound, world):
    """The floor under the derived matrix: anonymous visitors, the leader and another unit's reporter are
    refused every state change of 镇雄县's objects, except the routes acting on their own account or unit."""
    for route in sorted(r for r in REQUESTS if r[0] != "GET" and r not in OWN_SCOPE and r not in PUBLIC):
        for who in ATTACKERS:
            for call in REQUESTS[route](world):
                plan = route not in unbound
                assert not _expected(_actor(who, world), actions[route], call, world, plan), (
                    f"{who} may {route}"
                )
    for route in PRIVATE_READS:
        call = REQUESTS[route](world)[0]
        plan = route not in unbound
        assert not _expected(_actor("zhaoyang", world), actions[route], call, world, plan), route
        for who in OTHER_CITY:
            assert not _expected(_actor(who, world), actions[route], call, world, plan), (who, route)
        assert _expected(_actor("admin", world), actions[route], call, world), route
    assert all(is_public(actions[r]) for r in PUBLIC)


@pytest.mark.parametrize("route", sorted(PRIVATE_READS), ids=lambda r: f"{r[0]} {r[1]}")
def test_another_units_figures_files_and_items_are_not_shown_to_a_reporter(route, world, session_as):
    """Nor to another city's users: 曲靖市's admin, leader and county reporter are refused 昭通市's 镇雄县 as
    昭阳区's reporter is."""
    admin, _ = session_as("admin")
    for who in ("zhaoyang", *OTHER_CITY):
        client, _token = session_as(who)
        for call in REQUESTS[route](world):
            assert admin.get(call.path).status_code == 200, f"the office cannot read {call.path}"
            response = client.get(call.path, follow_redirects=False)
            assert response.status_code == 403, f"{who} {call.path}: {response.status_code}"
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
    listed = set(PRIVATE_READS) | set(OWN_SCOPE) | set(PUBLIC) | set(OWN_ACCOUNT)
    assert listed - routes == set()
    assert all(isinstance(r, RouteInfo) for r in all_routes(create_app(_settings(db_url, tmp_path))))
