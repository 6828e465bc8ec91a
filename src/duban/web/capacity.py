"""How many requests run at once, and the 503 a request gets when the store has no connection for it.

Worker threads and the write pool are sized together (DUBAN_WORKER_THREADS connections for as many
threads), so a thread never waits for a connection another request holds while queued for a thread.
Read-only pages (dashboard, map, indicators, counties, reports) have a pool of their own and wait for
their turn on the event loop, holding neither a thread nor a connection: saves go first. While a write
is being answered, a read-only page first waits a moment for it (`writesfirst`). Each request's session
is committed and closed off the event loop, on threads of its own (`finish`).
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext

import anyio
import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from duban.persistence.db import Session
from duban.persistence.writers import WriterBusy, quick_hand_over
from duban.settings import Settings
from duban.web.pages.common import render

BUSY = "系统繁忙，请稍后重试（数据库连接已满）"
# SQLite: the process's writes queued longer than DUBAN_DB_POOL_TIMEOUT for their turn; no pool was short
WRITES_QUEUED = "系统繁忙，请稍后重试（等待写入的请求过多）"


def lifespan_for(settings: Settings) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """The app's lifespan: the event loop's thread pool gets DUBAN_WORKER_THREADS threads; on SQLite the
    threads hand the GIL over quickly (`writers.quick_hand_over`); on PostgreSQL reads on the event loop
    (`persistence.loopreads`) begin; at shutdown they end and the app's connection pools are closed (not left
    to the garbage collector, which may keep them open long)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.worker_threads
        sqlite = settings.sqlalchemy_url().startswith("sqlite")
        reader = getattr(app.state, "loop_reader", None)
        if reader is not None:
            reader.open()
        try:
            with quick_hand_over() if sqlite else nullcontext():
                yield
        finally:
            if reader is not None:
                await reader.close()
            for name in ("sessions", "reader_sessions"):
                factory = getattr(app.state, name, None)
                if factory is not None and factory.kw.get("bind") is not None:
                    factory.kw["bind"].dispose()

    return lifespan


def read_slots(settings: Settings) -> asyncio.Semaphore:
    """One slot per connection of the read pool."""
    return asyncio.Semaphore(settings.read_pool_size)


async def in_turn(
    request: Request, call_next: Callable[[Request], Awaitable[Response]], *, read_only: bool
) -> Response:
    """Run a read-only page when a read slot is free (503 if none frees up in time); the rest at once."""
    if not read_only:
        return await call_next(request)
    slots: asyncio.Semaphore = request.app.state.read_slots
    try:
        await asyncio.wait_for(slots.acquire(), timeout=_settings(request).read_queue_timeout)
    except TimeoutError:
        return busy_response(request)
    try:
        return await call_next(request)
    finally:
        slots.release()


async def finish(request: Request, session: Session, *, commit: bool) -> None:
    """Commit (or roll back) and close the request's session, giving its connection back to the pool.

    Never on the event loop: a commit waiting for SQLite's write lock (or a slow PostgreSQL) would stall
    every client of the server. Not in the request threads either: a request holding a connection must
    not queue for a thread behind requests waiting for a connection, so finishing has threads of its own
    (as many as the connections that can be held). A session that holds no connection (nothing read, or
    committed by the route already) is closed at once: that is no I/O.
    """
    if not session.in_transaction():
        session.close()
        return
    await anyio.to_thread.run_sync(_finish, session, commit, limiter=_finishers(request))


def _finish(session: Session, commit: bool) -> None:
    try:
        if commit:
            session.commit()
        else:
            session.rollback()
    finally:
        session.close()


def _finishers(request: Request) -> anyio.CapacityLimiter:
    """The threads that finish sessions: one per connection the app's pools can hand out."""
    state = request.app.state
    if getattr(state, "finishers", None) is None:  # made on the event loop (anyio asks for one)
        settings = _settings(request)
        state.finishers = anyio.CapacityLimiter(
            settings.worker_threads + settings.read_pool_size + 2 * settings.db_pool_overflow
        )
    limiter: anyio.CapacityLimiter = state.finishers
    return limiter


async def no_connection(request: Request, exc: Exception) -> Response:
    """No connection, or no turn to write, within DUBAN_DB_POOL_TIMEOUT: 503 in Chinese with Retry-After."""
    return busy_response(request, busy_message(exc))


def busy_message(exc: Exception) -> str:
    """What the 503 says: writes queued for their turn (SQLite), or the pool without a connection."""
    return WRITES_QUEUED if isinstance(exc, WriterBusy) else BUSY


def busy_response(request: Request, message: str = BUSY) -> Response:
    """503 系统繁忙 as JSON for the API and fetch calls, as a page for browsers; neither touches the store."""
    headers = {"Retry-After": str(math.ceil(_settings(request).db_pool_timeout))}
    accept = request.headers.get("accept", "")
    if request.url.path.startswith("/api/") or "application/json" in accept:
        return JSONResponse({"detail": message}, status_code=503, headers=headers)
    user = getattr(request.state, "user", None)
    page = render(request, "error.html", user, status_code=503, message=message)
    page.headers.update(headers)
    return page


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings
