"""One deployment serving a province: the province's plan broken down to 南京市 and 徐州市, and each city's own
plan broken down to its counties (both cities hold a 鼓楼区). Each city's office, leader and reporters land
on their city's plan and reach nothing of the other city; the province office lands on the province's plan
and switches between the three."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session, sessionmaker

from builders import OFFICE
from duban.choices import Role
from duban.persistence.models import IndicatorRow, OrgUnitRow, PlanRow
from duban.plan.model import Area, Breakdown, Indicator, OrgUnit, Plan, Task
from duban.services.entries import approve, record_value, submit
from duban.services.periods import ensure_periods
from duban.services.plan_loading import save_plan
from duban.services.users import add_user
from duban.settings import Settings
from duban.web.app import create_app
from web.conftest import PASSWORD, TODAY, log_in, page_csrf

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


def _xuzhou_calls(units: dict[str, int], indicator: int) -> list[tuple[str, str, dict[str, object] | None]]:
    """Writes of 徐州市's plan: its periods, its 鼓楼区's figures and sheet, 督办, reminders, its targets."""
    gulou, sheet = units["320302"], f"/api/periods/2026-06/units/{units['320302']}"
    return [
        ("POST", "/api/periods/2026-06/lock?region=徐州市", {"reason": "已审核"}),
        ("POST", "/api/periods/2026-06/reopen?region=徐州市", {"reason": "补报", "unit_id": gulou}),
        ("PUT", f"{sheet}/indicators/{indicator}?region=徐州市", {"value": "1", "version": 0}),
        ("POST", f"{sheet}/submit?region=徐州市", None),
        ("POST", f"{sheet}/approve?region=徐州市", None),
        ("POST", "/api/supervision/items?region=徐州市",
         {"unit_id": gulou, "title": "督办", "ask": "说明", "deadline": "2026-06-30", "level": "red"}),
        ("POST", "/periods/2026-06/lock?region=徐州市", {"reason": "已审核"}),
        ("POST", "/reporting/2026-06/remind?region=徐州市", {}),
        ("POST", "/plan/indicators/C1/edit?region=徐州市", {"target": "1", "reason": "调整"}),
    ]  # fmt: skip


def test_a_citys_office_is_refused_every_write_of_the_other_citys_plan(app_of, units, engine, factory):
    from security.conftest import store_checksum

    with factory() as session:
        indicator = session.scalars(
            select(IndicatorRow.id).join(PlanRow).where(PlanRow.region == "徐州市", IndicatorRow.code == "C1")
        ).one()
    client = app_of["nanjing"]
    token = page_csrf(client, "/plan")
    before = store_checksum(engine)
    for method, path, body in _xuzhou_calls(units, indicator):
        form = not path.startswith("/api/")
        response = client.request(
            method, path, json=None if form else body, headers={"X-CSRF-Token": token},
            data={**(body or {}), "csrf_token": token} if form else None, follow_redirects=False,
        )  # fmt: skip
        assert response.status_code == 403, f"{method} {path}: {response.status_code} {response.text[:200]}"
        assert "徐州" not in response.text and "CSRF" not in response.text
    assert store_checksum(engine) == before
    office = app_of["province"]  # the province office may: the city's bound refused them, not the requests
    method, path, body = _xuzhou_calls(units, indicator)[0]
    response = office.request(method, path, json=body, headers={"X-CSRF-Token": page_csrf(office, "/plan")})
    assert response.status_code == 200, response.text[:200]


def test_the_province_office_sees_each_citys_figure_taken_from_the_citys_own_plan(app_of, factory, units):
    with factory() as session, session.begin():
        plan = session.scalars(select(PlanRow).where(PlanRow.region == "南京市")).one()
        june = ensure_periods(session=session, plan=plan, cutoff_day=25, combine_jan_feb=False)[5]
        indicator = session.scalars(select(IndicatorRow.id).where(IndicatorRow.plan_id == plan.id)).one()
        entry = record_value(session=session, indicator_id=indicator, unit_id=units["320106"], period_id=june.id,
                             user_id=None, value=Decimal(12))  # fmt: skip
        submit(session=session, entry=entry, writer=OFFICE)
        approve(session=session, entry=entry, writer=OFFICE)
    page = app_of["province"].get("/indicators/C1?month=6")
    assert page.status_code == 200, page.text[:300]
    assert "来自南京市计划" in page.text and "来自徐州市计划" not in page.text  # 徐州市 has nothing yet


def _plan_reads(client: TestClient, path: str) -> tuple[int, int]:
    """The answer's status and how many statements of the request read the plan table."""
    statements: list[str] = []

    def note(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        statements.append(statement)

    event.listen(Engine, "before_cursor_execute", note)
    try:
        status = client.get(path).status_code
    finally:
        event.remove(Engine, "before_cursor_execute", note)
    return status, sum(bool(re.search(r'(FROM|JOIN) "?plan\b', s)) for s in statements)


def test_routes_that_choose_no_plan_read_none_for_a_citys_user(app_of, factory, units):
    with factory() as session, session.begin():
        plan = session.scalars(select(PlanRow).where(PlanRow.region == "南京市")).one()
        june = ensure_periods(session=session, plan=plan, cutoff_day=25, combine_jan_feb=False)[5]
        indicator = session.scalars(select(IndicatorRow.id).where(IndicatorRow.plan_id == plan.id)).one()
        entry = record_value(session=session, indicator_id=indicator, unit_id=units["320106"], period_id=june.id,
                             user_id=None, value=Decimal(12)).id  # fmt: skip
    client = app_of["nanjing"]
    assert _plan_reads(client, "/api/periods")[1] >= 1  # a route of the plan chooses it
    for path in ("/api/units", f"/api/entries/{entry}", f"/api/entries/{entry}/history"):
        assert _plan_reads(client, path) == (200, 0), path
