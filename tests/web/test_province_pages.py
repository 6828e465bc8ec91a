"""One deployment serving a province: the province's plan broken down to 南京市 and 徐州市, and each city's own
plan broken down to its counties (both cities hold a 鼓楼区). Each city's office, leader and reporters land
on their city's plan and reach nothing of the other city; the province office lands on the province's plan
and switches between the three."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session, sessionmaker

from builders import OFFICE
from duban.choices import Role
from duban.persistence import readcache
from duban.persistence.models import IndicatorRow, OrgUnitRow, PlanRow
from duban.plan.model import Area, Breakdown, Indicator, OrgUnit, Plan, Task
from duban.services.entries import approve, record_value, submit
from duban.services.periods import ensure_periods
from duban.services.plan_loading import save_plan
from duban.services.plans import plans_below
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
    """The answer's status and how many statements of the request read the plan table, nothing remembered before
    it (a write's plan is remembered between requests: `persistence.storedrows`)."""
    statements: list[str] = []
    readcache.forget()

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


def _office_of(response: Any) -> str:
    """The issuing office a downloaded bulletin (.docx) opens with."""
    assert response.status_code == 200, response.text[:200]
    return Document(BytesIO(response.content)).paragraphs[0].text


@pytest.mark.parametrize("who", ["nanjing", "nanjing_leader"])
def test_a_citys_users_download_their_own_citys_bulletins_not_the_newest_plans(app_of, who):
    client = app_of[who]
    assert (
        _office_of(client.get("/reports/2026-06.docx")) == "南京市人民政府督查室"
    )  # not 徐州市's, loaded last
    assert _office_of(client.get("/reports/year/2026.docx")) == "南京市人民政府督查室"
    for path in ("/reports/2026-06.docx?region=徐州市", "/reports/year/2026.docx?region=徐州市"):
        assert client.get(path).status_code == 403, path


def test_a_countys_reporter_is_refused_its_citys_year_result(app_of):
    assert app_of["gulou"].get("/reports/year/2026.docx").status_code == 403


def _text(html: str) -> str:
    """A page's words, tags and runs of white space gone."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_every_face_shows_the_province_the_same_figures_from_its_cities_own_plans(app_of, factory, units):
    _june_figures(factory, units)
    office = app_of["province"]
    # the province 37 of 100; its cities 30 of their 60 (50%, 正常) and 7 of 40 (17.5%, 严重滞后)
    shades = office.get("/map/data?month=6&measure=C1").json()["counties"]
    assert [(s["name"], s["value"]) for s in shades] == [("南京市", 50.0), ("徐州市", 17.5)]
    scores = office.get("/map/data?month=6").json()["counties"]
    assert [(s["name"], s["value"]) for s in scores] == [("南京市", 100.0), ("徐州市", 0.0)]
    dashboard = _text(office.get("/?month=6").text)
    assert "C1 新建充电桩 — 37.0%" in dashboard
    assert (
        "市（州）综合排名 名次 市（州） 综合得分 正常/总数 严重滞后 1 南京市 100.0 1/1 0 2 徐州市 0.0 0/1 1"
        in dashboard
    )
    page = office.get("/indicators/C1?month=6").text
    assert "当前完成 37个（37.0%）" in _text(page)
    assert "南京市 60个 30个 来自南京市计划 50.0% 正常" in _text(page)
    assert "徐州市 40个 7个 来自徐州市计划 17.5% 严重滞后" in _text(page)
    # the forecast runs on the same series: 37 by June, at that pace 74 by December
    assert '"actual": [[6, 37.0]]' in page and "年末预计 74个" in _text(page)
    book = load_workbook(BytesIO(office.get("/reports/2026-06.xlsx").content))
    lagging = list(book["滞后事项清单"].iter_rows(values_only=True))[2]
    assert (lagging[1], lagging[3], lagging[9], lagging[10]) == ("新建充电桩", "37个", 100, 37)
    ranking = [row[:3] for row in list(book["市州排名"].iter_rows(values_only=True))[2:]]
    assert ranking == [(1, "南京市", 100), (2, "徐州市", 0)]
    words = Document(BytesIO(office.get("/reports/2026-06.docx").content))
    assert "进展较慢的是“新建充电桩”，完成37个，完成率37%" in "".join(p.text for p in words.paragraphs)
    assert [[c.text for c in row.cells][:3] for row in words.tables[-1].rows][1:] == [
        ["1", "南京市", "100.0"],
        ["2", "徐州市", "0.0"],
    ]


def _june_figures(factory: sessionmaker[Session], units: dict[str, int]) -> None:
    """June: 南京市's counties 20 + 10 in its own plan, 徐州市's 鼓楼区 7 (云龙区 none)."""
    with factory() as session, session.begin():
        for region, figures in (("南京市", {"320106": 20, "320102": 10}), ("徐州市", {"320302": 7})):
            plan = session.scalars(select(PlanRow).where(PlanRow.region == region)).one()
            june = ensure_periods(session=session, plan=plan, cutoff_day=25, combine_jan_feb=False)[5]
            indicator = session.scalars(select(IndicatorRow.id).where(IndicatorRow.plan_id == plan.id)).one()
            for code, value in figures.items():
                entry = record_value(session=session, indicator_id=indicator, unit_id=units[code], period_id=june.id,
                                     user_id=None, value=Decimal(value))  # fmt: skip
                submit(session=session, entry=entry, writer=OFFICE)
                approve(session=session, entry=entry, writer=OFFICE)


def test_the_province_ranking_links_each_city_to_its_unit_page_with_the_rows_figures(app_of, factory, units):
    _june_figures(factory, units)
    office = app_of["province"]
    for page in ("/?month=6", "/counties?month=6", "/indicators/C1?month=6"):
        assert 'href="/counties/南京市?month=6' in office.get(page).text, page
    for city, rank, score in (("南京市", 1, "100.0"), ("徐州市", 2, "0.0")):
        page = office.get(f"/counties/{city}?month=6")
        assert page.status_code == 200, f"{city}: {page.status_code}"
        assert f"第 {rank} 名 / 2，综合得分 {score}" in _text(page.text)
    assert (
        office.get("/counties/鼓楼区?month=6").status_code == 404
    )  # a county is not a unit the province ranks


CITY_WORDS = ("全市", "县区", "县（市、区）", "各县", "市级合计", "市直")


@pytest.mark.parametrize(
    "path", ["/?month=6", "/counties?month=6", "/counties/南京市?month=6", "/indicators/C1?month=6", "/indicators",
             "/map?month=6", "/plan", "/plan/indicators/C1/edit", "/reports", "/settings"],
)  # fmt: skip
def test_a_province_plans_pages_speak_of_its_cities_not_of_a_citys_counties(app_of, factory, units, path):
    _june_figures(factory, units)
    page = app_of["province"].get(path)
    assert page.status_code == 200, page.text[:300]
    text = _text(page.text)
    assert [w for w in CITY_WORDS if w in text] == [], path
    assert "市州地图" in text


def test_a_province_plans_indicator_page_scopes_the_target_to_the_whole_province(app_of):
    assert "范围 全省" in _text(app_of["province"].get("/indicators/C1").text)
    assert "范围 全市" in _text(app_of["nanjing"].get("/indicators/C1").text)


def test_the_province_reporting_status_counts_a_city_whose_own_plan_gave_its_figure_as_reported(app_of, factory,
                                                                                               units):  # fmt: skip
    _june_figures(factory, units)  # 南京市's figure from its own plan; 徐州市's too (its 鼓楼区 alone)
    office = app_of["province"]
    status = {r["unit"]: r for r in office.get("/api/periods/2026-06/status").json()}
    assert {u: r["state_label"] for u, r in status.items()} == {"南京市": "按时报送", "徐州市": "按时报送"}
    assert all(r["approved"] == 1 for r in status.values())  # as the dashboard counts them
    assert office.get("/api/periods/2026-06/reminders").json() == []  # nobody chases them


def test_a_citys_plan_naming_the_province_by_its_code_alone_is_attached_below_it(factory, units):
    suzhou = [
        ("苏州市", "city", "320000", "320500"),
        ("姑苏区", "county", "320500", "320508"),
    ]  # no 江苏省 listed
    SHARES["苏州市"], TARGETS["苏州市"] = {"320508": 5}, 5
    try:
        with factory() as session, session.begin():
            save_plan(session=session, plan=_plan("苏州市", suzhou))
    finally:
        del SHARES["苏州市"], TARGETS["苏州市"]
    with factory() as session:
        paths = {u.code: u.path for u in session.scalars(select(OrgUnitRow))}
        province = session.scalars(select(PlanRow).where(PlanRow.region == "江苏省")).one()
        below = {row.region for row, _ in plans_below(session=session, plan_row=province)}
    assert (paths["320500"], paths["320508"]) == ("320000/320500", "320000/320500/320508")
    assert below == {"南京市", "徐州市", "苏州市"}  # its figures reach the province


def test_the_province_bulletin_index_offers_each_citys_bulletin_and_it_downloads(app_of):
    office = app_of["province"]
    page = office.get("/reports")
    assert page.status_code == 200, page.text[:300]
    offered = re.findall(r'<li>([^<：]+)：<a href="/reports/2026-05\.docx\?unit=', page.text)
    assert offered == ["南京市", "徐州市"]  # the 州市 the province ranks, not the counties below them
    bulletin = office.get("/reports/2026-05.docx", params={"unit": "南京市"})
    assert bulletin.status_code == 200, bulletin.text[:300]
    text = "\n".join(p.text for p in Document(BytesIO(bulletin.content)).paragraphs)
    assert "南京市人民政府：" in text and "你市（州）在2个市（州）中排名第1位" in text
    assert "你县" not in text  # a 州市 is addressed as one, not as a county
