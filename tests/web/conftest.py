"""A web app on the test store, with a client and helpers to log in as each kind of user."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from builders import make_plan
from duban.choices import Role
from duban.settings import Settings
from duban.store.plans import save_plan
from duban.store.users import add_user
from duban.web.app import create_app

PASSWORD = "correct horse battery"


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=db_url, data_dir=tmp_path / "data", secret_key="test-secret")


@pytest.fixture
def seeded(factory: sessionmaker[Session]) -> None:
    """A small plan and one account of each kind: admin, leader, 镇雄县 and 昭阳区 reporters."""
    with factory() as session, session.begin():
        save_plan(session=session, plan=make_plan())
        add_user(session=session, username="admin", password=PASSWORD, role=Role.ADMIN)
        add_user(session=session, username="leader", password=PASSWORD, role=Role.LEADER)
        add_user(session=session, username="zhenxiong", password=PASSWORD, role=Role.REPORTER, unit="镇雄县")
        add_user(session=session, username="zhaoyang", password=PASSWORD, role=Role.REPORTER, unit="昭阳区")


@pytest.fixture
def client(settings: Settings, seeded: None) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as client:
        yield client


def page_csrf(client: TestClient, path: str = "/login") -> str:
    """The CSRF token a page carries in its meta tag."""
    match = re.search(r'name="csrf-token" content="([^"]+)"', client.get(path).text)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def log_in(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Log in through the form; return the session's CSRF token."""
    token = page_csrf(client)
    response = client.post("/login", data={"username": username, "password": password, "csrf_token": token},
                           follow_redirects=False)  # fmt: skip
    assert response.status_code == 303, response.text
    return page_csrf(client, "/plan")
