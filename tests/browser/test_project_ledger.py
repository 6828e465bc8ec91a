"""项目库 in a real Chromium against a real server holding the 1,584-project demo ledger.

A leader opens the ledger from the dashboard, narrows it to 镇雄县's red projects and opens one; on a
360 px phone the list and the project page fit the screen without sideways scrolling.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from browser.conftest import TODAY, log_in, office_page, prepare_store, running_server, shoot

pytestmark = pytest.mark.browser
PHONE = {"width": 360, "height": 740}


def add_demo_ledger(data_dir: Path) -> None:
    """The demo ledger of 1,584 projects, as `duban demo` stores it."""
    from duban.demo import generate_demo_ledger
    from duban.persistence.db import make_engine, session_factory, transaction
    from duban.persistence.models import PlanRow

    engine = make_engine(f"sqlite:///{data_dir / 'duban.db'}")
    with transaction(session_factory(engine)) as session:
        plan_row = session.scalars(select(PlanRow)).one()
        generate_demo_ledger(session=session, plan_row=plan_row, today=date.fromisoformat(TODAY))
    engine.dispose()


@pytest.fixture(scope="module")
def ledger_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir = tmp_path_factory.mktemp("ledger-store")
    prepare_store(data_dir)
    add_demo_ledger(data_dir)
    with running_server(data_dir, TODAY) as base:
        yield base


@pytest.fixture
def ledger_page(browser: Any, ledger_server: str) -> Iterator[Any]:
    with office_page(browser, ledger_server) as page:
        yield page


def scroll_width(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth"))


def test_a_leader_finds_a_red_project_and_reads_it_on_a_phone(ledger_page: Any) -> None:
    page = ledger_page
    log_in(page, "leader")
    page.click("#ledger-link")
    page.wait_for_url("**/projects")
    assert "共 1584 个项目" in page.inner_text("#project-total")
    page.select_option("#f-county", "镇雄县")
    page.select_option("#f-light", "red")
    page.click("#project-filters button[type=submit]")
    page.wait_for_url("**light=red**")
    rows = page.locator("#project-list tbody tr")
    assert rows.count() > 0
    assert all("镇雄县" in text for text in rows.all_inner_texts())
    shoot(page, "projects-list-1366")

    page.locator("#project-list tbody a").first.click()
    page.wait_for_url("**/projects/ZT2026-**")
    assert "红灯" in page.inner_text("#project-lights")
    assert page.locator("#project-months tbody tr").count() == 12
    shoot(page, "project-page-1366")

    page.set_viewport_size(PHONE)
    project_url = page.url
    assert scroll_width(page) <= PHONE["width"]
    shoot(page, "project-page-360")
    page.goto("/projects")
    assert scroll_width(page) <= PHONE["width"]
    shoot(page, "projects-list-360")
    page.goto(project_url)
    assert page.locator("h1").is_visible()
