"""One deployment serving a province: the province's plan broken down to 南京市 and 徐州市, and each city's own
plan broken down to its counties (both cities hold a 鼓楼区). Each city's office, leader and reporters land
on their city's plan and reach nothing of the other city; the province office lands on the province's plan
and switches between the three."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from duban.choices import Role
from duban.persistence.models import OrgUnitRow
from duban.plan.model import Area, Breakdown, Indicator, OrgUnit, Plan, Task
from duban.services.periods import ensure_periods
from duban.services.plan_loading import save_plan
from duban.services.users import add_user
from duban.settings import Settings
from duban.web.app import create_app
from web.conftest import PASSWORD, TODAY, log_in

PROVINCE = [("江苏省", "province", None, "320000"), ("南京市", "city", "320000", "320100"),
            ("徐州市", "city", "320000", "320300")]  # fmt: skip
CITIES = {
    "南京市": [("南京市", "city", None, "320100"), ("鼓楼区", "county", "320100", "320106"),
              ("玄武区", "county", "320100", "320102")],
    "徐州市": [("徐州市", "city", None, "320300"), ("鼓楼区", "county", "320300", "320302"),
              ("云龙区", "county", "320300", "320303")],
}  # fmt: skip
SHARES = {"江苏省": {"320100": 60, "320300": 40}, "南京市": {"320106": 35, "320102": 25},
          "徐州市": {"320302": 30, "320303": 10}}  # fmt: skip
TARGETS = {"江苏省": 100, "南京市": 60, "徐州市": 40}


def _plan(region: str, units: list[tuple[str, str, str | None, str]]) -> Plan:
    ind = Indicator(id="C1", name="新建充电桩", unit="个", kind="count", comparator=">=", target=Decimal(TARGETS[region]),
                    breakdown=Breakdown(targets={u: Decimal(v) for u, v in SHARES[region].items()}))  # fmt: skip
    return Plan(
        region=region, year=2026, title=f"{region}2026年重点工作",
        units=[OrgUnit.model_validate({"name": n, "kind": k, "parent": p, "code": c}) for n, k, p, c in units],
        areas=[Area(code="A", name="方面", tasks=[Task(code="1", title="任务", indicators=[ind])])],
    )  # fmt: skip


USERS = {  # username: (role, unit code)
    "province": (Role.ADMIN, None), "nanjing": (Role.ADMIN, "320100"), "nanjing_leader": (Role.LEADER, "320100"),
    "gulou": (Role.REPORTER, "320106"), "xuzhou_leader": (Role.LEADER, "320300"),
}  # fmt: skip


@pytest.fixture
def units(factory: sessionmaker[Session]) -> dict[str, int]:
    """The province's plan, then each city's; one account of each kind; unit ids by code."""
    with factory() as session, session.begin():
        for region, plan_units in [("江苏省", PROVINCE), *CITIES.items()]:
            row = save_plan(session=session, plan=_plan(region, plan_units))
            ensure_periods(session=session, plan=row, cutoff_day=25, combine_jan_feb=False)
        for username, (role, code) in USERS.items():
            add_user(session=session, username=username, password=PASSWORD, role=role, unit=code)
        return {u.code: u.id for u in session.scalars(select(OrgUnitRow))}


@pytest.fixture
def app_of(db_url: str, tmp_path: Path, units: dict[str, int]) -> Iterator[dict[str, TestClient]]:
    settings = Settings(database_url=db_url, data_dir=tmp_path / "d", secret_key="test-secret", today=TODAY)
    app = create_app(settings)
    clients = {name: TestClient(app) for name in USERS}
    for name, client in clients.items():
        log_in(client, name)
    yield clients
    for client in clients.values():
        client.close()


def test_each_citys_plan_keeps_both_guloues_apart_under_the_province(factory, units):
    with factory() as session:
        tree = {u.code: (u.name, u.path) for u in session.scalars(select(OrgUnitRow))}
    assert tree["320106"] == ("鼓楼区", "320000/320100/320106")  # 南京市's plan named it first
    assert tree["320302"] == ("徐州市鼓楼区", "320000/320300/320302")
    assert tree["320100"][1] == "320000/320100"  # loading 南京市's plan kept the province above it


@pytest.mark.parametrize("who", ["nanjing", "nanjing_leader", "gulou"])
def test_a_citys_users_land_on_their_citys_plan(app_of, who):
    page = app_of[who].get("/entry" if who == "gulou" else "/", follow_redirects=True)
    assert page.status_code == 200, page.text[:300]
    assert "徐州" not in page.text and "江苏省2026" not in page.text
    if who != "gulou":
        assert "南京市2026年重点工作" in page.text


def test_the_province_office_lands_on_the_province_plan_and_switches_to_each_city(app_of):
    page = app_of["province"].get("/")
    assert "江苏省2026年重点工作" in page.text
    assert all(f"2026年度·{region}" in page.text for region in ("江苏省", "南京市", "徐州市"))
    assert "徐州市2026年重点工作" in app_of["province"].get("/?year=2026&region=徐州市").text


def test_a_citys_switcher_offers_only_its_own_plans(app_of):
    assert "year-switch" not in app_of["nanjing_leader"].get("/").text  # one plan it may read: no switcher


@pytest.mark.parametrize("who", ["nanjing", "nanjing_leader", "gulou"])
def test_a_citys_users_are_refused_the_other_citys_plan_and_units(app_of, units, who):
    client = app_of[who]
    for path in ("/?region=徐州市", "/api/periods?region=徐州市", "/counties/徐州市鼓楼区?region=徐州市",
                 f"/entry/{units['320302']}", "/api/supervision/items?region=徐州市", "/projects?region=徐州市",
                 f"/api/periods/2026-06/units/{units['320302']}/sheet"):  # fmt: skip
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 403, f"{who} {path}: {response.status_code}"
        assert "徐州" not in response.text


def test_the_other_citys_leader_is_refused_this_citys_county(app_of, units):
    for path in (f"/api/periods/2026-06/units/{units['320106']}/sheet", "/counties/鼓楼区?region=南京市"):
        assert app_of["xuzhou_leader"].get(path, follow_redirects=False).status_code == 403, path
    assert app_of["xuzhou_leader"].get("/counties/鼓楼区").status_code == 404  # not a county of 徐州市's plan
    assert "徐州市2026年重点工作" in app_of["xuzhou_leader"].get("/").text


def test_a_citys_office_lists_every_unit_of_its_city_and_none_of_the_other(app_of):
    choice = app_of["nanjing"].get("/entry").text
    assert "鼓楼区" in choice and "玄武区" in choice and "云龙区" not in choice
    units = {u["name"] for u in app_of["nanjing_leader"].get("/api/units").json()}
    assert units == {"南京市", "鼓楼区", "玄武区"}
