"""A leader's dashboard is answered from its copy, without the route, while nothing it shows has changed.

The copy is checked on every request (the signed-in user, the generation counters): a submit, an
approval or a logout elsewhere shows at once (tests/web/test_dashboard_states.py holds the workflow).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session, sessionmaker

from duban.persistence.models import UserRow
from duban.settings import Settings
from duban.web.app import create_app
from duban.web.pagecache import Checks
from web.conftest import log_in, signed_in_clients


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
        seen, first_read_held = [], threading.Event()

        def hold_the_first_read(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            seen.append(statement)
            if len(seen) == 1:
                first_read_held.wait(5)

        event.listen(Engine, "before_cursor_execute", hold_the_first_read)
        try:
            answers = asyncio.run(_checked(client.app, list(logins.values()), first_read_held))
        finally:
            event.remove(Engine, "before_cursor_execute", hold_the_first_read)
    assert len(seen) == 2, seen  # the first request's read, then one for the three that came meanwhile
    assert [user.username for user, _ in answers] == list(logins)
    assert all(now.known for _, now in answers)


async def _checked(app: Any, logins: list[tuple[int, int]], first_read_held: threading.Event) -> list[Any]:
    """The first login's check, then the others' while its read is held; the read let go once they wait."""
    checks = Checks()
    first = asyncio.create_task(checks.now(_request(app, *logins[0])))
    await asyncio.sleep(0.2)
    rest = [asyncio.create_task(checks.now(_request(app, *login))) for login in logins[1:]]
    await asyncio.sleep(0.05)
    first_read_held.set()
    return list(await asyncio.gather(first, *rest))


def _request(app: FastAPI, user_id: int, session_version: int) -> Request:
    session = {"user_id": user_id, "session_version": session_version, "csrf_token": "t"}
    return Request(
        {"type": "http", "method": "GET", "path": "/", "headers": [], "app": app, "session": session}
    )
