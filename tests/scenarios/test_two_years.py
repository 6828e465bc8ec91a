"""2027 beside 2026: the office loads the 2027 plan in December while 2026 is still being closed.

On 15 December 2026 the store holds the 昭通 2026 plan with its figures through November and its project
ledger. Every 2026 page, API answer and bulletin is captured; then the 2027 plan is loaded (the same
indicators with new targets, no figures). With `?year=2026` every one of them answers the same bytes as
before (CSRF tokens and the new year switcher aside), and so does the default while it is still 2026; from
1 January 2027 (DUBAN_TODAY) the default is the 2027 plan. A reporter who still owes December 2026 reports
into 2026's periods, by the form and by the Excel template, while January goes to 2027's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from zipfile import ZipFile

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from duban.choices import Role
from duban.cli import default_plan_path
from duban.demo import generate_demo_ledger, generate_demo_progress
from duban.persistence.db import transaction
from duban.persistence.models import EntryRow, IndicatorRow, OrgUnitRow, PeriodRow, PlanRow
from duban.persistence.readcache import bypassed
from duban.persistence.reporting_models import PeriodReopenRow
from duban.plan.model import Plan
from duban.plan.planfile import read_plan_file
from duban.services.plan_loading import save_plan
from duban.services.users import add_user
from duban.settings import Settings
from web.conftest import PASSWORD, quick_password_hashing, signed_in_clients  # noqa: F401  (cheap password hashing)

DEC_15, JAN_15 = "2026-12-15", "2027-01-15"
COUNTY = "盐津县"
ACCOUNTS = {"admin": (Role.ADMIN, None), "leader": (Role.LEADER, None), "yanjin": (Role.REPORTER, COUNTY)}


def plan_2027() -> Plan:
    """The 2026 plan carried into 2027: the same indicators, every city-wide target without a breakdown raised."""
    plan = read_plan_file(default_plan_path())
    plan.year, plan.title = 2027, plan.title.replace("2026", "2027")
    for indicator in plan.indicators():
        if indicator.breakdown is None and indicator.target:
            indicator.target = indicator.target * Decimal("1.1")
    return plan


@pytest.fixture
def store(factory: sessionmaker[Session]) -> None:
    """The 2026 plan with demo figures through November and the demo project ledger; three accounts."""
    with transaction(factory) as session:
        plan = read_plan_file(default_plan_path())
        row = save_plan(session=session, plan=plan)
        generate_demo_progress(session=session, plan_row=row, plan=plan, today=date.fromisoformat(DEC_15))
        generate_demo_ledger(session=session, plan_row=row, today=date.fromisoformat(DEC_15))
        for name, (role, unit) in ACCOUNTS.items():
            add_user(session=session, username=name, password=PASSWORD, role=role, unit=unit)


@pytest.fixture
def clients(db_url: str, tmp_path: Path, store: None) -> Iterator[dict[str, TestClient]]:
    settings = Settings(database_url=db_url, data_dir=tmp_path / "data", secret_key="years", today=DEC_15)
    yield from signed_in_clients(settings, ACCOUNTS)


def pretend(clients: dict[str, TestClient], day: str) -> None:
    app = next(iter(clients.values())).app
    app.state.settings = app.state.settings.model_copy(update={"today": day})


def load_2027(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as session:
        save_plan(session=session, plan=plan_2027())


def unit_id(factory: sessionmaker[Session], name: str) -> int:
    with factory() as session:
        return session.scalars(select(OrgUnitRow.id).where(OrgUnitRow.name == name)).one()


def plan_id(factory: sessionmaker[Session], year: int) -> int:
    with factory() as session:
        return session.scalars(select(PlanRow.id).where(PlanRow.year == year)).one()


def pages(unit: int) -> dict[str, list[str]]:
    """What each account reads of 2026: pages, the map's data, the API, a bulletin in every format."""
    office = ["/", "/?month=6", "/map", "/map/data", "/map?measure=L02-1", "/counties", f"/counties/{COUNTY}",
              "/indicators", "/indicators?status=behind", "/indicators/L02-1", "/entry", f"/entry/{unit}?month=11",
              "/review", "/reports", "/reports/2026-11.docx", "/reports/2026-11.xlsx", "/reports/2026-11.pdf",
              f"/reports/2026-11.docx?unit={COUNTY}", "/projects", "/projects?light=red", "/plan", "/periods",
              "/settings", "/supervision", "/reporting?month=11",
              "/api/periods", "/api/periods/2026-11/status", f"/api/periods/2026-11/units/{unit}/sheet",
              f"/api/periods/2026-12/units/{unit}/sheet"]  # fmt: skip
    reporter = ["/", f"/counties/{COUNTY}", f"/entry/{unit}?month=11", f"/entry/{unit}/11/template.xlsx",
                "/api/periods", f"/api/periods/2026-11/units/{unit}/sheet", "/projects"]  # fmt: skip
    return {"admin": office, "leader": ["/", "/map/data", "/indicators/L02-1", "/reports/2026-11.pdf"],
            "yanjin": reporter}  # fmt: skip


CSRF = re.compile(rb'(name="csrf-token" content="|name="csrf_token" value=")[^"]+"')
SWITCH = re.compile(rb'<nav class="years".*?</nav>')
YEAR = re.compile(rb"([?&]|&amp;)year=2026")
HIDDEN_YEAR = re.compile(rb'<input type="hidden" name="year" value="2026">')
STAMPS = re.compile(
    rb"/(CreationDate|ModDate) *\([^)]*\)|/ID *\[[^\]]*\]|<dcterms:(created|modified)[^<]*</dcterms:\w+>"
)


def answers(clients: dict[str, TestClient], unit: int, *, year: str | None) -> dict[tuple[str, str], bytes]:
    """Every page's bytes, without the session's CSRF tokens, the year switcher and the year the links keep."""
    seen = {}
    for name, paths in pages(unit).items():
        for path in paths:
            asked = path if year is None else f"{path}{'&' if '?' in path else '?'}year={year}"
            response = clients[name].get(asked, follow_redirects=False)
            assert response.status_code in (200, 303), (
                name,
                asked,
                response.status_code,
                response.text[:300],
            )
            body = response.content
            if response.headers.get("content-type", "").startswith("text/html"):
                body = HIDDEN_YEAR.sub(b"", YEAR.sub(b"", SWITCH.sub(b"", CSRF.sub(rb"\1", body))))
            if path.endswith("template.xlsx"):  # signed with the time it was issued: its sheet is compared
                body = repr(
                    [[c.value for c in row] for row in load_workbook(BytesIO(body)).worksheets[0]]
                ).encode()
            elif body[:2] == b"PK":
                body = _zip_content(body)
            if body[:4] == b"%PDF":
                body = STAMPS.sub(b"", body)
            if response.status_code == 303:
                body = YEAR.sub(b"", response.headers["location"].encode())
            seen[(name, path)] = body
    return seen


def test_loading_2027_changes_no_2026_answer(
    clients: dict[str, TestClient], factory: sessionmaker[Session]
) -> None:
    unit = unit_id(factory, COUNTY)
    before, before_named = answers(clients, unit, year=None), answers(clients, unit, year="2026")
    assert before == before_named  # with one plan, naming its year changes nothing but the links
    assert "year=" not in clients["admin"].get("/").text  # nor do links carry a year nobody asked for
    assert 'id="year-switch"' not in clients["admin"].get("/").text  # one plan: no switcher

    load_2027(factory)
    first_2027 = (
        clients["admin"].get("/?year=2027").text
    )  # 2027 asked for first: its pages are remembered too
    assert "2027年" in first_2027
    after_named = answers(clients, unit, year="2026")
    assert _differences(before, after_named) == []
    assert _differences(before, answers(clients, unit, year=None)) == []  # still December: 2026 by default

    with bypassed():  # the remembered pages are the ones computed afresh: 2026 and 2027 share nothing
        assert _differences(before, answers(clients, unit, year="2026")) == []

    pretend(clients, JAN_15)
    home = clients["admin"].get("/").text
    assert "2027年1月" in home and "2026年" not in _period_note(home)
    assert "2027年1月" not in clients["admin"].get("/?year=2026").text
    api = clients["admin"].get("/api/periods").json()
    assert {p["key"][:4] for p in api} == {"2027"}
    assert {p["key"][:4] for p in clients["admin"].get("/api/periods?year=2026").json()} == {"2026"}
    assert clients["admin"].get("/?year=2025").status_code == 404
    assert clients["admin"].get("/?year=twenty").status_code == 400


def test_the_header_switches_year_on_the_same_page(
    clients: dict[str, TestClient], factory: sessionmaker[Session]
) -> None:
    load_2027(factory)
    pretend(clients, JAN_15)
    page = clients["admin"].get(f"/counties/{COUNTY}?month=6").text
    switch = re.search(r'<nav class="years".*?</nav>', page).group(0)
    assert re.findall(r">(\d{4}年度)<", switch) == ["2026年度", "2027年度"]
    assert f'href="/counties/{COUNTY}?month=6&amp;year=2026"' in switch
    assert re.search(r'aria-current="true">2027年度', switch)  # the default: this year's plan
    named = clients["admin"].get(f"/counties/{COUNTY}?month=6&year=2026").text
    assert re.search(r'aria-current="true">2026年度', named)
    internal = _internal_links(named)
    assert internal and all("year=2026" in x for x in internal), [x for x in internal if "year=2026" not in x]
    assert '<input type="hidden" name="year" value="2026">' in named  # the month picker keeps the year too
    assert not [x for x in _internal_links(page) if "year=" in x]  # the default year: links name none


def test_a_reporter_closes_december_2026_in_january_2027(
    clients: dict[str, TestClient], factory: sessionmaker[Session]
) -> None:
    load_2027(factory)
    pretend(clients, JAN_15)
    reporter, unit = clients["yanjin"], unit_id(factory, COUNTY)
    plans = {year: plan_id(factory, year) for year in (2026, 2027)}

    start = reporter.get("/entry?year=2026", follow_redirects=False)
    assert start.headers["location"] == f"/entry/{unit}?month=12&year=2026"
    assert reporter.get("/entry", follow_redirects=False).headers["location"] == f"/entry/{unit}?month=1"
    assert "已于 2026-12-25 截止" in reporter.get(f"/entry/{unit}?month=12&year=2026").text
    reopened = clients["admin"].post("/periods/12/reopen?year=2026", follow_redirects=False, data={
        "csrf_token": clients["admin"].headers["X-CSRF-Token"], "reason": "补报12月数据", "until": "2027-01-31",
        "unit_id": str(unit)})  # fmt: skip
    assert reopened.headers["location"] == "/periods?year=2026"
    assert _reopened_plan(factory) == plans[2026]
    form = reporter.get(f"/entry/{unit}?month=12&year=2026").text
    assert "2026年12月" in form
    assert f'action="/entry/{unit}/12?year=2026"' in form

    rows = reporter.get(f"/api/periods/2026-12/units/{unit}/sheet").json()["rows"]  # a key names its year
    row = next(r for r in rows if r["mode"] == "value" and r["previous"] and r["previous"]["value"])
    code, value = row["code"], row["previous"]["value"]
    saved = reporter.post(f"/entry/{unit}/12?year=2026", data={"csrf_token": reporter.headers["X-CSRF-Token"],
                          f"{code}.value": value, f"{code}.note": "12月数据", "action": "save"},
                          follow_redirects=False)  # fmt: skip
    assert saved.status_code == 303, saved.text[:500]
    assert saved.headers["location"] == f"/entry/{unit}?month=12&year=2026"
    assert _entry_plan(factory, unit, code, month=12) == plans[2026]

    january = reporter.get(f"/entry/{unit}/1/template.xlsx").content  # the default: 2027's January
    december = reporter.get(f"/entry/{unit}/12/template.xlsx?year=2026")
    assert "2026" in december.headers["content-disposition"] and january != december.content
    book = load_workbook(BytesIO(december.content))
    assert "2026" in " ".join(
        str(c.value) for row in book.worksheets[0].iter_rows(max_row=3) for c in row if c.value
    )
    faults = {}
    for year in (
        "",
        "?year=2026",
    ):  # the template of 2026's December, sent to 2027's (the default) and 2026's
        sent = reporter.post(f"/entry/{unit}/12/upload{year}", files={"file": ("d.xlsx", december.content)},
                             data={"csrf_token": reporter.headers["X-CSRF-Token"]})  # fmt: skip
        assert sent.status_code == 422
        faults[year] = re.findall(r"<li>(.*?)</li>", sent.text.split('id="faults"')[-1])
    assert "这是2026年计划的模板，不属于当前计划" in faults[""]
    assert faults["?year=2026"] and all(
        "未填写" in f for f in faults["?year=2026"]
    )  # 2026's own: only its empty cells
    sheet = reporter.get(f"/api/periods/2026-12/units/{unit}/sheet").json()  # a period key names its year
    assert sheet["period"].startswith("2026")
    assert {r["indicator_id"] for r in sheet["rows"]} <= _indicator_ids(factory, plans[2026])


def test_no_page_or_api_route_asks_for_the_newest_plan() -> None:
    """Every route chooses its plan by `plan_for_request`: find_plan is called only with a year."""
    web = Path(__file__).resolve().parents[2] / "src" / "duban" / "web"
    calls = [(p.name, m.group(0)) for p in web.rglob("*.py")
             for m in re.finditer(r"find_plan\([^\n]*", p.read_text())]  # fmt: skip
    assert all("year=" in call for _, call in calls), calls


def _zip_content(content: bytes) -> bytes:
    """A workbook's or document's parts without the time they were written (zip entries carry their time)."""
    with ZipFile(BytesIO(content)) as book:
        return b"\n".join(
            name.encode() + b"\n" + STAMPS.sub(b"", book.read(name)) for name in sorted(book.namelist())
        )


def _internal_links(page: str) -> list[str]:
    """The page's links and POST targets within the site, the year switcher's aside (GET forms keep the year
    in hidden fields)."""
    page = re.sub(r'<nav class="years".*?</nav>', "", page)
    found = re.findall(r'href="(/[^"]*)"', page) + re.findall(r'method="post" action="(/[^"]*)"', page)
    return [
        x for x in found if not x.startswith(("/static", "/logout", "/login", "/evidence", "/plan/ingest"))
    ]


def _differences(before: dict[tuple[str, str], bytes], after: dict[tuple[str, str], bytes]) -> list[str]:
    return [f"{who} {path}" for (who, path), body in before.items() if after[(who, path)] != body]


def _period_note(page: str) -> str:
    match = re.search(r'id="period-note">([^<]*)<', page)
    return match.group(1) if match else ""


def _reopened_plan(factory: sessionmaker[Session]) -> int:
    with factory() as session:
        query = select(PeriodRow.plan_id).join(PeriodReopenRow, PeriodReopenRow.period_id == PeriodRow.id)
        return session.scalars(query).one()


def _entry_plan(factory: sessionmaker[Session], unit: int, code: str, *, month: int) -> int:
    with factory() as session:
        query = (
            select(PeriodRow.plan_id)
            .join(EntryRow, EntryRow.period_id == PeriodRow.id)
            .join(IndicatorRow, EntryRow.indicator_id == IndicatorRow.id)
            .where(EntryRow.unit_id == unit, IndicatorRow.code == code, PeriodRow.month == month)
        )
        return session.scalars(query).one()


def _indicator_ids(factory: sessionmaker[Session], plan: int) -> set[int]:
    with factory() as session:
        return set(session.scalars(select(IndicatorRow.id).where(IndicatorRow.plan_id == plan)))
