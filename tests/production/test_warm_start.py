"""A server started as `duban serve` warms its dashboard on a thread of its own: on a small province the first
dashboard and map data are answered from what it computed, and they are what a server without it answers."""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from duban.choices import Role
from duban.services.users import add_user
from duban.settings import Settings
from duban.web.app import create_app
from production.servers import duban_env, duban_server

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from bench_province import SMALL, load_province

TODAY = "2026-11-28"  # November open: October and September judged with history
PASSWORD = "warm start password"
TOKEN = re.compile(r'(csrf-token" content|csrf_token" value)="[^"]+"')  # the session's form tokens


@pytest.fixture
def province(factory: sessionmaker[Session]) -> None:
    with factory() as session:
        load_province(session=session, size=SMALL)
    with factory() as session, session.begin():
        add_user(session=session, username="office", password=PASSWORD, role=Role.ADMIN)


def log_in(client: httpx.Client | TestClient) -> None:
    token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/login").text)
    assert token
    answer = client.post("/login", data={"username": "office", "password": PASSWORD, "csrf_token": token[1]})
    assert answer.status_code in (200, 303), answer.text[:300]


def summaries_computed(base: str) -> float:
    metrics = httpx.get(f"{base}/metrics", timeout=60).text
    found = re.search(r'^duban_read_models_computed\{kind="summary"\} (\S+)$', metrics, re.MULTILINE)
    return float(found[1]) if found else 0.0


def warmed(base: str, seconds: float = 120) -> list[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        months = httpx.get(f"{base}/readyz", timeout=60).json()["warmed"]
        if months is not None:
            return list(months)
        time.sleep(0.2)
    raise AssertionError("the dashboard was not warmed")


@pytest.mark.slow
def test_the_first_dashboard_comes_from_the_warm_up_and_is_the_same(
    db_url: str, province: None, tmp_path: Path
) -> None:
    env = duban_env(DUBAN_DATABASE_URL=db_url, DUBAN_SECRET_KEY="warm", DUBAN_TODAY=TODAY,
                    DUBAN_DATA_DIR=str(tmp_path))  # fmt: skip
    with duban_server(tmp_path, env) as base, httpx.Client(base_url=base, timeout=120) as client:
        assert warmed(base) == [11, 10]  # the 当前报送期 and the month before, for 较上月
        before = summaries_computed(base)
        log_in(client)
        page, map_data = client.get("/"), client.get("/map/data")
        assert summaries_computed(base) == before == 2  # both answered from the warmed summaries
    app = create_app(
        Settings(data_dir=tmp_path / "cold", database_url=db_url, secret_key="warm", today=TODAY)
    )
    with TestClient(app) as cold:  # not settled: computes on its first request
        assert app.state.warmed is None
        log_in(cold)
        assert TOKEN.sub("", cold.get("/").text) == TOKEN.sub("", page.text)
        assert cold.get("/map/data").json() == map_data.json()
