"""Re-importing the plan document through the ingest page: a diff first, applied only when confirmed, undoable."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from duban.choices import Role
from duban.cli import default_plan_path
from duban.demo import generate_demo_progress
from duban.persistence.models import EntryRow, IndicatorRow, PlanRow
from duban.plan.planfile import read_plan_file
from duban.services.plan_loading import save_plan
from duban.services.plans import plan_from_store
from duban.services.users import add_user
from duban.settings import Settings
from duban.web.app import create_app
from web.conftest import PASSWORD, log_in

SEED = Path(__file__).resolve().parents[1] / "data" / "ingest" / "seed" / "zhaotong-2026.txt"
TODAY = "2026-08-10"


@pytest.fixture
def client(db_url: str, tmp_path: Path, factory: sessionmaker[Session]) -> Iterator[TestClient]:
    with factory() as session, session.begin():
        plan = read_plan_file(default_plan_path())
        row = save_plan(session=session, plan=plan)
        generate_demo_progress(session=session, plan_row=row, plan=plan, today=date(2026, 8, 10))
        add_user(session=session, username="admin", password=PASSWORD, role=Role.ADMIN)
    settings = Settings(database_url=db_url, data_dir=tmp_path / "data", secret_key="t", today=TODAY)
    with TestClient(create_app(settings)) as client:
        yield client


def _state(factory):
    with factory() as session:
        row = session.scalars(select(PlanRow)).one()
        plan = plan_from_store(session=session, plan_row=row)
        entries = session.scalar(select(func.count()).select_from(EntryRow))
        retired = dict(session.execute(select(IndicatorRow.code, IndicatorRow.retired_from)
                                       .where(IndicatorRow.retired_from.is_not(None))).all())  # fmt: skip
        return plan, entries, retired


def _upload(client, token):
    upload = client.post("/plan/ingest", data={"csrf_token": token},
                         files={"file": (SEED.name, SEED.read_bytes())}, follow_redirects=False)  # fmt: skip
    assert upload.status_code == 303
    return upload.headers["location"]


def test_reimporting_the_plan_shows_the_diff_and_changes_nothing_until_confirmed(client, factory):
    before, entries, _ = _state(factory)
    token = log_in(client, "admin")
    review_url = _upload(client, token)
    review = client.get(review_url).text
    assert 'id="revising"' in review and 'data-id="A-03"' in review and "T003" not in review
    form = {"csrf_token": token, "A-03.target": "1100", "A-14.decision": "reject"}
    shown = client.post(review_url, data=form, follow_redirects=False)
    assert shown.status_code == 303 and shown.headers["location"] == f"{review_url}/revision"
    diff = client.get(shown.headers["location"]).text
    assert "目标值:1000 → <strong>1100</strong>" in diff
    assert 'class="change-removed" data-id="A-14"' in diff and "自 8 月起停用" in diff
    assert _state(factory) == (before, entries, {})  # nothing written by looking
    refused = client.post(shown.headers["location"], data={"csrf_token": token}, follow_redirects=False)
    assert refused.status_code == 422 and "确认按以上差异修订计划" in refused.text
    assert _state(factory) == (before, entries, {})
    applied = client.post(shown.headers["location"], follow_redirects=False,
                          data={"csrf_token": token, "confirm": "1", "reason": "市人大批准调整"})  # fmt: skip
    assert applied.status_code == 303 and applied.headers["location"] == "/plan"
    after, entries_after, retired = _state(factory)
    assert entries_after == entries and retired.get("A-14") == 8
    assert after.title == before.title
    stored = {i.id: i for i in after.indicators()}
    assert stored["A-03"].target == 1100 and stored["A-03"].lead_unit == "市发展改革委"
    assert all(stored[i.id].breakdown == i.breakdown and stored[i.id].lead_unit == i.lead_unit
               for i in before.indicators() if i.id in stored)  # fmt: skip
    page = client.get("/plan").text
    assert "已修订" in page and 'id="retired"' in page and 'data-id="A-14"' in page


def test_the_revision_is_undone_from_the_plan_page(client, factory):
    before, entries, _ = _state(factory)
    token = log_in(client, "admin")
    review_url = _upload(client, token)
    client.post(review_url, data={"csrf_token": token, "A-14.decision": "reject"})
    client.post(f"{review_url}/revision", data={"csrf_token": token, "confirm": "1"})
    page = client.get("/plan").text
    revision = re.search(r'action="/plan/revisions/(\d+)/undo"', page).group(1)
    undone = client.post(
        f"/plan/revisions/{revision}/undo", data={"csrf_token": token}, follow_redirects=False
    )
    assert undone.status_code == 303
    assert _state(factory) == (before, entries, {})
    assert "已撤销计划修订" in client.get("/plan").text


def test_the_office_keeps_one_row_of_the_diff_as_stored(client, factory):
    """On the diff, ticking 保留原值 on A-14's row keeps it; A-03's new target is applied; both audited."""
    before, entries, _ = _state(factory)
    token = log_in(client, "admin")
    review_url = _upload(client, token)
    form = {"csrf_token": token, "A-03.target": "1100", "A-14.decision": "reject"}
    diff_url = client.post(review_url, data=form, follow_redirects=False).headers["location"]
    diff = client.get(diff_url).text
    assert 'name="keep" value="A-14"' in diff and 'name="keep" value="A-03"' in diff
    applied = client.post(diff_url, follow_redirects=False,
                          data={"csrf_token": token, "confirm": "1", "reason": "部分采纳", "keep": "A-14"})  # fmt: skip
    assert applied.status_code == 303
    after, entries_after, retired = _state(factory)
    assert entries_after == entries and retired == {}  # A-14 kept as it was, not retired
    stored = {i.id: i for i in after.indicators()}
    assert "A-14" in stored and stored["A-14"] == {i.id: i for i in before.indicators()}["A-14"]


def _proposed_last_year(review: str) -> dict[str, str]:
    """Each target's counterpart in last year's plan as the review page preselects it."""
    found = re.findall(r'name="([^"]+)\.last_year">.*?<option value="([^"]+)" selected>', review, re.S)
    return dict(found)


def test_a_reimport_beside_last_years_plan_shows_only_the_mapping_the_office_changed(client, factory):
    """With 2025 stored, the review proposes each indicator's own code; only A-03 marked new is a change."""
    with factory() as session, session.begin():
        last = read_plan_file(default_plan_path())
        last.year, last.title = 2025, last.title.replace("2026", "2025")
        save_plan(session=session, plan=last)
    token = log_in(client, "admin")
    review_url = _upload(client, token)
    proposed = _proposed_last_year(client.get(review_url).text)
    assert proposed["A-03"] == "A-03" and len(proposed) > 50
    form = {
        "csrf_token": token,
        **{f"{code}.last_year": old for code, old in proposed.items()},
        "A-03.last_year": "-",
    }
    diff = client.get(client.post(review_url, data=form, follow_redirects=False).headers["location"]).text
    assert "去年对应指标:A-03 → <strong>无</strong>" in diff
    assert diff.count("去年对应指标") == 1
