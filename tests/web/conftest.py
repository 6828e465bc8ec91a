"""A web app on the test store, with a client and helpers to log in as each kind of user."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from builders import make_indicator, make_plan
from duban.choices import Role
from duban.cli import default_plan_path
from duban.persistence.models import IndicatorRow, OrgUnitRow
from duban.plan.model import Area, Indicator, Plan, Task
from duban.plan.planfile import read_plan_file
from duban.services.periods import ensure_periods
from duban.services.plan_loading import save_plan
from duban.services.users import add_user
from duban.settings import Settings
from duban.web.app import create_app

PASSWORD = "correct horse battery"
TODAY = "2026-06-10"  # June's figures are due by the 25th, so June is open


def web_plan() -> Plan:
    """Two targets: rural roads broken down to two counties, and a city-wide share with a ratio."""
    roads = make_indicator(
        breakdown={"status": "confirmed", "targets": {"镇雄县": Decimal(700), "昭阳区": Decimal(540)}}
    )
    share = Indicator.model_validate(
        {"id": "A-04", "name": "产业投资占比", "unit": "%", "kind": "share", "comparator": ">=",
         "target": Decimal(55), "numerator": "产业投资", "denominator": "固定资产投资",
         "lead_unit": "市发展改革委", "quote": "产业投资占比达**55%**"}
    )  # fmt: skip
    plan = make_plan(indicators=[roads])
    plan.areas.insert(
        0,
        Area(
            code="A1", name="大抓经济建设", tasks=[Task(code="1", title="扩大有效投资", indicators=[share])]
        ),
    )
    return plan


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=db_url, data_dir=tmp_path / "data", secret_key="test-secret", today=TODAY)


@pytest.fixture
def seeded(factory: sessionmaker[Session]) -> None:
    """The web plan, its periods and one account of each kind: admin, leader, 镇雄县 and 昭阳区 reporters."""
    with factory() as session, session.begin():
        row = save_plan(session=session, plan=web_plan())
        ensure_periods(session=session, plan=row, cutoff_day=25, combine_jan_feb=False)
        add_user(session=session, username="admin", password=PASSWORD, role=Role.ADMIN, display_name="督查室")
        add_user(session=session, username="leader", password=PASSWORD, role=Role.LEADER)
        add_user(session=session, username="zhenxiong", password=PASSWORD, role=Role.REPORTER, unit="镇雄县")
        add_user(session=session, username="zhaoyang", password=PASSWORD, role=Role.REPORTER, unit="昭阳区")


@pytest.fixture
def client(settings: Settings, seeded: None) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.fixture
def unit_ids(factory: sessionmaker[Session], seeded: None) -> dict[str, int]:
    with factory() as session:
        return {u.name: u.id for u in session.scalars(select(OrgUnitRow))}


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


def signed_in_clients(settings: Settings, usernames: Iterable[str]) -> Iterator[dict[str, TestClient]]:
    """One client per user on one app, each logged in with its CSRF header set; closed when done."""
    app = create_app(settings)
    signed_in = {name: TestClient(app) for name in usernames}
    for name, client in signed_in.items():
        client.headers["X-CSRF-Token"] = log_in(client, name)
    yield signed_in
    for client in signed_in.values():
        client.close()


@pytest.fixture(autouse=True)
def quick_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap argon2 parameters: every test creates accounts and logs in."""
    from argon2 import PasswordHasher

    import duban.services.users

    monkeypatch.setattr(
        duban.services.users, "_hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    )


@pytest.fixture
def city(factory: sessionmaker[Session]) -> dict[str, int]:
    """The 昭通 plan (A-06 broken down to 11 counties) with its periods, and a 鲁甸县 reporter (`ludian`): the ids of
    A-06 and of 鲁甸县."""
    with factory() as session, session.begin():
        row = save_plan(session=session, plan=read_plan_file(default_plan_path()))
        ensure_periods(session=session, plan=row, cutoff_day=25, combine_jan_feb=False)
        add_user(session=session, username="ludian", password=PASSWORD, role=Role.REPORTER, unit="鲁甸县")
        indicator = session.scalars(select(IndicatorRow).where(IndicatorRow.code == "A-06")).one()
        assert len(indicator.unit_targets) == 11
        unit = session.scalars(select(OrgUnitRow).where(OrgUnitRow.name == "鲁甸县")).one()
        return {"indicator": indicator.id, "unit": unit.id}
