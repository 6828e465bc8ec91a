"""A write's plan and period are remembered between requests (no statement), and the office's change of either
reaches the very next write: the month lived by a reporter and the office on one server."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from duban.choices import Role
from duban.services.users import add_user
from duban.settings import Settings
from web.conftest import PASSWORD, signed_in_clients
from web.test_save_cost import tallied


@pytest.fixture
def clients(
    settings: Settings, city: dict[str, int], factory: sessionmaker[Session]
) -> Iterator[dict[str, TestClient]]:
    """The 鲁甸县 reporter of `city` and the office, signed in on one app."""
    with factory() as session, session.begin():
        add_user(session=session, username="office", password=PASSWORD, role=Role.ADMIN)
    yield from signed_in_clients(settings, ["ludian", "office"])


def _save(client: TestClient, city: dict[str, int], value: str, version: int) -> Any:
    url = f"/api/periods/2026-06/units/{city['unit']}/indicators/{city['indicator']}"
    return client.put(url, json={"value": value, "version": version, "note": "按计划推进"})


def test_a_second_save_and_return_read_neither_plan_nor_period(clients, city):
    reporter, office = clients["ludian"], clients["office"]
    first = _save(reporter, city, "3", 0)
    assert first.status_code == 200, first.text
    with tallied() as tally:
        second = _save(reporter, city, "4", first.json()["version"])
    assert second.status_code == 200, second.text
    assert not [s for s in tally.selects if " FROM plan" in s or " FROM period" in s], tally.selects
    entry = second.json()["id"]
    assert reporter.post(f"/api/entries/{entry}/submit").status_code == 200
    with tallied() as tally:
        returned = office.post(f"/api/entries/{entry}/return", json={"reason": "请复核"})
    assert returned.status_code == 200, returned.text
    assert not [s for s in tally.selects if " FROM plan" in s or " FROM period" in s], tally.selects


def test_the_offices_lock_refuses_the_very_next_save_and_its_reopening_lets_the_next_one_in(clients, city):
    reporter, office = clients["ludian"], clients["office"]
    saved = _save(reporter, city, "3", 0)
    assert saved.status_code == 200, saved.text
    assert _save(reporter, city, "4", 1).status_code == 200  # the period is remembered from here on
    assert office.post("/api/periods/2026-06/lock", json={"reason": "审核完毕"}).status_code == 200
    refused = _save(reporter, city, "5", 2)
    assert refused.status_code == 423, refused.text
    assert reporter.post(f"/api/entries/{saved.json()['id']}/submit").status_code == 423
    reopened = office.post("/api/periods/2026-06/reopen", json={"reason": "补报"})
    assert reopened.status_code == 200, reopened.text
    again = _save(reporter, city, "5", 2)
    assert again.status_code == 200, again.text
    assert again.json()["value"] == "5"
