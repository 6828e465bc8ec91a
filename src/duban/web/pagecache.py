"""A page served again, without a worker thread or a read slot, while nothing it shows has changed.

Twenty leaders refreshing the dashboard during the month-end rush would each queue for a worker thread
behind the saves, only to be handed a page computed for the current generation already. A route that
opts in (`keep_copy`) has its response kept per login session (its CSRF token), path and query, and as the
newest of its page for every user of the same view (`view_of`: role, unit, city), who are shown it with their
own name and CSRF token (`PageCopy.for_login`). A request is answered from a copy once a check (one
statement, shared by the requests waiting for one: the signed-in users and the generation counters, read on
the primary; `Checks`) says the route would answer it:

- the same user (session version, role, unit) and the same day;
- the same `figures` generation: an approval shows at once, never late;
- the same `states` generation; or the copy of the same `figures` generation while another request of that
  page is being answered (the route's own lag, `readcache.remembered(lag_states=True)`), or during a rush
  (`states` moved `RUSH` times since the copy) for DUBAN_STATES_LAG seconds after it was made: submits and
  returns then show in 报送情况 and the 待审核 counts that much later at most; one alone shows at once. At the
  month-end rush `states` moves ~100 times a second; without the lag 6 % of the leaders' dashboards (80
  reporters and 20 leaders on PostgreSQL) were made afresh by the route, at p50 ~600–750 ms against ~200 for a
  copy: above the dashboards' p95. A copy lagging by half DUBAN_STATES_LAG or more is answered while the
  route makes the page anew behind it (`ServeCopies`), so the request that used the lag up does not wait.

The check is read while the page gives way to the writes being answered (`writesfirst.give_way`), not after:
at the rush each turn of the event loop waits ~20 ms for the GIL behind the saves' threads, and the check
takes three or four.

A route keeps no copy of a page made of a lagging value (`readcache.lagged`) or of a user's own work (a
reporter's to-do); what it keeps must differ between users of one view only in the header's line naming the
user (`who_line`) and the CSRF token.
"""

from __future__ import annotations

import asyncio
import dataclasses
import gzip
import logging
import time
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

import anyio
import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.responses import Response
from markupsafe import Markup
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from duban.persistence.generation import Generation
from duban.persistence.loopreads import LoopReader
from duban.web.auth import CSRF_FIELD, CurrentUser, signed_in_all, signed_in_on_loop
from duban.web.middleware import HttpMiddleware
from duban.web.writesfirst import give_way

CAPACITY = 256  # copies per server process: one per leader's login and page, a few hundred kB each at most
RUSH = 10  # moves of `states` since a copy from which it may lag: a submit or a return alone shows at once
VIEWS = 64  # pages kept as the newest of their view, and views per page (a province's units each have one)
_STATE = "page_generation"  # request.state: the generation a route's page was made of, if it may be kept
_FROM_COPY = "from_copy"  # request.state: a kept page answered the request
SHUTDOWN_WAIT = 10.0  # seconds at most a server stopping waits for the pages being made behind their copies
log = logging.getLogger(__name__)
clock = time.monotonic  # a copy's age (tests turn it forward)


View = tuple[str, int | None, str | None, str | None, str | None]  # role, unit (id, name, path), city path


def view_of(user: CurrentUser) -> View:
    """What a kept page shows of its user besides their name: their menus, scope and plans follow from these."""
    return user.role.value, user.unit_id, user.unit_name, user.unit_path, user.region_path


def who_line(user: CurrentUser) -> Markup:
    """The header's line naming the signed-in user (base.html), swapped when a copy is given to another user."""
    unit = f"({user.unit_name})" if user.unit_name and user.unit_name != user.display_name else ""
    return Markup("<span>{} · {}{}</span>").format(user.display_name, user.role.label, unit)


@dataclass(frozen=True)
class PageCopy:
    """A page as the route answered it for one login session, what it was made of, and when."""

    user: CurrentUser
    token: str  # the login session's CSRF token, which the page holds
    today: date
    generation: Generation
    made: float  # clock() when the route made the page
    status: int
    headers: tuple[tuple[bytes, bytes], ...]
    body: bytes
    zipped: bytes

    def serves(
        self, user: CurrentUser | None, today: date, now: Generation, *, refreshing: bool, lag: float
    ) -> bool:
        """Whether the route would answer this copy now (states may lag while the page is being made, or, once
        they moved `RUSH` times since, for `lag` seconds after this copy was made)."""
        if user != self.user or today != self.today or now.figures != self.generation.figures:
            return False
        rushing = now.states - self.generation.states >= RUSH
        return now == self.generation or refreshing or (rushing and clock() - self.made < lag)

    def due(self, now: Generation, *, lag: float) -> bool:
        """Whether this copy, answered now, should be made anew behind it: it lags `now` by half `lag` or more."""
        return now != self.generation and clock() - self.made >= lag / 2

    def for_login(self, user: CurrentUser, token: str) -> PageCopy | None:
        """This copy as the route would have made it for `user`, of the same view, signed in with `token`: the
        maker's name and CSRF token swapped for theirs (None if the page names its maker more than once)."""
        if (user, token) == (self.user, self.token):
            return self
        maker, taker = who_line(self.user).encode(), who_line(user).encode()
        if self.body.count(maker) > 1:
            return None
        body = self.body.replace(maker, taker).replace(self.token.encode(), token.encode())
        return dataclasses.replace(self, user=user, token=token, body=body, zipped=gzip.compress(body, 6))

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
    """One server process's copies (per login session, and the newest per view), and per page how many
    requests the route is answering now."""

    copies: OrderedDict[Key, PageCopy]
    newest: OrderedDict[Page, dict[View, PageCopy]]
    refreshing: dict[Page, int]
    behind: set[asyncio.Task[None]]  # pages being made behind the copies answered meanwhile

    @contextmanager
    def making(self, page: Page) -> Iterator[None]:
        """Count a request of the page the route is answering: meanwhile its copy may lag (`PageCopy.serves`)."""
        self.begin(page)
        try:
            yield
        finally:
            self.end(page)

    def begin(self, page: Page) -> None:
        """The route began to make the page (`making`)."""
        self.refreshing[page] = self.refreshing.get(page, 0) + 1

    def end(self, page: Page) -> None:
        """The route has made the page, or failed to."""
        self.refreshing[page] -= 1
        if not self.refreshing[page]:
            del self.refreshing[page]

    def any_for(self, token: str, page: Page) -> bool:
        """Whether a copy might answer this login session's request for the page (its user is not read yet)."""
        return (token, *page) in self.copies or page in self.newest

    def best(self, token: str, page: Page, user: CurrentUser) -> PageCopy | None:
        """The login session's copy of the page, or the newest of its user's view when that is newer (kept as
        the session's own from then on)."""
        own = self.copies.get((token, *page))
        newest = self.newest.get(page, {}).get(view_of(user))
        if newest is not None and (own is None or newest.generation > own.generation):
            own = newest.for_login(user, token) or own
            if own is not None:
                self._keep_own(token, page, own)
        return own

    def keep(self, page: Page, copy: PageCopy) -> None:
        """Keep a page the route made: the login session's own, and its view's newest unless one is newer."""
        self._keep_own(copy.token, page, copy)
        views, view = self.newest.setdefault(page, {}), view_of(copy.user)
        self.newest.move_to_end(page)
        if view not in views or views[view].generation <= copy.generation:
            views.pop(view, None)  # put last: the views of a page are dropped oldest first
            views[view] = copy
        while len(views) > VIEWS:
            del views[next(iter(views))]
        while len(self.newest) > VIEWS:
            self.newest.popitem(last=False)

    def _keep_own(self, token: str, page: Page, copy: PageCopy) -> None:
        self.copies[(token, *page)] = copy
        self.copies.move_to_end((token, *page))
        while len(self.copies) > CAPACITY:
            self.copies.popitem(last=False)


def page_copies() -> PageCopies:
    """An app's copies (app.state.page_copies)."""
    return PageCopies(copies=OrderedDict(), newest=OrderedDict(), refreshing={}, behind=set())


def keep_copy(request: Request, *, made_at: Generation) -> None:
    """Let the middleware keep this request's page, made of what the store held at `made_at`."""
    setattr(request.state, _STATE, made_at)


class Checks:
    """The copies' checks of one server process, read together: the requests that arrived while a check was
    being read share the next read (one thread turn and one statement), which begins after each of them
    arrived, so each sees what the store held when it was asked, never earlier.

    One thread turn per request had each check wait for the GIL at every hand-over (thread, connection,
    statement) behind the saves' threads: ~70 ms at the month-end rush on PostgreSQL. There the read is made on
    the event loop (`persistence.loopreads`); on SQLite on a thread of the checks' own.
    """

    def __init__(self, reader: LoopReader | None = None) -> None:
        self.reader = reader
        self.waiting: list[tuple[Request, asyncio.Future[tuple[CurrentUser | None, Generation]]]] = []
        self.reading: asyncio.Task[None] | None = None
        self.thread = anyio.CapacityLimiter(1)  # apart from the worker threads the saves queue for

    def ask(self, request: Request) -> asyncio.Future[tuple[CurrentUser | None, Generation]]:
        """The request's user (kept on the request for the route) and the counters, to be read after now."""
        answer = asyncio.get_running_loop().create_future()
        self.waiting.append((request, answer))
        if self.reading is None:
            self.reading = asyncio.create_task(self._read())
        return answer

    async def _read(self) -> None:
        try:
            while self.waiting:
                batch, self.waiting = self.waiting, []
                try:
                    answers = await self._signed_in([r for r, _ in batch])
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

    async def _signed_in(self, requests: list[Request]) -> list[tuple[CurrentUser | None, Generation]]:
        """On PostgreSQL read on the event loop; on SQLite on a thread of the checks' own."""
        if self.reader is not None and self.reader.serves_this_loop():
            return await signed_in_on_loop(requests, self.reader)
        return await anyio.to_thread.run_sync(signed_in_all, requests, limiter=self.thread)


def from_copy(request: Request) -> bool:
    """Whether a kept page answered the request (its `Server-Timing` says so, `ops.Observe`)."""
    return bool(getattr(request.state, _FROM_COPY, False))


def may_serve(request: Request) -> bool:
    """Whether a copy may answer the request: a GET of a signed-in login session."""
    session = request.scope.get("session") or {}
    return request.method == "GET" and bool(session.get(CSRF_FIELD)) and "user_id" in session


class ServeCopies(HttpMiddleware):
    """Answer a GET from a copy when the route would answer it; otherwise by the route, keeping a copy.

    A copy lagging `states` by half DUBAN_STATES_LAG or more is answered while the route makes the page anew
    behind it (`_refresh_behind`): during a rush the leaders seldom wait for the route. Before, the request that
    found the lag used up waited for it: 1.5–2.5 % of the dashboards at 80 reporters and 20 leaders on
    PostgreSQL, at p50 1.1–1.3 s.
    """

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope)
        if not may_serve(request):
            await self.app(scope, receive, send)
            return
        token, page = request.session[CSRF_FIELD], (request.url.path, request.url.query)
        pages = _copies(request)
        copy = await self._current(request, token, page) if pages.any_for(token, page) else None
        if copy is None:
            with pages.making(page):
                copy = await _route(self.app, scope, receive, send, token)
            if copy is None:
                return  # the route answered: a page not to be kept
            pages.keep(page, copy)
        else:
            setattr(request.state, _FROM_COPY, True)
        await copy.response(request)(scope, receive, send)

    async def _current(self, request: Request, token: str, page: Page) -> PageCopy | None:
        """The copy the route would answer now, if any (checked while the page gives way to the writes)."""
        asked = _checks(request).ask(request)
        await give_way(request)
        user, now = await asked
        pages, lag = _copies(request), _lag(request)
        copy = pages.best(token, page, user) if user is not None else None
        refreshing = pages.refreshing.get(page, 0) > 0
        if copy is None or not copy.serves(user, _today(request), now, refreshing=refreshing, lag=lag):
            return None
        if not refreshing and copy.due(now, lag=lag):
            self._refresh_behind(request.scope, token, page)
        return copy

    def _refresh_behind(self, scope: Scope, token: str, page: Page) -> None:
        """Have the route make the page anew for this request's login, answered from its copy meanwhile."""
        user = scope.get("state", {}).get("user")  # read by the check just now
        clone = {**scope, "state": {"user": user}, "session": dict(scope["session"])}
        pages = _copies(Request(scope))
        pages.begin(page)  # at once: the requests after this one start no other
        task = asyncio.create_task(self._refresh(clone, token, page))
        pages.behind.add(task)

        def done(task: asyncio.Task[None]) -> None:  # even if cancelled before it began (a server stopping)
            pages.behind.discard(task)
            pages.end(page)

        task.add_done_callback(done)

    async def _refresh(self, scope: Scope, token: str, page: Page) -> None:
        pages = _copies(Request(scope))
        try:
            copy = await _route(self.app, scope, _nothing_sent, _unheard, token)
        except Exception:  # nobody waits for it: logged, and the next request past the lag asks the route
            log.exception("making %s anew behind its copy failed", page[0])
            return
        if copy is not None:
            pages.keep(page, copy)


async def _route(app: ASGIApp, scope: Scope, receive: Receive, send: Send, token: str) -> PageCopy | None:
    """The route's page, if the route let it be kept (`keep_copy`); any other answer is passed on as it comes."""
    request, kept = Request(scope), None
    start: Message | None = None
    chunks: list[bytes] = []

    async def keeping(message: Message) -> None:
        nonlocal start, kept
        if message["type"] == "http.response.start" and _keepable(request, message["status"]):
            start = message
        elif message["type"] == "http.response.body" and start is not None:
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                kept = _copy(request, token, start, b"".join(chunks))
        else:
            await send(message)

    await app(scope, receive, keeping)
    return kept


def _keepable(request: Request, status: int) -> bool:
    """Whether the route let its page be kept, made for a signed-in user, and it is the page itself."""
    made_at = getattr(request.state, _STATE, None)
    return made_at is not None and getattr(request.state, "user", None) is not None and status == 200


def _copy(request: Request, token: str, start: Message, body: bytes) -> PageCopy:
    headers = tuple((bytes(k), bytes(v)) for k, v in start.get("headers", []))
    return PageCopy(user=request.state.user, token=token, today=_today(request), generation=getattr(request.state, _STATE),
                    made=clock(), status=200, headers=headers, body=body, zipped=gzip.compress(body, 6))  # fmt: skip


async def _nothing_sent() -> Message:
    """A GET's request body (none), for the page made behind its copy."""
    return {"type": "http.request", "body": b"", "more_body": False}


async def _unheard(message: Message) -> None:
    """Where the page made behind its copy would be sent: nobody waits for it but the copies."""


async def refreshed(app: FastAPI) -> None:
    """Wait for the pages being made behind their copies (at shutdown, before the pools close)."""
    behind: set[asyncio.Task[None]] = app.state.page_copies.behind
    if behind:
        await asyncio.wait(set(behind), timeout=SHUTDOWN_WAIT)


def _lag(request: Request) -> float:
    lag: float = request.app.state.settings.states_lag
    return lag


def _today(request: Request) -> date:
    today: date = request.app.state.settings.current_date()
    return today


def _checks(request: Request) -> Checks:
    state = request.app.state
    if getattr(state, "page_checks", None) is None:  # made on the event loop (anyio asks for one)
        state.page_checks = Checks(state.loop_reader)
    checks: Checks = state.page_checks
    return checks


def _copies(request: Request) -> PageCopies:
    copies: PageCopies = request.app.state.page_copies
    return copies
