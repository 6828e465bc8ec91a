"""History on the pages: the demo's 2025 beside 2026, 同比 on the dashboard and the indicator page.

The store is what `duban demo` makes: the 昭通 2026 plan with figures through November and 2025 with
twelve approved months. What the pages say is checked against the approved figures read from the store.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from duban.choices import EntryState, Role
from duban.cli import default_plan_path
from duban.demo import generate_demo_last_year, generate_demo_progress
from duban.persistence.db import transaction
from duban.persistence.models import EntryRow, IndicatorRow, OrgUnitRow, PeriodRow, PlanRow
from duban.plan.assignments import reporting_units
from duban.plan.planfile import read_plan_file
from duban.services.plan_loading import save_plan
from duban.services.users import add_user
from duban.settings import Settings
from duban.web.app import create_app
from web.conftest import PASSWORD, log_in, quick_password_hashing  # noqa: F401  (cheap password hashing)

TODAY = "2026-12-15"


@pytest.fixture
def demo(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as session:
        plan = read_plan_file(default_plan_path())
        row = save_plan(session=session, plan=plan)
        generate_demo_progress(session=session, plan_row=row, plan=plan, today=date.fromisoformat(TODAY))
        generate_demo_last_year(session=session, plan=plan)
        add_user(session=session, username="admin", password=PASSWORD, role=Role.ADMIN)


@pytest.fixture
def client(db_url: str, tmp_path: Path, demo: None) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=db_url, data_dir=tmp_path / "data", secret_key="k", today=TODAY))
    with TestClient(app) as signed_in:
        log_in(signed_in, "admin")
        yield signed_in


def city_total(session: Session, *, year: int, code: str, month: int) -> Decimal:
    """The sum of the approved unit figures of one indicator and month, straight from the store."""
    query = (
        select(func.sum(EntryRow.official_value)).join(IndicatorRow, EntryRow.indicator_id == IndicatorRow.id)
        .join(PeriodRow, EntryRow.period_id == PeriodRow.id).join(PlanRow, PeriodRow.plan_id == PlanRow.id)
        .where(PlanRow.year == year, IndicatorRow.code == code, PeriodRow.month == month)
    )  # fmt: skip
    return Decimal(session.scalar(query))


def growth_text(now: Decimal, before: Decimal) -> str:
    change = ((now - before) / before * 100).quantize(Decimal("0.1"), "ROUND_HALF_UP")
    return f"同比{'增长' if change > 0 else '下降'}{abs(change).normalize():f}%"


def test_demo_holds_twelve_approved_months_of_2025_for_every_indicator(factory):
    plan = read_plan_file(default_plan_path())
    with transaction(factory) as session:
        row = save_plan(session=session, plan=plan)
        last = generate_demo_last_year(session=session, plan=plan)
        assert (last.year, last.region) == (2025, row.region)
        cells = sum(len(reporting_units(indicator=ind, plan=plan)) for ind in plan.indicators())
        entries = session.scalars(select(EntryRow).join(PeriodRow).where(PeriodRow.plan_id == last.id)).all()
        assert len(entries) == 12 * cells
        assert {e.state for e in entries} == {EntryState.APPROVED.value}
        codes = set(session.scalars(select(IndicatorRow.code).where(IndicatorRow.plan_id == last.id)))
        assert codes == {ind.id for ind in plan.indicators()}


def test_year_on_year_on_the_indicator_page_and_dashboard_equals_the_store(client, factory):
    with factory() as session:  # June: every unit's figure is approved in both years
        now, before = (city_total(session, year=y, code="L02-1", month=6) for y in (2026, 2025))
    expected = growth_text(now, before)
    page = client.get("/indicators/L02-1?month=6").text
    assert re.search(r'id="year-on-year">([^<(（]+)', page).group(1) == expected
    assert expected in client.get("/?month=6").text


def test_indicator_chart_shows_last_years_line(client, factory):
    page = client.get("/indicators/L02-1?month=6").text
    chart = json.loads(
        re.search(r'<script type="application/json" id="chart-data">(.*?)</script>', page, re.S).group(1)
    )
    with factory() as session:
        totals = [float(city_total(session, year=2025, code="L02-1", month=m)) for m in range(1, 13)]
    assert chart["last_year"] == {"year": 2025, "points": [[m, v] for m, v in enumerate(totals, start=1)]}


def test_loading_2025_beside_2026_changes_no_2026_figure(db_url, tmp_path, factory):
    """Every 2026 answer is the same before and after the demo's 2025 is loaded, but for what history adds:
    the year switcher, 同比 on the dashboard's cards."""
    with transaction(factory) as session:
        plan = read_plan_file(default_plan_path())
        row = save_plan(session=session, plan=plan)
        generate_demo_progress(session=session, plan_row=row, plan=plan, today=date.fromisoformat(TODAY))
        add_user(session=session, username="admin", password=PASSWORD, role=Role.ADMIN)
        unit = session.scalar(select(OrgUnitRow.id).where(OrgUnitRow.name == "盐津县"))
    paths = ["/", "/?month=6", "/map/data", "/counties/盐津县", "/indicators?status=behind", "/reporting?month=11",
             "/api/periods/2026-11/status", f"/api/periods/2026-11/units/{unit}/sheet"]  # fmt: skip
    app = create_app(Settings(database_url=db_url, data_dir=tmp_path / "data", secret_key="k", today=TODAY))
    with TestClient(app) as client:
        log_in(client, "admin")
        before = {path: _answer(client, path) for path in paths}
        with transaction(factory) as session:
            generate_demo_last_year(session=session, plan=plan)
        after = {path: _answer(client, path) for path in paths}
        assert 'class="muted yoy"' in client.get("/").text  # the cards do show 同比 now (stripped above)
    assert [path for path in paths if before[path] != after[path]] == []


def _answer(client: TestClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return _without_history(response.text)


def _without_history(page: str) -> str:
    for pattern in (
        r'<nav class="years".*?</nav>',
        r'<div class="muted yoy"[^>]*>[^<]*</div>',
        r'name="csrf[-_]token" (content|value)="[^"]+"',
    ):
        page = re.sub(pattern, "", page, flags=re.S)
    return page
