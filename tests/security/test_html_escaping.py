"""Pages escape user text: script and attribute-breaking payloads planted in notes, unit and user names,
return reasons, 督办 replies and indicator names are shown as text on every page that shows them."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import quote

import pytest
from sqlalchemy import select

from builders import OFFICE
from duban.persistence.models import EntryRow, IndicatorRow, OrgUnitRow, PeriodRow, UserRow
from duban.persistence.supervision_models import SupervisionItemRow, SupervisionReplyRow
from duban.services.entries import record_value, return_entry, submit

SCRIPT = "<script>alert(1)</script>"
ATTRIBUTE = '"><img src=x onerror=alert(1)>'
RAW = ("<script>alert(1)", "<img src=x")
ESCAPED = ("&lt;script&gt;alert(1)", "&lt;img src=x", "&#34;&gt;&lt;img", "\\u003cscript", "\\u003cimg")
UNIT = "镇雄县" + ATTRIBUTE


@pytest.fixture
def planted(factory, world):
    """Payloads in every kind of user text the pages show."""
    with factory() as session, session.begin():
        session.get_one(IndicatorRow, world.indicator).name = "农村公路" + SCRIPT
        session.get_one(OrgUnitRow, world.victim_unit).name = UNIT
        for user in session.scalars(select(UserRow)):
            user.display_name = (user.display_name or user.username) + ATTRIBUTE
        entry = session.get_one(EntryRow, world.entry)
        entry.note = "备注" + SCRIPT
        return_entry(session=session, entry=entry, writer=OFFICE, reason="退回" + ATTRIBUTE + SCRIPT)
        june = session.scalars(select(PeriodRow).where(PeriodRow.month == 6)).one()
        other = record_value(session=session, indicator_id=world.indicator, unit_id=world.attacker_unit,
                             period_id=june.id, user_id=None, value=Decimal(200), note="说明" + SCRIPT + ATTRIBUTE)  # fmt: skip
        submit(session=session, entry=other, writer=OFFICE)
        session.get_one(SupervisionReplyRow, world.reply).text = "反馈" + SCRIPT + ATTRIBUTE
        session.get_one(SupervisionItemRow, world.pending_item).return_reason = "理由" + SCRIPT
    return world


def _pages(world) -> list[tuple[str, str]]:
    return [
        ("admin", "/"), ("admin", "/plan"), ("admin", "/indicators"), ("admin", "/indicators/L02-1"),
        ("admin", "/counties"), ("admin", f"/counties/{quote(UNIT)}"), ("admin", "/map"),
        ("admin", "/review"), ("admin", f"/entry/{world.victim_unit}?month=6"), ("admin", "/entry"),
        ("admin", "/supervision"), ("admin", f"/supervision/items/{world.answered_item}"),
        ("admin", f"/supervision/items/{world.pending_item}"), ("admin", f"/supervision/inbox?unit={quote(UNIT)}"),
        ("admin", f"/plan/indicators/{world.indicator_code}/edit"), ("admin", "/reports"),
        ("leader", "/"), ("zhenxiong", f"/entry/{world.victim_unit}?month=6"), ("zhenxiong", "/supervision/inbox"),
        ("zhenxiong", f"/supervision/items/{world.answered_item}"),
    ]  # fmt: skip


PAGE_IDS = [f"{who}:{path}" for who, path in _pages(type("W", (), {"victim_unit": "V", "answered_item": "A",
            "pending_item": "P", "indicator_code": "L02-1"}))]  # fmt: skip


@pytest.mark.parametrize("index", range(len(PAGE_IDS)), ids=PAGE_IDS)
def test_planted_payloads_are_shown_escaped(index, planted, session_as):
    who, path = _pages(planted)[index]
    client, _ = session_as(who)
    page = client.get(path)
    assert page.status_code == 200, page.text[:300]
    for raw in RAW:
        assert raw not in page.text, f"{path} shows {raw!r} unescaped"
    assert any(shown in page.text for shown in ESCAPED), f"{path} shows none of the planted text"


def test_login_page_does_not_reflect_the_next_parameter_unescaped(session_as):
    client, _ = session_as(None)
    page = client.get("/login", params={"next": "/" + ATTRIBUTE})
    assert "<img src=x" not in page.text
