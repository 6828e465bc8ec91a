"""The web application: server-rendered pages in Chinese over the same services as the CLI."""

from __future__ import annotations

import gc
import logging
import os
import re
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager, suppress

from fastapi import Depends, FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.base import BaseHTTPMiddleware, DispatchFunction
from starlette.middleware.gzip import GZipMiddleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from duban.persistence.db import Sessions, StoreBusy, pooled_engine, session_factory
from duban.persistence.loopreads import loop_reader
from duban.policy import Refused
from duban.reports.pdf import warm_up
from duban.services.warming import warm_dashboard
from duban.settings import Settings
from duban.storage import evidence_storage
from duban.web import auth, capacity, errors, ops, pagecache, reports, supervision, writesfirst
from duban.web.api import api_router
from duban.web.auth import LoginRequired, allow_internal, login_redirect, optional_user
from duban.web.middleware import HttpMiddleware
from duban.web.pages import PAGE_ROUTERS
from duban.web.pages.common import HERE, check_plan, render, templates

__all__ = ["READ_ONLY_PAGES", "create_app", "templates"]

log = logging.getLogger("duban.warm")
# After how many collections of the middle generation a full one is considered (Python's default: 10). Each
# walks every object not frozen: building a province's period overview (1.4 M objects kept) took 22 full
# collections, 2.8 s of its 18.6 s of CPU; at 100, 5 taking 0.65 s (bench/README, "first pages after a start").
FULL_COLLECTION_AFTER = 100
# Seconds a stopping server waits for its dashboard's warm-up to finish the month under way; then the process
# ends without it (a daemon thread that only reads). Waiting for it, a province stopped in 10.9 s, not 5.
WARM_STOP_SECONDS = 1
WARM_NICENESS = 10  # the warm-up thread's niceness (os.setpriority; requests run at the process's, 0)
# GET pages that never write, so a streaming replica can serve them.
READ_ONLY_PAGES = re.compile(
    r"/(?:map(?:/data)?|indicators(?:/[^/]+)?|counties(?:/[^/]+)?|projects(?:/[^/]+)?|reports(?:/[^/]+)?)?"
)


def settle_process(app: FastAPI) -> None:
    """Before a server process takes its first request: the bulletin's renderer warmed up, what the imports
    made kept out of the garbage collector's walks, full collections made rarer (`FULL_COLLECTION_AFTER`), and
    the app asked to warm its dashboard once it serves.

    Imports running beside the first requests held /healthz over 200 ms. What they made lives as long as the
    process: 184 k of the 192 k objects a full collection walked after a province dashboard (in process),
    which took ~100 ms, ~5 ms once frozen; a full collection followed about every approval's refresh.
    """
    warm_up().join()
    gc.collect()
    gc.freeze()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, FULL_COLLECTION_AFTER)
    app.state.warm_at_start = True


def create_app(settings: Settings) -> FastAPI:
    """A FastAPI app bound to the store that `settings` names."""
    app = FastAPI(title="duban 督办", docs_url=None, openapi_url=None, lifespan=_lifespan(settings))
    app.state.warmed = None  # the months warmed at start (`settle_process`), when done
    app.state.check_plan = check_plan  # the gate's (auth cannot import the pages: they import it)
    app.state.settings = settings
    app.state.sessions = session_factory(
        pooled_engine(
            settings.sqlalchemy_url(), size=settings.worker_threads, overflow=settings.db_pool_overflow,
            timeout=settings.db_pool_timeout,
        )
    )  # fmt: skip
    app.state.reader_sessions = session_factory(
        pooled_engine(
            settings.reader_url(), size=settings.read_pool_size, overflow=settings.db_pool_overflow,
            timeout=settings.db_pool_timeout,
        )
    )  # fmt: skip
    app.state.loop_reader = loop_reader(settings.sqlalchemy_url())  # the page copies' checks (PostgreSQL)
    app.state.read_slots = capacity.read_slots(settings)
    app.state.evidence_storage = evidence_storage(settings)
    app.add_middleware(DatabaseSession)
    app.add_middleware(Only, dispatch=_read_slots, applies=_read_only)
    app.state.writes, app.state.read_only = writesfirst.Writes(), _read_only
    app.add_middleware(writesfirst.WritesFirst, writes=app.state.writes)
    app.state.page_copies = pagecache.page_copies()
    # outside the read slots: a current copy waits for none; and outside WritesFirst: its check is read while
    # the page gives way to the writes
    app.add_middleware(pagecache.ServeCopies)
    app.add_middleware(errors.RefuseControlCharacters)
    app.add_middleware(
        SessionMiddleware, secret_key=auth.secret_key(settings), session_cookie="duban_session",
        max_age=settings.session_max_age, same_site="lax", https_only=settings.secure_cookies,
    )  # fmt: skip
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    app.add_exception_handler(LoginRequired, _to_login)
    app.add_exception_handler(StarletteHTTPException, _refusal)
    app.add_exception_handler(Refused, _policy_refusal)
    app.add_exception_handler(RequestValidationError, _bad_request)
    app.add_exception_handler(StoreBusy, capacity.no_connection)
    app.add_exception_handler(Exception, errors.server_error)
    app.mount("/static", StaticFiles(directory=HERE / "static", check_dir=False), name="static")
    # the API first: FastAPI matches a request against every route of each router included before the one that
    # answers it, and the month-end rush's saves, submits and returns are API calls (no page path starts /api)
    for router in (
        api_router,
        supervision.api,
        *PAGE_ROUTERS,
        reports.router,
        supervision.router,
        ops.router,
    ):
        app.include_router(router)
    _api_description(app)
    app.state.metrics = ops.Metrics()
    app.add_middleware(ops.Observe)
    return app


def _lifespan(settings: Settings) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """The pools' lifespan (`capacity.lifespan_for`), with the dashboard warmed meanwhile when asked."""
    pools = capacity.lifespan_for(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with pools(app):
            with _warming(app):
                try:
                    yield
                finally:
                    await pagecache.refreshed(app)

    return lifespan


@contextmanager
def _warming(app: FastAPI) -> Iterator[None]:
    """For a server settled by `settle_process`: its dashboard computed on a thread of its own while it serves
    (readiness and /healthz do not wait for it); a stopping server tells the thread and waits a moment for it."""
    if not getattr(app.state, "warm_at_start", False):
        yield
        return
    stop = threading.Event()
    thread = threading.Thread(target=_warm, args=(app, stop), name="duban-dashboard-warm-up", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=WARM_STOP_SECONDS)


def _warm(app: FastAPI, stop: threading.Event) -> None:
    """`warming.warm_dashboard` on the read pool (the pages' cache keys name its store); a failure is logged,
    and the first request computes what it needs as it would have."""
    started = time.perf_counter()
    settings: Settings = app.state.settings
    _yield_to_requests()
    try:
        months = warm_dashboard(sessions=app.state.reader_sessions, today=settings.current_date(), stop=stop)
    except Exception:
        log.exception("首页预热失败")
        return
    app.state.warmed = months
    log.info(
        "首页预热完成：%s 月，%.1f 秒", "、".join(map(str, months)) or "无", time.perf_counter() - started
    )


def _yield_to_requests() -> None:
    """This thread runs at a lower priority than the event loop and the request threads (Linux: per thread), so
    that on a busy machine the thread holding the GIL when a request wants it is rarely the warm-up."""
    with suppress(OSError):  # not permitted, or not Linux: the warm-up runs as any thread does
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), WARM_NICENESS)


class Only:
    """`dispatch` as middleware for the requests it `applies` to; the others go straight to the app.

    A `BaseHTTPMiddleware` costs ~0.15 ms of CPU per request even when it only passes the request on: on
    a server bound by CPU at the month-end rush, the saves should not pay for the pages' middleware.
    """

    def __init__(self, app: ASGIApp, dispatch: DispatchFunction, applies: Callable[[Request], bool]) -> None:
        self.app, self.applies = app, applies
        self.dispatched = BaseHTTPMiddleware(app, dispatch=dispatch)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.applies(Request(scope)):
            await self.dispatched(scope, receive, send)
        else:
            await self.app(scope, receive, send)


class DatabaseSession(HttpMiddleware):
    """One session per request: committed when the response succeeds, rolled back otherwise, before the
    client is told (see `capacity.finish`: off the event loop)."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope)
        session = _sessions_for(request)()
        request.state.db = session
        finished = busy = False

        async def finish_then_send(message: Message) -> None:
            nonlocal finished, busy
            if busy:  # the 503 went instead of this response
                return
            if message["type"] == "http.response.start" and not finished:
                finished = True
                try:
                    await capacity.finish(request, session, commit=message["status"] < 400)
                except StoreBusy as exc:  # the commit's first write found no turn to write in time
                    busy = True
                    await capacity.busy_response(request, capacity.busy_message(exc))(scope, receive, send)
                    return
            await send(message)

        try:
            await self.app(scope, receive, finish_then_send)
        except BaseException:
            if not finished:
                await capacity.finish(request, session, commit=False)
            raise
        if not finished:
            await capacity.finish(request, session, commit=False)


def _api_description(app: FastAPI) -> None:
    """/api/openapi.json and /api/docs, for the internal network and the office only."""
    internal = [Depends(allow_internal)]

    @app.get("/api/openapi.json", include_in_schema=False, dependencies=internal)
    def openapi() -> JSONResponse:
        return JSONResponse(app.openapi())

    @app.get("/api/docs", include_in_schema=False, dependencies=internal)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/api/openapi.json", title="duban 督办 API")


async def _read_slots(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    """Read-only pages wait for a connection of their pool without holding a thread."""
    return await capacity.in_turn(request, call_next, read_only=_read_only(request))


def _sessions_for(request: Request) -> Sessions:
    """Read-only pages (dashboard, map, indicators, counties, reports) read on their own pool (on the
    replica when DUBAN_READONLY_DATABASE_URL names one); the rest on the primary's write pool."""
    if _read_only(request):
        reader: Sessions = request.app.state.reader_sessions
        return reader
    primary: Sessions = request.app.state.sessions
    return primary


def _read_only(request: Request) -> bool:
    """A GET of a read-only page (dashboard, map, indicators, counties, reports)."""
    return request.method in ("GET", "HEAD") and READ_ONLY_PAGES.fullmatch(request.url.path) is not None


async def _to_login(request: Request, _exc: Exception) -> Response:
    return login_redirect(request)


async def _refusal(request: Request, exc: Exception) -> Response:
    """Errors as JSON for the API and fetch calls, as a Chinese page for browsers."""
    assert isinstance(exc, StarletteHTTPException)
    if _wants_json(request):
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
    detail = exc.detail if isinstance(exc.detail, str) else "请求无法完成"
    if exc.status_code == 404 and detail == "Not Found":
        detail = "页面不存在"
    user = optional_user(request) if hasattr(request.state, "db") else None
    return render(request, "error.html", user, status_code=exc.status_code, message=detail)


async def _policy_refusal(request: Request, exc: Exception) -> Response:
    """The policy's refusal (`duban.policy.Refused`): 403 with its Chinese message, as JSON or a page."""
    return await _refusal(request, StarletteHTTPException(status_code=403, detail=str(exc)))


async def _bad_request(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    if _wants_json(request):
        return JSONResponse({"detail": jsonable_encoder(exc.errors())}, status_code=422)
    fields = "、".join(str(e["loc"][-1]) for e in exc.errors())
    user = optional_user(request) if hasattr(request.state, "db") else None
    return render(request, "error.html", user, status_code=422, message=f"请求缺少或填错了：{fields}")


def _wants_json(request: Request) -> bool:
    return errors.wants_json(request)
