"""One save loads the saving unit's share of the breakdown, not every unit's (O(1) rows, not O(units))."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, select
from sqlalchemy.orm import Session, sessionmaker

from duban.choices import Role
from duban.cli import default_plan_path
from duban.plan.planfile import read_plan_file
from duban.settings import Settings
from duban.store.models import EntryRow, IndicatorRow, OrgUnitRow, UnitTargetRow
from duban.store.periods import ensure_periods
from duban.store.plans import save_plan
from duban.store.users import add_user
from duban.web.app import create_app
from web.conftest import PASSWORD, log_in

UNIT = "鲁甸县"  # not the first share of the breakdown


@pytest.fixture
def city(factory: sessionmaker[Session]) -> dict[str, int]:
    """The 昭通 plan (A-06 broken down to 11 counties) and a 鲁甸县 reporter."""
    with factory() as session, session.begin():
        row = save_plan(session=session, plan=read_plan_file(default_plan_path()))
        ensure_periods(session=session, plan=row, cutoff_day=25, combine_jan_feb=False)
        add_user(session=session, username="ludian", password=PASSWORD, role=Role.REPORTER, unit=UNIT)
        indicator = session.scalars(select(IndicatorRow).where(IndicatorRow.code == "A-06")).one()
        assert len(indicator.unit_targets) == 11
        unit = session.scalars(select(OrgUnitRow).where(OrgUnitRow.name == UNIT)).one()
        return {"indicator": indicator.id, "unit": unit.id}


@pytest.fixture
def client(settings: Settings, city: dict[str, int]) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as client:
        yield client


def test_a_save_loads_its_units_share_of_the_breakdown_not_every_units(client, city, factory):
    token = log_in(client, "ludian")
    loaded: list[UnitTargetRow] = []

    def note(target: UnitTargetRow, _context: object) -> None:
        loaded.append(target)

    event.listen(UnitTargetRow, "load", note)
    try:
        response = client.put(f"/api/periods/2026-06/units/{city['unit']}/indicators/{city['indicator']}",
                              json={"value": "3", "version": 0, "note": "按计划推进"}, headers={"X-CSRF-Token": token})  # fmt: skip
    finally:
        event.remove(UnitTargetRow, "load", note)
    assert response.status_code == 200, response.text
    assert len(loaded) <= 2 and city["unit"] in {t.unit_id for t in loaded}
    with factory() as session:
        assert session.get(EntryRow, response.json()["id"]) is not None
