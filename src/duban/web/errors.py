"""Every answer that is not a success, in Chinese: JSON for the API and fetch calls, a page for browsers.

Nothing here touches the store, so a database that is down still gets a Chinese page (503), and an
unexpected fault a Chinese 500 rather than Starlette's English plain text. Requests whose path, query
or form fields carry control characters (NUL breaks PostgreSQL, others break the Excel and Word files
the text ends up in) are refused before any handler runs.
"""

from __future__ import annotations

import errno
import json
import logging
from collections.abc import AsyncGenerator
from typing import Any
from urllib.parse import parse_qsl, unquote

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.types import Message, Receive, Scope, Send

from duban.persistence.db import StoreDown
from duban.plaintext import control_character
from duban.progress.validation import FIELD_LABELS
from duban.web.middleware import HttpMiddleware
from duban.web.pages.common import render

log = logging.getLogger("duban.errors")
FORM = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
MAX_CHECKED_BODY = 1024 * 1024  # larger bodies are uploads, read (with their limits) by their handlers
DISK_FULL = "服务器磁盘空间已满，本次操作未保存，请稍后重试并联系系统管理员清理磁盘"
DATABASE_DOWN = "数据库暂时无法连接，请稍后重试；如持续出现请联系系统管理员"
SERVER_FAULT = "服务器内部错误，本次操作未完成，请稍后重试；如持续出现请联系系统管理员"
OTHER_LABELS = {
    "username": "用户名",
    "password": "密码",
    "reason": "原因",
    "text": "内容",
    "display_name": "姓名",
}
PLAIN_PAGE = (
    '<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>无法完成</title>'
    '<h1>无法完成</h1><p role="alert">{message}</p><p><a href="/">返回首页</a></p></html>'
)


def wants_json(request: Request) -> bool:
    """The API and fetch calls get JSON; browsers get pages."""
    accept = request.headers.get("accept", "")
    return request.url.path.startswith("/api/") or "application/json" in accept


def error_response(
    request: Request, status: int, message: str, headers: dict[str, str] | None = None
) -> Response:
    """A refusal as JSON or as the Chinese error page, without touching the store."""
    if wants_json(request):
        return JSONResponse({"detail": message}, status_code=status, headers=headers)
    try:
        page: Response = render(request, "error.html", getattr(request.state, "user", None), status_code=status,
                                message=message)  # fmt: skip
    except Exception:  # the page needs the session; a fault before it exists still gets Chinese text
        page = HTMLResponse(PLAIN_PAGE.format(message=message), status_code=status)
    page.headers.update(headers or {})
    return page


async def server_error(request: Request, exc: Exception) -> Response:
    """An unexpected fault: 507 on a full disk, 503 when the database cannot be reached, else 500; in Chinese."""
    if disk_full(exc):
        log.error("disk full on %s %s: %s", request.method, request.url.path, exc)
        response = error_response(request, 507, DISK_FULL)
    elif isinstance(exc, StoreDown):
        log.warning("database unreachable: %s", exc)
        response = error_response(request, 503, DATABASE_DOWN, {"Retry-After": "30"})
    else:
        log.exception("unexpected fault on %s %s", request.method, request.url.path, exc_info=exc)
        response = error_response(request, 500, SERVER_FAULT)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def disk_full(exc: BaseException) -> bool:
    """A write failed for want of space: the file system's ENOSPC, SQLite's or PostgreSQL's disk full."""
    cause = getattr(exc, "orig", None) or exc
    if isinstance(cause, OSError) and cause.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    return getattr(cause, "sqlstate", None) == "53100" or "database or disk is full" in str(cause)


class RefuseControlCharacters(HttpMiddleware):
    """400 naming the field when the path, query or a form field holds a control character; the body
    read for the check is handed on to the app as it came."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        fault = _url_fault(request) or await _body_fault(request)
        if fault:
            await error_response(request, 400, fault)(scope, receive, send)
            return
        await self.app(scope, _replaying(request, receive), send)


def _replaying(request: Request, receive: Receive) -> Receive:
    """`receive`, first giving back the body the check read (Starlette keeps it on the request)."""
    body: bytes | None = request.__dict__.get("_body")
    if body is None:
        return receive
    given = False

    async def replay() -> Message:
        nonlocal given
        if given:
            return await receive()
        given = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


def _url_fault(request: Request) -> str | None:
    found = control_character(unquote(request.url.path))
    if found:
        return f"网址中含有不可见的控制字符（{found}），请检查链接"
    pairs = parse_qsl(request.url.query, keep_blank_values=True)
    return _fields_fault(pairs, "网址参数")


async def _body_fault(request: Request) -> str | None:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if (
        kind not in (FORM, MULTIPART, "application/json")
        or int(request.headers.get("content-length") or 0) > MAX_CHECKED_BODY
    ):
        return None
    if kind == MULTIPART:
        return _fields_fault(await _multipart_text_fields(request), "填写的内容")
    body = (await request.body()).decode("utf-8", "replace")
    if kind == FORM:
        return _fields_fault(parse_qsl(body, keep_blank_values=True), "填写的内容")
    try:
        return _fields_fault(list(_json_strings(json.loads(body), "")), "提交的数据")
    except ValueError:
        return None  # not JSON: the handler's own validation answers


async def _multipart_text_fields(request: Request) -> list[tuple[str, str]]:
    """The text fields of a multipart form (files left aside), parsed from the body read once."""
    body = await request.body()

    async def stream() -> AsyncGenerator[bytes, None]:
        yield body

    try:
        form = await MultiPartParser(request.headers, stream(), max_files=100, max_fields=1000).parse()
    except MultiPartException:
        return []  # not a well-formed form: the handler's own parsing answers
    fields = [(name, value) for name, value in form.multi_items() if isinstance(value, str)]
    await form.close()
    return fields


def _fields_fault(pairs: list[tuple[str, str]], where: str) -> str | None:
    for name, value in pairs:
        found = control_character(name) or control_character(value)
        if found:
            return f"{where}“{_shown(name)}”中含有不可见的控制字符（{found}），请删除后重新提交"
    return None


def _shown(name: str) -> str:
    if control_character(name):
        return "（字段名）"
    return (FIELD_LABELS | OTHER_LABELS).get(name, name[:40])


def _json_strings(value: Any, path: str) -> Any:
    """(field path, text) of every string in a JSON document, keys included."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield path, str(key)
            yield from _json_strings(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _json_strings(item, f"{path}[{index}]")
