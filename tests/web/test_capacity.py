"""Pool and threads sized together, the login check gives its connection back, 503 when none is free."""

from __future__ import annotations

import asyncio
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Annotated

import anyio.to_thread
import pytest
from fastapi import Depends, FastAPI, Request
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, event, select
from sqlalchemy.engine import make_url

from conftest import BACKEND
from duban.persistence.models import PeriodRow
from duban.persistence.writers import SWITCH_INTERVAL, turns_for
from duban.policy import Action
from duban.settings import Settings
from duban.web.app import create_app
from duban.web.auth import CurrentUser, allow, require_user
from web.conftest import log_in
from web.test_api_flow import put, rows_by_code, switch, unit_id

BUSY = "系统繁忙"
WRITES_QUEUED = "等待写入的请求过多"  # not the pool's 数据库连接已满: no pool was short


@pytest.fixture
def small(settings: Settings, seeded: None) -> Settings:
    return settings.model_copy(
        update={
            "worker_threads": 2,
            "read_pool_size": 1,
            "db_pool_overflow": 1,
            "db_pool_timeout": 0.3,
            "read_queue_timeout": 0.3,
        }
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

    @app.get("/probe/gated")
    async def gated(
        request: Request, _user: Annotated[CurrentUser, Depends(allow(Action.ENTER_FIGURES))]
    ) -> dict[str, int]:
        """After a unit's user's gate, which reads the plan the route will read: what does the request hold?"""
        engine: Engine = request.app.state.sessions.kw["bind"]
        return {"checked_out": engine.pool.checkedout()}  # type: ignore[attr-defined]

    return app


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client


def test_the_login_check_gives_its_connection_back_before_the_page_runs(client):
    log_in(client, "leader")
    assert client.get("/probe").json()["checked_out"] == 0


def test_the_gates_plan_read_gives_its_connection_back_before_the_route_runs(client):
    """The route's own thread turn comes after the gate's: a connection kept between them, with as many
    requests waiting for a turn as connections, left every thread waiting for one (DUBAN_WORKER_THREADS=8 at
    80 reporters: save p95 20 s, 115 answers 503)."""
    log_in(client, "zhenxiong")
    gated = client.get("/probe/gated")
    assert gated.status_code == 200 and gated.json()["checked_out"] == 0


def test_worker_threads_and_the_write_pool_are_sized_together(client, app, small):
    log_in(client, "leader")
    engine: Engine = app.state.sessions.kw["bind"]
    assert client.get("/probe").json()["threads"] == small.worker_threads
    reader: Engine = app.state.reader_sessions.kw["bind"]
    assert reader is not engine
    pools = [(e.pool.size(), e.pool._max_overflow) for e in (engine, reader)]  # type: ignore[attr-defined]
    assert pools == [(small.worker_threads, 1), (small.read_pool_size, 1)]  # as `duban serve` fitted them


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


@contextmanager
def someone_writing(settings: Settings) -> Iterator[None]:
    """The process's turn to write on SQLite, held by someone else meanwhile."""
    turns = turns_for(make_url(settings.sqlalchemy_url()).database or "")
    assert turns.acquire(1)
    try:
        yield
    finally:
        turns.release()


@pytest.mark.skipif(BACKEND != "sqlite", reason="one writer per process: SQLite")
def test_no_turn_to_write_in_time_is_a_chinese_503_for_a_save_not_a_500(client, small):
    switch(client, "zhenxiong")
    zx = unit_id(client)
    indicator = rows_by_code(client, zx)["L02-1"]["indicator_id"]
    with someone_writing(small):
        response = put(client, zx, indicator, value="370", note="按计划推进", confirmed=True)
    assert response.status_code == 503, response.text
    assert WRITES_QUEUED in response.json()["detail"] and int(response.headers["retry-after"]) >= 1
    again = put(client, zx, indicator, value="370", note="按计划推进", confirmed=True)
    assert again.status_code == 200, again.text  # and it saves once the turn comes back


@pytest.mark.skipif(BACKEND != "sqlite", reason="one writer per process: SQLite")
def test_no_turn_to_write_at_the_requests_commit_is_a_chinese_503_not_a_500(client, app, small):
    @app.get("/probe/lock-may")
    def lock_may(request: Request) -> dict[str, str]:
        """Marks May locked, leaving the write to the request's commit after the route has answered."""
        request.state.db.scalars(select(PeriodRow).where(PeriodRow.month == 5)).one().locked = True
        return {"answer": "the route's"}

    with someone_writing(small):
        locked = client.get("/probe/lock-may", headers={"Accept": "application/json"})
    assert locked.status_code == 503, locked.text
    assert WRITES_QUEUED in locked.json()["detail"] and locked.headers["retry-after"]
    with app.state.sessions() as session:
        assert session.scalars(select(PeriodRow.locked).where(PeriodRow.month == 5)).one() is False
    assert client.get("/probe/lock-may").json() == {"answer": "the route's"}


def _yielding_app(small: Settings, read_yield: float) -> FastAPI:
    """The app with a write that takes `hold` seconds, answered on the event loop."""
    app = create_app(small.model_copy(update={"read_yield": read_yield, "read_queue_timeout": 30.0}))

    @app.post("/probe/write")
    async def write(hold: float) -> dict[str, str]:
        await asyncio.sleep(hold)
        return {"written": "yes"}

    return app


def _timed_dashboard_while_writing(client: TestClient, hold: float) -> tuple[float, float]:
    """Seconds a dashboard took while a write of `hold` s was being answered, and the write's own seconds."""
    timings: dict[str, float] = {}

    def write() -> None:
        started = time.perf_counter()
        assert client.post("/probe/write", params={"hold": hold}).status_code == 200
        timings["write"] = time.perf_counter() - started

    writer = threading.Thread(target=write)
    writer.start()
    time.sleep(0.1)  # the write is in flight
    started = time.perf_counter()
    assert client.get("/").status_code == 200
    timings["dashboard"] = time.perf_counter() - started
    writer.join()
    return timings["dashboard"], timings["write"]


def test_a_read_only_page_waits_for_the_writes_being_answered_at_most_read_yield(small):
    with TestClient(_yielding_app(small, read_yield=0.6)) as client:
        log_in(client, "leader")
        client.get("/")  # computed once: the timed ones are its copy
        alone = time.perf_counter()
        assert client.get("/").status_code == 200
        alone = time.perf_counter() - alone
        dashboard, write = _timed_dashboard_while_writing(client, hold=5.0)
    assert dashboard >= 0.6 > alone  # it gave way to the write for DUBAN_READ_YIELD, no longer
    assert dashboard < write


def test_a_read_only_page_goes_on_as_soon_as_the_writes_are_answered(small):
    with TestClient(_yielding_app(small, read_yield=20.0)) as client:
        log_in(client, "leader")
        client.get("/")
        dashboard, _ = _timed_dashboard_while_writing(client, hold=2.0)
    assert 1.5 <= dashboard < 12.0  # it waited for the write to be answered, not for the 20 s


def test_writes_and_other_pages_never_wait_for_writes(small):
    with TestClient(_yielding_app(small, read_yield=20.0)) as client:
        token = log_in(client, "admin")
        client.get("/plan")
        writer = threading.Thread(
            target=client.post, args=("/probe/write",), kwargs={"params": {"hold": 3.0}}
        )
        writer.start()
        time.sleep(0.1)
        started = time.perf_counter()
        plan = client.get("/plan")
        locked = client.post(
            "/api/periods/2026-05/lock", json={"reason": "已审核"}, headers={"X-CSRF-Token": token}
        )
        elapsed = time.perf_counter() - started
        writer.join()
    assert (plan.status_code, locked.status_code) == (200, 200)
    assert elapsed < 2.5  # neither waited the 20 s, nor for the write's 3 s


async def _switch_interval() -> float:
    return sys.getswitchinterval()


@pytest.mark.skipif(BACKEND != "sqlite", reason="the writer's turn: SQLite")
def test_a_sqlite_server_hands_the_gil_over_quickly_while_it_runs(small):
    before = sys.getswitchinterval()
    with TestClient(create_app(small)) as client:
        during = client.portal.call(_switch_interval)  # type: ignore[union-attr]
    assert during == SWITCH_INTERVAL < before
    assert sys.getswitchinterval() == before  # given back when the app stops
