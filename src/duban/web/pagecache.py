"""A page served again, without a worker thread or a read slot, while nothing it shows has changed.

Twenty leaders refreshing the dashboard during the month-end rush would each queue for a worker thread
behind the saves, only to be handed a page computed for the current generation already. A route that
opts in (`keep_copy`) has its response kept per login session (its CSRF token), path and query; the next
request of the same session is answered from the copy once a check (one statement, shared by the requests
waiting for one: the signed-in users and the generation counters, read on the primary; `Checks`) says it is
still what the route would answer:

- the same user (session version, role, unit) and the same day;
- the same `figures` generation: an approval shows at once, never late;
- the same `states` generation, or, while another request of that page is being answered (the route's
  own lag, `readcache.remembered(lag_states=True)`), the copy of the same `figures` generation.

The copy holds the session's CSRF token, so it is never given to another login. A route keeps no copy of
a page made of a lagging value (`readcache.lagged`) or of a user's own work (a reporter's to-do).
"""

from __future__ import annotations

import asyncio
import gzip
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date

import anyio
import anyio.to_thread
from fastapi import Request
from fastapi.responses import Response

from duban.persistence.generation import Generation
from duban.web.auth import CSRF_FIELD, CurrentUser, signed_in_all

CAPACITY = 256  # copies per server process: one per leader's login and page, a few hundred kB each at most
_STATE = "page_generation"  # request.state: the generation a route's page was made of, if it may be kept


@dataclass(frozen=True)
class PageCopy:
    """A page as the route answered it, and what it was made of."""

    user: CurrentUser
    today: date
    generation: Generation
    status: int
    headers: tuple[tuple[bytes, bytes], ...]
    body: bytes
    zipped: bytes

    def serves(self, user: CurrentUser | None, today: date, now: Generation, *, refreshing: bool) -> bool:
        """Whether the route would answer this copy now (states may lag only while the page is being made)."""
        if user != self.user or today != self.today or now.figures != self.generation.figures:
            return False
        return now == self.generation or refreshing

    def response(self, request: Request) -> Response:
        """The copy, gzipped when the client takes it (compressed once, not per request)."""
        response = Response(status_code=self.status)
        response.raw_headers = [h for h in self.headers if h[0] != b"content-length"]
        zipped = "gzip" in request.headers.get("accept-encoding", "")
        response.body = self.zipped if zipped else self.body
        response.raw_headers.append((b"content-length", str(len(response.body)).encode()))
        if zipped:
            response.raw_headers += [(b"content-encoding", b"gzip"), (b"vary", b"Accept-Encoding")]
        return response


Page = tuple[str, str]  # path, query
Key = tuple[str, str, str]  # CSRF token (one login session), path, query


@dataclass
class PageCopies:
    """One server process's copies, and per page how many requests the route is answering now."""

    copies: OrderedDict[Key, PageCopy]
    refreshing: dict[Page, int]

    def keep(self, key: Key, copy: PageCopy) -> None:
        self.copies[key] = copy
        self.copies.move_to_end(key)
        while len(self.copies) > CAPACITY:
            self.copies.popitem(last=False)


def page_copies() -> PageCopies:
    """An app's copies (app.state.page_copies)."""
    return PageCopies(copies=OrderedDict(), refreshing={})


def keep_copy(request: Request, *, made_at: Generation) -> None:
    """Let the middleware keep this request's page, made of what the store held at `made_at`."""
    setattr(request.state, _STATE, made_at)


class Checks:
    """The copies' checks of one server process, read together: the requests that arrived while a check was
    being read share the next read (one thread turn and one statement), which begins after each of them
    arrived, so each sees what the store held when it was asked, never earlier.

    One thread turn per request had each check wait for the GIL at every hand-over (thread, connection,
    statement) behind the saves' threads: ~70 ms at the month-end rush on PostgreSQL.
    """

    def __init__(self) -> None:
        self.waiting: list[tuple[Request, asyncio.Future[tuple[CurrentUser | None, Generation]]]] = []
        self.reading: asyncio.Task[None] | None = None
        self.thread = anyio.CapacityLimiter(1)  # apart from the worker threads the saves queue for

    async def now(self, request: Request) -> tuple[CurrentUser | None, Generation]:
        """The request's user (kept on the request for the route) and the counters, read after it was asked."""
        answer = asyncio.get_running_loop().create_future()
        self.waiting.append((request, answer))
        if self.reading is None:
            self.reading = asyncio.create_task(self._read())
        return await answer

    async def _read(self) -> None:
        try:
            while self.waiting:
                batch, self.waiting = self.waiting, []
                try:
                    answers = await anyio.to_thread.run_sync(
                        signed_in_all, [r for r, _ in batch], limiter=self.thread
                    )
                except Exception as exc:  # every request of the batch is told (and answered 503 or 500)
                    for _, answer in batch:
                        if not answer.done():  # not a request given up meanwhile (its client went away)
                            answer.set_exception(exc)
                else:
                    for (_, answer), found in zip(batch, answers, strict=True):
                        if not answer.done():
                            answer.set_result(found)
        finally:
            self.reading = None


def may_serve(request: Request) -> bool:
    """Whether a copy may answer the request: a GET of a signed-in login session."""
    session = request.scope.get("session") or {}
    return request.method == "GET" and bool(session.get(CSRF_FIELD)) and "user_id" in session


async def serve_copies(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    """Answer a GET from its copy when that is still current; otherwise by the route, keeping a copy."""
    if not may_serve(request):
        return await call_next(request)
    token = request.session[CSRF_FIELD]
    page, pages = (request.url.path, request.url.query), _copies(request)
    copy = pages.copies.get((token, *page))
    if copy is not None:
        user, now = await _checks(request).now(request)
        if copy.serves(user, _today(request), now, refreshing=pages.refreshing.get(page, 0) > 0):
            pages.copies.move_to_end((token, *page))
            return copy.response(request)
    pages.refreshing[page] = pages.refreshing.get(page, 0) + 1
    try:
        response = await call_next(request)
    finally:
        pages.refreshing[page] -= 1
        if not pages.refreshing[page]:
            del pages.refreshing[page]
    return await _kept(request, response, (token, *page))


async def _kept(request: Request, response: Response, key: Key) -> Response:
    """The route's response, its copy kept if the route allowed it."""
    made_at: Generation | None = getattr(request.state, _STATE, None)
    user = getattr(request.state, "user", None)
    if made_at is None or user is None or response.status_code != 200:
        return response
    body = b"".join([chunk async for chunk in response.body_iterator])  # type: ignore[attr-defined]
    copy = PageCopy(user=user, today=_today(request), generation=made_at, status=200,
                    headers=tuple(response.raw_headers), body=body, zipped=gzip.compress(body, 6))  # fmt: skip
    _copies(request).keep(key, copy)
    return copy.response(request)


def _today(request: Request) -> date:
    today: date = request.app.state.settings.current_date()
    return today


def _checks(request: Request) -> Checks:
    state = request.app.state
    if getattr(state, "page_checks", None) is None:  # made on the event loop (anyio asks for one)
        state.page_checks = Checks()
    checks: Checks = state.page_checks
    return checks


def _copies(request: Request) -> PageCopies:
    copies: PageCopies = request.app.state.page_copies
    return copies
