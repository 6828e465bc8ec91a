"""A leader's pages on a 360 px phone: nothing scrolls sideways, wide tables scroll inside their panel.

Each page is loaded as a leader (and the form as a county reporter) in a 360 × 740 viewport; the
document must be no wider than the screen. Screenshots are saved under test-output/screenshots.
"""

from __future__ import annotations

from typing import Any

import pytest

from browser.conftest import log_in, shoot

pytestmark = pytest.mark.browser
PHONE = {"width": 360, "height": 740}
LEADER_PAGES = ["/", "/map", "/counties", "/indicators", "/indicators/L02-1", "/reports", "/supervision",
                "/projects"]  # fmt: skip


@pytest.fixture
def phone(browser: Any, server: str) -> Any:
    context = browser.new_context(viewport=PHONE, base_url=server, is_mobile=True, locale="zh-CN")
    yield context.new_page()
    context.close()


def _overflow(page: Any) -> int:
    """How many pixels the document is wider than the phone's screen (a phone widens its layout viewport
    to a too-wide page, so the screen's width is the measure, not `innerWidth`)."""
    return int(page.evaluate("document.documentElement.scrollWidth")) - PHONE["width"]


def test_a_leaders_pages_fit_a_phone(phone: Any) -> None:
    log_in(phone, "leader")
    wide = {}
    for path in LEADER_PAGES:
        response = phone.goto(path)
        assert response is not None and response.status == 200, path
        phone.wait_for_load_state("networkidle")
        shoot(phone, "phone-" + (path.strip("/").replace("/", "-") or "home"))
        if _overflow(phone) > 0:
            wide[path] = _overflow(phone)
    assert wide == {}, f"pages wider than a 360 px phone (px too wide): {wide}"


def test_a_reporters_form_fits_a_phone_with_save_at_hand(phone: Any) -> None:
    log_in(phone, "zhenxiong")
    phone.goto("/entry")
    phone.wait_for_load_state("networkidle")
    shoot(phone, "phone-entry")
    assert _overflow(phone) <= 0


def test_a_leaders_home_on_a_phone_opens_with_the_month_counts_changes_and_lagging_list(phone: Any) -> None:
    """Within the first two screens of a 360 px phone: the month, the six counts, what changed since the month
    before and the lagging list's heading and first rows, in that order and before anything else."""
    log_in(phone, "leader")
    phone.goto("/")
    phone.wait_for_load_state("networkidle")
    shoot(phone, "phone-home-top")
    top = phone.evaluate("""() => Object.fromEntries(
        ["period-note", "status-counts", "count-changes", "h-lag", "lagging", "h-areas", "h-rank", "h-live"]
        .map(id => [id, document.getElementById(id).getBoundingClientRect().top + window.scrollY]))""")
    assert phone.locator("#status-counts .count").count() >= 6  # one per status
    assert "较上月" in phone.locator("#count-changes").inner_text()
    order = ["period-note", "status-counts", "count-changes", "h-lag", "lagging"]
    assert [top[i] for i in order] == sorted(top[i] for i in order), top
    assert top["lagging"] < 2 * PHONE["height"], f"the lagging list starts {top['lagging']:.0f} px down"
    assert all(top["lagging"] < top[later] for later in ("h-areas", "h-rank", "h-live")), top
