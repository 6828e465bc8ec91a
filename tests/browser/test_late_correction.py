"""A correction after the deadline, in a real Chromium against a real server that pretends it is 28 June 2026.

镇雄县 submitted its June rural-roads figure on the 20th. After the deadline (the 25th) the office returns it;
the county sees the reason, corrects the figure and resubmits it (the rest of its form is read-only); the office
approves it and the reason is gone.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from browser.conftest import log_in, prepare_store, running_server, shoot

pytestmark = pytest.mark.browser
LATE = "2026-06-28"
REASON = "与公路台账不符,请核实后重报"


def submit_june_roads(data_dir: Path) -> int:
    """镇雄县's reporter saves and submits June's rural-roads figure on the 20th; the figure submitted."""
    from duban.persistence.db import make_engine, session_factory, transaction
    from duban.persistence.models import EntryRow, IndicatorRow, OrgUnitRow, PeriodRow, PlanRow, UserRow
    from duban.services.entries import Writer, save_figure, submit
    from duban.services.plans import indicator_from_row

    engine = make_engine(f"sqlite:///{data_dir / 'duban.db'}")
    with transaction(session_factory(engine)) as session:
        plan_row = session.scalars(select(PlanRow)).one()
        row = session.scalars(select(IndicatorRow).where(IndicatorRow.code == "L02-1")).one()
        unit = session.scalars(select(OrgUnitRow).where(OrgUnitRow.name == "镇雄县")).one()
        may, june = (session.scalars(select(PeriodRow).where(PeriodRow.month == m)).one() for m in (5, 6))
        before = session.scalars(select(EntryRow).where(EntryRow.indicator_id == row.id,
                                                        EntryRow.unit_id == unit.id, EntryRow.period_id == may.id)).one()  # fmt: skip
        figure = int(Decimal(before.official_value or before.value) * Decimal("1.1")) + 1
        user = session.scalars(select(UserRow).where(UserRow.username == "zhenxiong")).one()
        writer = Writer(user_id=user.id, admin=False, today=date(2026, 6, 20))
        entry = save_figure(session=session, plan_row=plan_row, indicator=indicator_from_row(row), indicator_id=row.id,
                            unit=unit, period=june,
                            raw={"value": str(figure), "note": "按计划推进"}, writer=writer, confirmed=True)  # fmt: skip
        submit(session=session, entry=entry, writer=writer)
    engine.dispose()
    return figure


@pytest.fixture(scope="module")
def late(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """A server pretending it is after June's deadline, and the figure 镇雄县 submitted in time."""
    data_dir = tmp_path_factory.mktemp("late-store")
    prepare_store(data_dir)
    figure = submit_june_roads(data_dir)
    with running_server(data_dir, LATE) as base:
        yield base, figure


@pytest.fixture
def late_page(browser: Any, late: tuple[str, int]) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN", base_url=late[0])
    yield context.new_page()
    context.close()


def test_the_office_returns_after_the_deadline_and_the_county_corrects_and_resubmits(late_page, late):
    page, figure = late_page, late[1]
    log_in(page, "admin")
    page.goto("/review?month=6")
    line = page.locator('#review-table tr[data-code="L02-1"][data-unit="镇雄县"]')
    line.locator('input[name="reason"]').fill(REASON)
    line.locator("button", has_text="退回").click()
    page.wait_for_selector("#review-table tr.locked:has-text('已退回')")
    shoot(page, "late-1-office-returns-after-deadline")
    page.context.clear_cookies()

    log_in(page, "zhenxiong")
    page.goto("/entry?month=6")
    assert "报送已于 2026-06-25 截止" in page.inner_text("#closed")
    assert f"退回理由：{REASON}" in page.inner_text("#row-L02-1")
    assert page.locator('input[name="L01-2.value"]').count() == 0  # the rest of the form is read-only
    page.fill('input[name="L02-1.value"]', str(figure + 3))
    page.check('input[name="L02-1.confirm"]')
    page.fill('textarea[name="L02-1.note"]', "已按公路台账更正")
    shoot(page, "late-2-county-sees-reason-and-corrects")
    page.click('button[name="action"][value="submit"]')
    page.wait_for_selector("#flash")
    assert "已提交 1 项数据（L02-1）" in page.inner_text("#flash")
    assert "已修改并重新提交，待审核" in page.inner_text("#row-L02-1")
    shoot(page, "late-3-county-resubmitted")
    page.context.clear_cookies()

    log_in(page, "admin")
    page.goto("/review?month=6")
    line = page.locator('#review-table tr[data-code="L02-1"][data-unit="镇雄县"]')
    assert f"此前退回理由：{REASON}" in line.inner_text()
    line.locator("button", has_text="通过").click()
    page.wait_for_selector("#review-table tr.locked:has-text('已审核通过')")
    shoot(page, "late-4-office-approves-correction")
    page.context.clear_cookies()

    log_in(page, "zhenxiong")
    page.goto("/entry?month=6")
    row = page.inner_text("#row-L02-1")
    assert "审核通过" in row and "退回理由" not in row and str(figure + 3) in row.replace(",", "")
