"""Amounts in their display units on the pages an office and a leader read: 82.67亿元 and 3653.35万元, never
"36,533,493 元", "92.9亿 元" or a stored "1000.000000" (the 昭通 plan's 元 indicators, with demo progress)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from browser.conftest import log_in, shoot

pytestmark = pytest.mark.browser
PAGES = ["/", "/indicators", "/indicators?page=2", "/indicators/A-08", "/indicators/L01-1", "/counties/镇雄县",
         "/plan", "/plan/indicators/L01-1/edit"]  # fmt: skip
RAW = {
    "an amount in 元 with five or more digits": re.compile(r"\d[\d,]{4,}(\.\d+)?\s*元"),
    "a unit written twice": re.compile(r"[万亿]\s+元"),
    "a stored number's trailing zeros": re.compile(r"\d\.\d*0{4,}\b"),
}


def test_amounts_show_in_their_display_units(page: Any) -> None:
    log_in(page, "admin")
    found = {}
    for path in PAGES:
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        text = page.inner_text("main") + " ".join(
            page.eval_on_selector_all("main input", "xs => xs.map(x => x.value)")
        )
        found.update({f"{path}: {why}": m.group(0) for why, rule in RAW.items() if (m := rule.search(text))})
    shoot(page, "units-indicator-L01-1")
    assert found == {}
    page.goto("/indicators/L01-1")
    assert "40亿元" in page.inner_text("main")  # the target, not 4000000000 元
