"""Pool and threads sized together, the login check gives its connection back, 503 when none is free."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Annotated

import anyio.to_thread
import pytest
from fastapi import Depends, FastAPI, Request
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, event, select

from duban.persistence.models import PeriodRow
from duban.settings import Settings
from duban.web.app import create_app
from duban.web.auth import CurrentUser, require_user
from web.conftest import log_in

BUSY = "系统繁忙"


@pytest.fixture
def small(settings: Settings, seeded: None) -> Settings:
    return settings.model_copy(
        update={"worker_threads": 2, "read_pool_size": 1, "db_pool_timeout": 0.3, "read_queue_timeout": 0.3}
    )


@pytest.fixture
def app(small: Settings) -> FastAPI:
    app = create_app(small)

    @app.get("/probe")
    async def probe(request: Request, _user: Annotated[CurrentUser, Depends(require_user)]) -> dict[str, int]:
        """Runs on the event loop after the login check: what does the request hold by now?"""
        engine: Engine = request.app.state.sessions.kw["bind"]
        threads = anyio.to_thread.current_default_thread_limiter().total_tokens
        return {"checked_out": engine.pool.checkedout(), "threads": int(threads)}  # type: ignore[attr-defined]

    return app


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client


def test_the_login_check_gives_its_connection_back_before_the_page_runs(client):
    log_in(client, "leader")
    assert client.get("/probe").json()["checked_out"] == 0


def test_worker_threads_and_the_write_pool_are_sized_together(client, app, small):
    log_in(client, "leader")
    engine: Engine = app.state.sessions.kw["bind"]
    assert client.get("/probe").json()["threads"] == small.worker_threads
    assert engine.pool.size() == small.worker_threads  # type: ignore[attr-defined]
    assert app.state.reader_sessions.kw["bind"] is not engine


def _exhaust(stack: ExitStack, engine: Engine) -> None:
    """Check out every connection the pool will give, overflow included."""
    pool = engine.pool
    for _ in range(pool.size() + pool._max_overflow):  # type: ignore[attr-defined]
        stack.enter_context(engine.connect())


def test_no_free_connection_is_a_chinese_503_with_retry_after_for_the_api(client, app):
    log_in(client, "zhenxiong")
    with ExitStack() as stack:
        _exhaust(stack, app.state.sessions.kw["bind"])
        response = client.get("/api/units")
    assert response.status_code == 503
    assert BUSY in response.json()["detail"]
    assert int(response.headers["retry-after"]) >= 1
    assert client.get("/api/units").status_code == 200  # and it recovers once connections come back


def test_no_free_connection_is_a_chinese_503_page_for_browsers(client, app):
    log_in(client, "admin")
    with ExitStack() as stack:
        _exhaust(stack, app.state.sessions.kw["bind"])
        page = client.get("/plan")
    assert page.status_code == 503
    assert "text/html" in page.headers["content-type"] and BUSY in page.text
    assert page.headers["retry-after"]


def test_read_only_pages_wait_their_turn_and_never_hold_up_writes(client, app):
    log_in(client, "admin")
    client.portal.call(app.state.read_slots.acquire)  # type: ignore[union-attr]  # a dashboard still running
    try:
        dashboard = client.get("/")
        entry_page = client.get("/plan")
    finally:
        app.state.read_slots.release()
    assert (dashboard.status_code, dashboard.headers.get("retry-after")) == (503, "1")
    assert BUSY in dashboard.text
    assert entry_page.status_code == 200
    assert client.get("/").status_code == 200


def test_the_requests_session_is_committed_and_closed_off_the_event_loop(client, app):
    """A route that leaves its commit to the app (locking a period) and a read-only page: their COMMIT and
    ROLLBACK run in a thread, never on the event loop, where a wait for SQLite's write lock stalls every client."""
    on_loop: list[str] = []

    def note(conn: Connection, *_args: object) -> None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return
        on_loop.append("statement")

    token = log_in(client, "admin")
    event.listen(Engine, "commit", note)
    event.listen(Engine, "rollback", note)
    try:
        locked = client.post(
            "/api/periods/2026-05/lock", json={"reason": "已审核"}, headers={"X-CSRF-Token": token}
        )
        dashboard = client.get("/")
        refused = client.post(
            "/api/periods/2026-13/lock", json={"reason": ""}, headers={"X-CSRF-Token": token}
        )
    finally:
        event.remove(Engine, "commit", note)
        event.remove(Engine, "rollback", note)
    assert (locked.status_code, dashboard.status_code, refused.status_code) == (200, 200, 404), locked.text
    assert on_loop == []
    with app.state.sessions() as session:
        assert session.scalars(select(PeriodRow.locked).where(PeriodRow.month == 5)).one() is True
