"""The office reads the plan document again in Chromium: the diff is shown, nothing changes until confirmed,
the removed indicator is retired with its figures, and the revision is undone from the plan page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from browser.conftest import log_in, shoot

pytestmark = pytest.mark.browser
SEED = Path(__file__).resolve().parents[1] / "data" / "ingest" / "seed" / "zhaotong-2026.txt"


def test_the_office_reimports_the_plan_sees_the_diff_confirms_and_undoes(page):
    log_in(page, "admin")
    page.goto("/plan")
    count = page.inner_text("#indicator-count")
    page.goto("/plan/ingest")
    page.set_input_files("input[type=file]", str(SEED))
    page.click("button[type=submit].primary")
    page.wait_for_selector("#revising")
    page.fill('input[name="A-03.target"]', "1100")
    page.check('input[name="A-14.decision"][value="reject"]')
    shoot(page, "plan-reimport-review")
    page.click("button[type=submit].primary")
    page.wait_for_selector("#revision-table")
    assert "目标值:1000 → 1100" in page.inner_text('#revision-table tr[data-id="A-03"]')
    removed = page.inner_text('#revision-table tr.change-removed[data-id="A-14"]')
    assert "停用" in removed and "数据保留" in removed
    figures = int(
        page.inner_text('#revision-table tr[data-id="A-14"] td:nth-child(6)')
    )  # after 保留原值, 变化, 编号, 指标, 内容
    assert figures > 0
    shoot(page, "plan-reimport-diff")
    page.click("button[type=submit].primary")  # not confirmed: refused, nothing changed
    assert "请勾选" in page.inner_text("#revision-error")
    page.fill("#reason", "市人大批准调整年度计划")
    page.check('input[name="confirm"]')
    page.click("button[type=submit].primary")
    page.wait_for_url(re.compile(r"/plan$"))
    assert "已修订" in page.inner_text("#flash")
    assert page.inner_text("#indicator-count") == str(int(count) - 1)  # only A-14: the reader reads the rest
    assert "A-14" in page.inner_text("#retired")
    assert page.inner_text("h1").startswith("昭通市2026年重点工作目标任务")
    shoot(page, "plan-reimport-applied")
    page.goto("/indicators/A-14")
    assert "A-14" in page.inner_text("main")
    page.goto("/plan")
    page.click("#undo-revision")
    page.wait_for_url(re.compile(r"/plan$"))
    assert "已撤销计划修订" in page.inner_text("#flash") and page.inner_text("#indicator-count") == count
    shoot(page, "plan-reimport-undone")
