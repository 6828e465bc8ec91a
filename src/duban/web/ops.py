"""What operators need: liveness, readiness, request ids, JSON logs and Prometheus metrics."""

from __future__ import annotations

import json
import logging
import shutil
import time
import uuid
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from starlette.datastructures import MutableHeaders
from starlette.types import Message, Receive, Scope, Send

from duban.persistence.readcache import computations
from duban.policy import Action
from duban.services.health import store_unready_reason, workload
from duban.settings import Settings
from duban.web.auth import allow_anyone, allow_internal
from duban.web.middleware import HttpMiddleware
from duban.web.pagecache import from_copy

log = logging.getLogger("duban.access")
router = APIRouter(include_in_schema=False)


class Metrics:
    """One registry per app, so that two apps in one process (tests) do not collide."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.latency = Histogram("duban_request_seconds", "Request latency by route", ["method", "route"],
                                 registry=self.registry)  # fmt: skip
        self.responses = Counter("duban_responses_total", "Responses by route and status class",
                                 ["method", "route", "status"], registry=self.registry)  # fmt: skip
        self.entries = Gauge(
            "duban_entries", "Reported figures by review state", ["state"], registry=self.registry
        )
        self.open_items = Gauge("duban_open_supervision_items", "Open 督办 items by colour", ["colour"],
                                registry=self.registry)  # fmt: skip
        self.computed = Gauge("duban_read_models_computed", "Read models (judged periods, summaries, pages) this "
                              "process computed and kept, by kind", ["kind"], registry=self.registry)  # fmt: skip
        self.supervision_events = Gauge("duban_supervision_events", "督办 steps and job actions (opened by the rules, reminders sent and so on) in the audit log", ["action"],
                                        registry=self.registry)  # fmt: skip


@router.get("/healthz", dependencies=[Depends(allow_anyone(Action.CHECK_HEALTH))])
def healthz() -> PlainTextResponse:
    """The process is up."""
    return PlainTextResponse("ok")


@router.get("/readyz", dependencies=[Depends(allow_anyone(Action.CHECK_HEALTH))])
def readyz(request: Request) -> JSONResponse:
    """The database answers, its schema is at the newest migration and the data folder has free space."""
    reason = store_unready_reason(engine=request.app.state.sessions.kw["bind"])
    ready = not reason
    if ready:
        ready, reason = _disk_ready(request.app.state.settings)
    # the months whose dashboard a started server warmed (`app.settle_process`); null until done, or not asked
    warmed = request.app.state.warmed
    return JSONResponse(
        {"ready": ready, "reason": reason, "warmed": warmed}, status_code=200 if ready else 503
    )


def _disk_ready(settings: Settings) -> tuple[bool, str]:
    """Not ready when the data folder's disk has less free space than DUBAN_MIN_FREE_DISK_BYTES."""
    folder = Path(settings.data_dir)
    free = shutil.disk_usage(folder if folder.exists() else Path.cwd()).free
    if free < settings.min_free_disk_bytes:
        return (
            False,
            f"磁盘剩余空间不足：{folder} 仅剩 {free // 1024 // 1024} MB（下限 {settings.min_free_disk_bytes // 1024 // 1024} MB）",
        )
    return True, ""


@router.get("/metrics", dependencies=[Depends(allow_internal)])
def metrics(request: Request) -> Response:
    """Prometheus metrics: this process's requests, and the store's figures read at scrape time."""
    registry: Metrics = request.app.state.metrics
    with request.app.state.sessions() as session:  # read from the store: every app server reports the same
        work = workload(session=session)
    for gauge, counts in ((registry.entries, work.entries_by_state), (registry.open_items, work.open_items_by_colour),
                          (registry.supervision_events, work.supervision_steps), (registry.computed, computations())):  # fmt: skip
        for label, count in counts.items():
            gauge.labels(label).set(count)
    return Response(generate_latest(registry.registry), media_type=CONTENT_TYPE_LATEST)


class Observe(HttpMiddleware):
    """Give each request an id, time it (to its response's start), count it, say its time in the response's
    `Server-Timing` header (with `copy` when a kept page answered it, `pagecache`) and log one JSON line
    for it."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope)
        request_id = request.headers.get("X-Request-ID") or uuid.uuid4().hex
        request.state.request_id = request_id
        started = time.perf_counter()

        async def observed(message: Message) -> None:
            if message["type"] == "http.response.start":
                _observed(request, message, time.perf_counter() - started, request_id)
            await send(message)

        await self.app(scope, receive, observed)


def _observed(request: Request, start: Message, elapsed: float, request_id: str) -> None:
    route, status = _route_template(request), int(start["status"])
    metrics_: Metrics = request.app.state.metrics
    metrics_.latency.labels(request.method, route).observe(elapsed)
    metrics_.responses.labels(request.method, route, f"{status // 100}xx").inc()
    headers = MutableHeaders(scope=start)
    headers["X-Request-ID"] = request_id
    headers["X-Content-Type-Options"] = "nosniff"  # every answer is typed as it says, never sniffed
    # the server's own time, apart from the network and the client's (a browser's devtools show it; so does
    # bench_load.py beside what its clients measured)
    copy = ', copy;desc="kept page"' if from_copy(request) else ""
    headers["Server-Timing"] = f"app;dur={elapsed * 1000:.1f}{copy}"
    if log.isEnabledFor(logging.INFO):
        log.info(json.dumps(_log_line(request, status, route, elapsed, request_id), ensure_ascii=False))


def _route_template(request: Request) -> str:
    route = request.scope.get("route")
    return str(getattr(route, "path", "unmatched"))


def _log_line(request: Request, status: int, route: str, elapsed: float, request_id: str) -> dict[str, Any]:
    return {
        "ts": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "request_id": request_id, "method": request.method,
        "route": route, "path": request.url.path, "status": status,
        "ms": round(elapsed * 1000, 1), "user": request.session.get("user_id") if "session" in request.scope else None,
    }  # fmt: skip


class JsonFormatter(logging.Formatter):
    """Log records as one JSON object per line (access lines are JSON already)."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if message.startswith("{"):
            return message
        return json.dumps({"ts": self.formatTime(record), "level": record.levelname, "logger": record.name,
                           "message": message}, ensure_ascii=False)  # fmt: skip


def configure_logging(level: str = "INFO") -> None:
    """Send duban's logs to stderr as JSON lines."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger("duban")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
