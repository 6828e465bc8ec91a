"""The leader's home page keeps the 当前报送期 after a county saves a draft for next month (issue 14).

The server pretends it is 10 June 2026: May's deadline has passed, June's has not, so May is current.
"""

from __future__ import annotations

import pytest

from browser.conftest import log_in, shoot

pytestmark = pytest.mark.browser
MAY = "2026年5月（当前报送期） · 数据截至2026年5月31日，以审核通过的数据为准"


def test_a_draft_for_next_month_does_not_move_the_leaders_home_page(page, browser, server):
    log_in(page, "zhaoyang")
    page.goto("/entry?month=7")
    assert "2026年7月进度填报" in page.inner_text("h1")
    page.fill('input[name="L02-1.value"]', "321")
    page.locator('input[name="L02-1.value"]').dispatch_event("change")
    page.click('button[name="action"][value="draft"]')
    page.wait_for_load_state()
    assert page.input_value('input[name="L02-1.value"]') == "321"
    shoot(page, "current-period-1-july-draft-saved")

    leader = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN", base_url=server)
    home = leader.new_page()
    log_in(home, "leader")
    home.goto("/")
    assert "5 月推进情况" in home.inner_text("h1")
    assert home.inner_text("#period-note") == MAY
    assert home.locator("#month option:checked").inner_text() == "5 月（当前）"
    shoot(home, "current-period-2-leader-home-still-may")
    home.goto("/map")
    assert home.inner_text("#period-note") == MAY
    shoot(home, "current-period-3-map-still-may")
    leader.close()
