"""A leader's dashboard is answered from its copy, without the route, while nothing it shows has changed.

The copy is checked on every request (the signed-in user, the generation counters): a submit, an
approval or a logout elsewhere shows at once (tests/web/test_dashboard_states.py holds the workflow); only
during a rush of submits and returns may 报送情况 lag, by DUBAN_STATES_LAG at most. A copy made for one
leader is given to the others of the same view with their own name and CSRF token.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session, sessionmaker

from duban.choices import Role
from duban.persistence.models import UserRow
from duban.services.users import add_user
from duban.settings import Settings
from duban.web import pagecache
from duban.web.app import create_app
from duban.web.pagecache import RUSH, Checks, page_copies
from web.conftest import PASSWORD, log_in, signed_in_clients


@pytest.fixture
def clients(settings: Settings, seeded: None) -> Iterator[dict[str, TestClient]]:
    yield from signed_in_clients(settings, ("leader", "zhenxiong", "admin"))


@contextmanager
def statements() -> Iterator[list[str]]:
    """Every statement any engine runs within the block."""
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(Engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", note)


@pytest.fixture
def leaders(
    settings: Settings, seeded: None, factory: sessionmaker[Session]
) -> Iterator[dict[str, TestClient]]:
    """A second leader, with a name of their own, beside the first, a reporter and the office."""
    with factory() as session, session.begin():
        add_user(
            session=session, username="deputy", password=PASSWORD, role=Role.LEADER, display_name="<副市长>"
        )
    yield from signed_in_clients(settings, ("leader", "deputy", "zhenxiong", "admin"))


def test_a_leaders_unchanged_dashboard_costs_the_user_and_the_counters_only(clients) -> None:
    leader = clients["leader"]
    first = leader.get("/?month=6")
    with statements() as seen:
        again = leader.get("/?month=6")
    assert again.status_code == 200 and again.text == first.text
    assert len(seen) == 1, seen  # the user (with unit) and the counters, in one statement: no plan, no page
    with statements() as seen:
        other_month = leader.get("/?month=5")
    assert other_month.status_code == 200 and other_month.text != first.text and len(seen) > 3


def test_the_server_timing_says_when_a_kept_page_answered(clients) -> None:
    leader = clients["leader"]
    made, kept = leader.get("/?month=4"), leader.get("/?month=4")
    assert "copy;" not in made.headers["Server-Timing"] and "copy;" in kept.headers["Server-Timing"]
    assert kept.headers["Server-Timing"].startswith("app;dur=")


def test_a_submit_shows_on_the_copy_owners_next_request(clients) -> None:
    leader, reporter = clients["leader"], clients["zhenxiong"]
    leader.get("/")
    unit = reporter.get("/api/units").json()[0]["id"]
    row = next(r for r in reporter.get(f"/api/periods/2026-06/units/{unit}/sheet").json()["rows"]
               if r["code"] == "L02-1")  # fmt: skip
    path = f"/api/periods/2026-06/units/{unit}/indicators/{row['indicator_id']}"
    entry = reporter.put(path, json={"value": "360", "version": 0, "note": "按计划推进"}).json()
    assert reporter.post(f"/api/entries/{entry['id']}/submit").status_code == 200
    with statements() as seen:
        page = leader.get("/")
    assert len(seen) > 3  # made again by the route
    assert page.status_code == 200


def test_a_copy_made_for_one_leader_is_given_to_another_as_the_route_would_make_it_for_them(leaders) -> None:
    leader, deputy, office = leaders["leader"], leaders["deputy"], leaders["admin"]
    made_for_leader = leader.get("/?month=6").text
    with statements() as seen:
        given = deputy.get("/?month=6")
    assert given.status_code == 200 and len(seen) == 1  # the check alone: no route
    assert deputy.headers["X-CSRF-Token"] in given.text and leader.headers["X-CSRF-Token"] not in given.text
    assert "&lt;副市长&gt; · " in given.text and "&lt;副市长&gt;" not in made_for_leader
    deputy.app.state.page_copies = page_copies()  # forgotten: the route makes the deputy's page itself
    assert deputy.get("/?month=6").text == given.text
    with statements() as seen:
        assert "&lt;副市长&gt;" not in office.get("/?month=6").text
    assert len(seen) > 3  # the office's view (menus, role) is its own: made by the route


@pytest.mark.parametrize("lag", [60.0, 0.0])
def test_during_a_rush_of_submits_and_returns_a_copy_lags_by_states_lag_at_most(
    settings: Settings, seeded: None, lag: float
) -> None:
    lagging = settings.model_copy(update={"states_lag": lag})
    with contextmanager(signed_in_clients)(lagging, ("leader", "zhenxiong", "admin")) as clients:
        leader, reporter, office = clients.values()
        copy = leader.get("/?month=6").text
        _rush(reporter, office, moves=RUSH)
        with statements() as seen:
            page = leader.get("/?month=6")
    assert (page.text == copy and len(seen) == 1) if lag else (page.text != copy and len(seen) > 3)


def test_a_copy_lagging_half_states_lag_is_answered_while_the_route_makes_the_page_anew_behind_it(
    settings: Settings, seeded: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = [time.monotonic()]
    monkeypatch.setattr(pagecache, "clock", lambda: clock[0])
    lagging = settings.model_copy(update={"states_lag": 60.0})
    with contextmanager(signed_in_clients)(lagging, ("zhenxiong", "admin")) as clients:
        _rush_seen_by_a_leader(clients["zhenxiong"], clients["admin"], clock)


def _rush_seen_by_a_leader(reporter: TestClient, office: TestClient, clock: list[float]) -> None:
    with TestClient(office.app) as leader:  # one event loop, as a server's, for the page made behind
        leader.headers["X-CSRF-Token"] = log_in(leader, "leader")
        copy, pages = leader.get("/?month=6").text, leader.app.state.page_copies
        _rush(reporter, office, moves=RUSH)
        assert leader.get("/?month=6").text == copy and not pages.behind  # lagging, for less than 30 s
        clock[0] += 30
        with statements() as seen:
            lagged = leader.get("/?month=6")
            leader.portal.call(pagecache.refreshed, leader.app)  # the page made behind it
        assert lagged.text == copy and len(seen) > 3
        with statements() as seen:
            made_behind = leader.get("/?month=6").text
        assert made_behind != copy and len(seen) == 1  # the page made behind the lagging copy, as its copy
        leader.app.state.page_copies = page_copies()
        assert leader.get("/?month=6").text == made_behind  # as the route makes it now


def test_a_page_that_fails_behind_its_copy_is_logged_and_the_next_request_asks_the_route(
    settings: Settings, seeded: None, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    clock, routed = [time.monotonic()], pagecache._route

    async def failing_behind(app: Any, scope: Any, receive: Any, send: Any, token: str) -> Any:
        if send is pagecache._unheard:
            raise RuntimeError("数据库断开")
        return await routed(app, scope, receive, send, token)

    monkeypatch.setattr(pagecache, "clock", lambda: clock[0])
    monkeypatch.setattr(pagecache, "_route", failing_behind)
    lagging = settings.model_copy(update={"states_lag": 60.0})
    with contextmanager(signed_in_clients)(lagging, ("zhenxiong", "admin")) as clients:
        reporter, office = clients.values()
        with TestClient(office.app) as leader:
            leader.headers["X-CSRF-Token"] = log_in(leader, "leader")
            copy, pages = leader.get("/?month=6").text, leader.app.state.page_copies
            _rush(reporter, office, moves=RUSH)
            clock[0] += 40
            assert leader.get("/?month=6").text == copy  # answered; the page made behind it fails
            leader.portal.call(pagecache.refreshed, leader.app)
            assert not pages.behind and not pages.refreshing
            clock[0] += 30  # the lag used up: the route makes the page, and the request waits for it
            with statements() as seen:
                assert leader.get("/?month=6").text != copy
            assert len(seen) > 3
    assert "anew behind its copy failed" in caplog.text


def _rush(reporter: TestClient, office: TestClient, *, moves: int) -> None:
    """A figure saved, submitted and returned by the office again and again: `moves` moves of `states` at least."""
    unit = reporter.get("/api/units").json()[0]["id"]
    row = next(r for r in reporter.get(f"/api/periods/2026-06/units/{unit}/sheet").json()["rows"]
               if r["code"] == "L02-1")  # fmt: skip
    path, version = f"/api/periods/2026-06/units/{unit}/indicators/{row['indicator_id']}", 0
    for round_ in range(moves // 2):
        entry = reporter.put(
            path, json={"value": str(360 + round_), "version": version, "note": "按计划推进"}
        ).json()
        assert reporter.post(f"/api/entries/{entry['id']}/submit").status_code == 200
        back = office.post(f"/api/entries/{entry['id']}/return", json={"reason": "请复核"})
        assert back.status_code == 200
        version = back.json()["version"]


def test_a_reporters_dashboard_is_made_by_the_route_every_time(clients) -> None:
    reporter = clients["zhenxiong"]
    reporter.get("/")
    with statements() as seen:
        assert reporter.get("/").status_code == 200
    assert len(seen) > 3  # the to-do follows the reporter's drafts, which move no counter


def test_logout_elsewhere_ends_the_copy_too(settings: Settings, clients) -> None:
    leader = clients["leader"]
    assert leader.get("/").status_code == 200 and leader.get("/").status_code == 200
    with TestClient(leader.app) as elsewhere:
        token = log_in(elsewhere, "leader")
        out = elsewhere.post("/logout", data={"csrf_token": token}, follow_redirects=False)
        assert out.status_code == 303
    page = leader.get("/", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")


@pytest.mark.parametrize("path", ["/map?month=6", "/map/data?month=6", "/map/data?month=6&measure=change"])
def test_an_unchanged_map_is_answered_from_its_copy_and_an_approval_shows_at_once(clients, path) -> None:
    leader, reporter, admin = clients["leader"], clients["zhenxiong"], clients["admin"]
    first = leader.get(path)
    with statements() as seen:
        again = leader.get(path)
    assert again.status_code == 200 and again.content == first.content
    assert len(seen) == 1, seen
    unit = reporter.get("/api/units").json()[0]["id"]
    row = next(r for r in reporter.get(f"/api/periods/2026-06/units/{unit}/sheet").json()["rows"]
               if r["code"] == "L02-1")  # fmt: skip
    put = f"/api/periods/2026-06/units/{unit}/indicators/{row['indicator_id']}"
    entry = reporter.put(put, json={"value": "360", "version": 0, "note": "按计划推进"}).json()
    assert reporter.post(f"/api/entries/{entry['id']}/submit").status_code == 200
    assert admin.post(f"/api/entries/{entry['id']}/approve").status_code == 200
    with statements() as seen:
        approved = leader.get(path)
    assert approved.status_code == 200 and len(seen) > 1  # made again by the route: figures moved


def test_copy_checks_asked_during_a_read_share_the_next_read_each_with_its_own_user(
    settings: Settings, seeded: None, factory: sessionmaker[Session]
) -> None:
    with factory() as session:
        logins = {u.username: (u.id, u.session_version) for u in session.scalars(select(UserRow))}
    with TestClient(create_app(settings)) as client:
        answers, seen = client.portal.call(_checked, client.app, list(logins.values()))  # on the app's loop
    assert len(seen) == 2, seen  # the first request's read, then one for the three asked during it
    on_the_loop = [thread == loop_thread for _, thread, loop_thread in seen]
    assert on_the_loop == [client.app.state.loop_reader is not None] * 2  # PostgreSQL: no thread
    assert [user.username for user, _ in answers] == list(logins)
    assert all(now.known for _, now in answers)


async def _checked(app: Any, logins: list[tuple[int, int]]) -> tuple[list[Any], list[Any]]:
    """The first login's check; the others' asked once its statement has been sent (on a thread on SQLite, on
    the event loop on PostgreSQL), before its answer is read; every answer and the statements sent."""
    checks, loop, seen = Checks(app.state.loop_reader), asyncio.get_running_loop(), []
    loop_thread = threading.get_ident()
    rest: list[asyncio.Future[Any]] = []

    def ask_the_rest() -> None:
        rest.extend(checks.ask(_request(app, *login)) for login in logins[1:])

    def sent(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append((statement, threading.get_ident(), loop_thread))
        if len(seen) == 1:
            loop.call_soon_threadsafe(ask_the_rest)

    event.listen(Engine, "before_cursor_execute", sent)
    try:
        first = await checks.ask(_request(app, *logins[0]))
        while not rest:
            await asyncio.sleep(0.01)
        answers = [first, *await asyncio.gather(*rest)]
    finally:
        event.remove(Engine, "before_cursor_execute", sent)
    return answers, seen


def _request(app: FastAPI, user_id: int, session_version: int) -> Request:
    session = {"user_id": user_id, "session_version": session_version, "csrf_token": "t"}
    return Request(
        {"type": "http", "method": "GET", "path": "/", "headers": [], "app": app, "session": session}
    )
