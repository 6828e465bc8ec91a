"""A crawler over every route the app serves, with hostile ids and strings, as each kind of user: no 5xx.

Ids past what a row id can be (2^31 on PostgreSQL, 2^63 on SQLite) made the database refuse the
query (a 500); a NUL byte made PostgreSQL refuse the string (a 500, even for an anonymous login).
Every route must answer such input with a 4xx in Chinese, whatever the role.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import quote

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from duban.settings import Settings
from duban.web.app import create_app
from duban.web.errors import DATABASE_DOWN
from security.conftest import World
from web.conftest import log_in, page_csrf

HOSTILE_IDS = ["0", "-1", str(2**31), str(2**63), str(10**30), "abc"]
HOSTILE_STRINGS = [
    "\x00",
    "备注\x01\x1f",
    "长" * 1000,
    "' OR 1=1; DROP TABLE entries; --",
    "<script>x</script>&\"'",
]
FORM_FIELDS = ("note", "reason", "value", "numerator", "denominator", "stage", "stage_date", "text", "username",
               "password", "new_password", "name", "title", "message", "confirmed", "replace", "until", "unit",
               "month", "display_name", "email", "role", "period", "version")  # fmt: skip
SKIPPED = {("POST", "/logout")}  # would end the crawler's own session
ROLES = [None, "leader", "zhaoyang", "admin"]


def _routes(app: FastAPI) -> Iterator[tuple[str, str, list[str]]]:
    """(method, path template, query parameter names) of every route, through included routers."""
    yield from _walk(app.routes, "")


def _walk(routes: Iterable[Any], prefix: str) -> Iterator[tuple[str, str, list[str]]]:
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _walk(inner.routes, prefix + route.include_context.prefix)
            continue
        dependant = getattr(route, "dependant", None)
        queries = [p.alias for p in _all_queries(dependant)] if dependant is not None else []
        for method in sorted(getattr(route, "methods", None) or ()):
            if method != "HEAD" and (method, prefix + route.path) not in SKIPPED:
                yield method, prefix + route.path, queries


def _all_queries(dependant: Any) -> list[Any]:
    return [*dependant.query_params, *(q for d in dependant.dependencies for q in _all_queries(d))]


def _filled(path: str, value: str) -> str:
    return re.sub(r"\{[^}]+\}", lambda _: quote(value, safe=""), path)


def _crawl(client: TestClient, token: str, app: FastAPI, values: list[str]) -> list[str]:
    failures = []
    for method, path, queries in _routes(app):
        for value in values:
            url = _filled(path, value)
            params = {name: value for name in queries}
            form = {name: value for name in FORM_FIELDS} | {"csrf_token": token}
            response = client.request(method, url, params=params, data=form if method != "GET" else None,
                                      headers={"X-CSRF-Token": token}, follow_redirects=False)  # fmt: skip
            if response.status_code >= 500:
                failures.append(
                    f"{method} {path} {value[:20]!r}: {response.status_code} {response.text[:120]}"
                )
    return failures


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "anonymous")
def test_no_route_answers_hostile_ids_or_strings_with_a_server_error(role, app, world: World):
    with TestClient(app, raise_server_exceptions=False) as client:
        token = log_in(client, role) if role else page_csrf(client)
        failures = _crawl(client, token, app, HOSTILE_IDS + HOSTILE_STRINGS)
    assert not failures, "\n".join(failures)


def test_a_nul_byte_in_an_anonymous_login_is_refused_in_chinese(session_as, world: World):
    client, token = session_as(None)
    response = client.post("/login", data={"username": "admin\x00", "password": "x", "csrf_token": token})
    assert response.status_code == 400
    assert "“用户名”中含有不可见的控制字符（U+0000）" in response.text


def test_a_huge_id_on_an_html_page_is_a_chinese_refusal(session_as, world: World):
    client, _ = session_as("admin")
    response = client.get(f"/supervision/items/{2**63}")
    assert response.status_code == 422 and "请求缺少或填错了" in response.text


def test_an_upload_without_a_file_is_a_422_not_a_500(session_as, world: World):
    client, token = session_as("zhenxiong")
    response = client.post(f"/api/periods/{world.period_key}/units/{world.victim_unit}/upload",
                           data={"file": "not a file"}, headers={"X-CSRF-Token": token})  # fmt: skip
    assert response.status_code == 422


def test_a_database_that_is_down_gets_a_chinese_503_page_or_json(tmp_path):
    settings = Settings(database_url="postgresql+psycopg://postgres@127.0.0.1:9/down", data_dir=tmp_path,
                        secret_key="test-secret")  # fmt: skip
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        token = page_csrf(client)
        form = {"username": "admin", "password": "x", "csrf_token": token}
        page = client.post("/login", data=form)
        asked_json = client.post("/login", data=form, headers={"Accept": "application/json"})
    assert page.status_code == 503 and page.headers["content-type"].startswith("text/html")
    assert "数据库暂时无法连接" in page.text and page.headers["Retry-After"] == "30"
    assert asked_json.status_code == 503 and asked_json.json() == {"detail": DATABASE_DOWN}


def test_an_unexpected_fault_is_a_chinese_500_page(app, world: World):
    def broken() -> None:
        raise RuntimeError("bug")

    app.add_api_route("/broken", broken)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/broken")
    assert response.status_code == 500 and "服务器内部错误" in response.text
    assert response.headers["content-type"].startswith("text/html")
