"""Writes first: while a save is being answered, a read-only page waits a moment for it, holding nothing."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from duban.web.middleware import HttpMiddleware


class Writes:
    """The writes (any request but GET, HEAD, OPTIONS) being answered in one server process, and the read-only
    pages waiting for them to be answered (`WritesFirst`)."""

    def __init__(self) -> None:
        self.count = 0
        self.waiting: set[asyncio.Future[None]] = set()

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Count a write while it is being answered; the pages waiting go on once none is."""
        self.count += 1
        try:
            yield
        finally:
            self.count -= 1
            if not self.count:
                for waiter in self.waiting:
                    _done(waiter)

    async def answered(self, wait: float) -> None:
        """Wait until no write is being answered, or `wait` seconds have passed.

        One timer and one future: `asyncio.wait_for` took three or four turns of the event loop to time out and
        cancel, each a wait for the GIL behind the saves' threads (a 0.05 s wait took 0.12 s at p50 at the
        PostgreSQL month-end rush)."""
        if not self.count or not wait:
            return
        loop = asyncio.get_running_loop()
        waiter = loop.create_future()
        timer = loop.call_later(wait, _done, waiter)
        self.waiting.add(waiter)
        try:
            await waiter
        finally:
            timer.cancel()
            self.waiting.discard(waiter)


def _done(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


class WritesFirst(HttpMiddleware):
    """While a write is being answered in this process, a read-only page waits until none is, at most
    DUBAN_READ_YIELD seconds, holding neither a thread nor a connection (`give_way`); once only.

    A leader's page answered from its copy costs a few ms; twenty leaders refreshing as fast as they are
    answered asked ~600 pages a second at the month-end rush and took the CPU the saves queued for (a closed
    loop asks as fast as it is answered). Made to wait while saves run, they ask a few per second each.
    Alternated in one sitting at 80 reporters and 20 leaders: 12–32 % more saves and save p95 −21–25 % on
    SQLite, 5–9 % more saves on PostgreSQL; a dashboard pays about the wait (bench/README, "Writes first").
    With the copies' checks on the event loop, 0.05 s kept the PostgreSQL dashboards' p95 near 300 ms where
    0.1 s put it at ~345, for about as many saves (bench/README, "Leaders' dashboards at the PostgreSQL
    month-end rush: shared copies").
    """

    def __init__(self, app: ASGIApp, *, writes: Writes) -> None:
        super().__init__(app)
        self.writes = writes

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] not in ("GET", "HEAD", "OPTIONS"):
            with self.writes.writing():
                await self.app(scope, receive, send)
            return
        request = Request(scope)
        if not getattr(request.state, _GAVE_WAY, False):
            await give_way(request)
        await self.app(scope, receive, send)


_GAVE_WAY = "gave_way"  # request.state: the page waited for the writes already


async def give_way(request: Request) -> None:
    """A read-only page's wait for the writes being answered, at most DUBAN_READ_YIELD seconds; taken once,
    by `WritesFirst` or earlier (the page copies, while their check is read)."""
    state = request.app.state
    if state.writes.count and state.read_only(request):
        await state.writes.answered(state.settings.read_yield)
    setattr(request.state, _GAVE_WAY, True)
