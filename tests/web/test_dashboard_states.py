"""The dashboard follows the workflow on the next request, though its pages are remembered and may lag.

A leader's dashboard is remembered per generation and, during the month-end rush, given one computation
late while another request computes it (`readcache.remembered(lag_states=True)`). A request that comes
alone after a submit, a return or an approval still sees it at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from duban.settings import Settings
from web.conftest import signed_in_clients

ROW = re.compile(r'<a href="/counties/镇雄县\?month=6">镇雄县</a></td>\s*<td class="num">(\d+)</td><td class="num">'
                 r'(\d+)</td><td class="num">(\d+)</td>\s*<td class="num">(\d+)</td>')  # fmt: skip


@pytest.fixture
def clients(settings: Settings, seeded: None) -> Iterator[dict[str, TestClient]]:
    yield from signed_in_clients(settings, ("leader", "zhenxiong", "admin"))


def _zhenxiong(leader: TestClient) -> tuple[int, ...]:
    """镇雄县's line of 报送情况 on the leader's dashboard: expected, submitted, approved, returned."""
    page = leader.get("/?month=6")
    assert page.status_code == 200
    found = ROW.search(page.text)
    assert found, "no 镇雄县 line in 报送情况"
    return tuple(int(n) for n in found.groups())


def _status_of_roads(leader: TestClient) -> str:
    page = leader.get("/map/data?month=6&measure=L02-1").json()
    return next(c["label"] for c in page["counties"] if c["name"] == "镇雄县")


def test_a_submit_a_return_and_an_approval_show_on_the_next_dashboard(clients: dict[str, TestClient]) -> None:
    leader, reporter, office = clients["leader"], clients["zhenxiong"], clients["admin"]
    unit = reporter.get("/api/units").json()[0]["id"]
    rows = {r["code"]: r for r in reporter.get(f"/api/periods/2026-06/units/{unit}/sheet").json()["rows"]}
    path = f"/api/periods/2026-06/units/{unit}/indicators/{rows['L02-1']['indicator_id']}"
    expected = _zhenxiong(leader)[0]
    assert _zhenxiong(leader) == (expected, 0, 0, 0)  # remembered now
    entry = reporter.put(path, json={"value": "360", "version": 0, "note": "按计划推进"}).json()
    assert _zhenxiong(leader) == (expected, 0, 0, 0)  # a draft is no report
    assert reporter.post(f"/api/entries/{entry['id']}/submit").status_code == 200
    assert _zhenxiong(leader) == (expected, 1, 0, 0)
    assert "待审核" in _status_of_roads(leader)
    assert office.post(f"/api/entries/{entry['id']}/return", json={"reason": "请核实"}).status_code == 200
    assert _zhenxiong(leader) == (expected, 0, 0, 1)
    returned = reporter.get(f"/api/entries/{entry['id']}").json()
    again = reporter.put(path, json={"value": "370", "version": returned["version"], "note": "已核实"})
    assert reporter.post(f"/api/entries/{again.json()['id']}/submit").status_code == 200
    assert office.post(f"/api/entries/{entry['id']}/approve").status_code == 200
    assert _zhenxiong(leader) == (expected, 1, 1, 0)
    assert "待审核" not in _status_of_roads(leader) and "未报送" not in _status_of_roads(leader)
