"""较上月 on the dashboard's counts, each indicator row and the map's 变化 measure.

Each change is checked against the two months' own pages, so what a leader reads as "↑3" is what
opening April and May side by side shows.
"""

from __future__ import annotations

import re
from decimal import Decimal

from web.conftest import log_in
from web.test_rank_changes import _report


def _counts(page: str) -> dict[str, int]:
    return {s: int(n) for s, n in re.findall(r'data-status="(\w+)"><b>(\d+)</b>', page)}


def _completion(page: str, code: str) -> Decimal:
    row = re.search(rf"<tr><td>{code}</td>.*?</tr>", page, re.S)
    assert row, code
    return Decimal(re.search(r'aria-label="完成 ([\d.]+)%', row.group(0)).group(1))


def _scores(page: str) -> dict[str, Decimal]:
    rows = re.findall(r'<a href="[^"]*">([^<]+)</a></td><td class="num">([\d.]+)</td>', page)
    return {unit: Decimal(score) for unit, score in rows}


def test_the_dashboard_counts_say_how_each_moved_since_the_month_before(client, factory) -> None:
    _report(factory)
    log_in(client, "leader")
    april, may = _counts(client.get("/?month=4").text), _counts(client.get("/?month=5").text)
    page = client.get("/?month=5").text
    assert april != may
    for status, n in may.items():
        tile = re.search(rf'data-status="{status}">(.*?)</a>', page).group(1)
        moved = n - april[status]
        words = "持平" if not moved else f"{'增加' if moved > 0 else '减少'}{abs(moved)}个"
        assert f"较上月{words}" in tile, (status, tile)
    assert "较上月" not in client.get("/?month=1").text


def test_an_indicator_row_says_its_completion_change_in_points(client, factory) -> None:
    _report(factory)
    log_in(client, "leader")
    april, may = client.get("/indicators?month=4").text, client.get("/indicators?month=5").text
    moved = _completion(may, "L02-1") - _completion(april, "L02-1")
    assert moved > 0
    row = re.search(r"<tr><td>L02-1</td>.*?</tr>", may, re.S).group(0)
    assert f"较上月增加{moved}个百分点" in row and f"↑+{moved}" in row


def test_the_map_shades_counties_by_their_score_change(client, factory) -> None:
    _report(factory)
    log_in(client, "leader")
    april, may = _scores(client.get("/counties?month=4").text), _scores(client.get("/counties?month=5").text)
    data = client.get("/map/data?month=5&measure=change").json()["counties"]
    assert {c["name"]: Decimal(str(c["value"])) for c in data} == {u: may[u] - april[u] for u in may}
    rising = next(c for c in data if c["name"] == "昭阳区")
    assert rising["colour"] == "#1a7f37" and rising["label"].startswith("较上月上升")
    page = client.get("/map?month=5&measure=change").text
    assert "综合得分较上月变化" in page and "得分下降" in page
