"""较上月: the ranking page and a county's page say how each county moved since the month before.

The move is checked against the two months' ranking pages themselves, so the arrow and the ranks a
leader can open side by side never disagree.
"""

from __future__ import annotations

import re
from decimal import Decimal

from sqlalchemy import select

from builders import OFFICE
from duban.persistence.models import IndicatorRow, OrgUnitRow, PeriodRow
from duban.services.entries import approve, record_value, submit
from web.conftest import log_in

FIGURES = {4: {"镇雄县": 200, "昭阳区": 20}, 5: {"镇雄县": 210, "昭阳区": 400}}  # 昭阳区 overtakes in May


def _report(factory) -> None:
    with factory() as session, session.begin():
        indicator = session.scalar(select(IndicatorRow).where(IndicatorRow.code == "L02-1"))
        for month, values in FIGURES.items():
            period = session.scalar(select(PeriodRow).where(PeriodRow.month == month))
            for unit, value in values.items():
                unit_id = session.scalar(select(OrgUnitRow.id).where(OrgUnitRow.name == unit))
                entry = record_value(session=session, indicator_id=indicator.id, unit_id=unit_id,
                                     period_id=period.id, user_id=None, value=Decimal(value))  # fmt: skip
                submit(session=session, entry=entry, writer=OFFICE)
                approve(session=session, entry=entry, writer=OFFICE)


def _ranks(page: str) -> dict[str, int]:
    rows = re.findall(r'<td class="num">(\d+)</td><td><a href="[^"]*">([^<]+)</a>', page)
    return {unit: int(rank) for rank, unit in rows}


def test_the_ranking_shows_each_countys_move_since_the_month_before(client, factory) -> None:
    _report(factory)
    log_in(client, "leader")
    april, may = client.get("/counties?month=4").text, client.get("/counties?month=5").text
    before, now = _ranks(april), _ranks(may)
    assert before["昭阳区"] > now["昭阳区"] and before["镇雄县"] < now["镇雄县"]
    for unit, word in (("昭阳区", "上升"), ("镇雄县", "下降")):
        moved = abs(before[unit] - now[unit])
        assert re.search(rf'<a href="[^"]*">{unit}</a>.*?aria-label="较上月{word}{moved}位', may, re.S), unit
    county = client.get("/counties/昭阳区?month=5").text
    assert f"较上月上升{before['昭阳区'] - now['昭阳区']}位" in county
    assert "较上月" not in re.sub(
        r"<th[^>]*>较上月</th>", "", client.get("/counties?month=1").text.split("<tbody>")[1]
    )
