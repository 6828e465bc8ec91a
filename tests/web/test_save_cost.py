"""One save loads the saving unit's share of the breakdown, not every unit's (O(1) rows, not O(units))."""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, event, select
from sqlalchemy.orm import Session, sessionmaker

from builders import make_indicator, make_plan
from duban.choices import OrgKind, Role
from duban.cli import default_plan_path
from duban.persistence.models import EntryRow, IndicatorRow, OrgUnitRow, UnitTargetRow, UserRow
from duban.plan.assignments import city_name, reporting_units, reports
from duban.plan.model import OrgUnit, Plan
from duban.plan.planfile import read_plan_file
from duban.services.periods import ensure_periods
from duban.services.plan_edits import apply_edit
from duban.services.plan_loading import save_plan
from duban.services.plans import indicator_from_row
from duban.services.users import add_user
from duban.settings import Settings
from duban.web.app import create_app
from web.conftest import PASSWORD, log_in

UNIT = "鲁甸县"  # not the first share of the breakdown
PROVINCE_UNITS = 1646  # the units of bench_province's province: 16 cities, 129 counties, 1,500 townships


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


def test_what_a_save_remembers_of_the_plan_follows_the_offices_edit_at_once(client, city, factory):
    """The indicator and the unit a save reads are remembered between saves; a change of the breakdown is
    seen by the very next save (the unit taken out may no longer report it; put back, it may again)."""
    token = log_in(client, "ludian")
    url = f"/api/periods/2026-06/units/{city['unit']}/indicators/{city['indicator']}"

    def save(value: str, version: int) -> Any:
        return client.put(url, json={"value": value, "version": version, "note": "按计划推进"},
                          headers={"X-CSRF-Token": token})  # fmt: skip

    first = save("3", 0)
    assert first.status_code == 200, first.text
    assert save("4", 1).status_code == 200  # the second save reads the remembered plan
    every = _edit_breakdown(
        factory, city["indicator"], lambda shares: {k: v for k, v in shares.items() if k != UNIT}
    )
    refused = save("5", 2)
    assert refused.status_code == 422 and f"{UNIT}不填报指标 A-06" in refused.text, refused.text
    _edit_breakdown(factory, city["indicator"], lambda _shares: every)
    assert save("5", 2).status_code == 200
    with factory() as session:
        assert session.get_one(EntryRow, first.json()["id"]).value == Decimal(5)


def _edit_breakdown(
    factory: sessionmaker[Session],
    indicator_id: int,
    shares: Callable[[dict[str, Decimal]], dict[str, Decimal]],
) -> dict[str, Decimal]:
    """The office's edit of the indicator's breakdown to `shares(the shares now)`; the shares before it."""
    with factory() as session, session.begin():
        office = add_user(session=session, username=f"office{secrets.token_hex(3)}", password=PASSWORD,
                          role=Role.ADMIN)  # fmt: skip
        row = session.get_one(IndicatorRow, indicator_id)
        edited = indicator_from_row(row)
        assert edited.breakdown is not None
        before = dict(edited.breakdown.targets)
        breakdown = edited.breakdown.model_copy(update={"targets": shares(before)})
        apply_edit(session=session, row=row, edited=edited.model_copy(update={"breakdown": breakdown}),
                   user_id=office.id, reason="分解调整")  # fmt: skip
        return before


# ── A save's statements and rows do not grow with the number of units ──────────────────────────────


class Tally:
    """Every statement the app's engines run, and how many rows each SELECT gives (counted on the side)."""

    def __init__(self) -> None:
        self.statements: list[str] = []
        self.selects: list[str] = []
        self.rows = 0

    def __call__(
        self, conn: Connection, cursor: Any, statement: str, parameters: Any, _ctx: Any, many: bool
    ) -> None:
        self.statements.append(statement.split(None, 1)[0].upper())
        if statement.lstrip().upper().startswith("SELECT") and not many:
            self.selects.append(statement)
            # the same query counted in the same transaction: what the request's fetch received
            counting = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
            counting.execute(f"SELECT count(*) FROM ({statement}) AS counted", parameters)
            self.rows += counting.fetchone()[0]
            counting.close()


@contextmanager
def tallied() -> Iterator[Tally]:
    tally = Tally()
    event.listen(Engine, "after_cursor_execute", tally)
    try:
        yield tally
    finally:
        event.remove(Engine, "after_cursor_execute", tally)


def wide_plan(counties: int) -> Plan:
    """A city, `counties` counties and one department; a target broken down to every county, one that each
    county reports, and one the city reports (no lead unit)."""
    names = [f"第{n:03d}县" for n in range(counties)]
    units = [OrgUnit(name="全市", kind=OrgKind.CITY)]
    units += [OrgUnit(name=n, kind=OrgKind.COUNTY, parent="全市") for n in names]
    units.append(OrgUnit(name="市交通运输局", kind=OrgKind.DEPARTMENT, parent="全市"))
    broken = make_indicator(id="W-1", target=Decimal(10 * counties),
                            breakdown={"status": "confirmed", "targets": dict.fromkeys(names, Decimal(10))})  # fmt: skip
    each = make_indicator(id="W-2", name="每县新建村卫生室", lead_unit=None, target=Decimal(5),
                          scope={"kind": "each"})  # fmt: skip
    city = make_indicator(id="W-3", name="全市通硬化路里程", lead_unit=None, target=Decimal(100))
    return make_plan(indicators=[broken, each, city], units=units, region="全市")


def _add_counties(factory: sessionmaker[Session], first: int, count: int) -> None:
    """More counties in the store, each with its share of W-1: the store grows, the save must not."""
    with factory() as session, session.begin():
        city = session.scalars(select(OrgUnitRow).where(OrgUnitRow.name == "全市")).one()
        broken = session.scalars(select(IndicatorRow).where(IndicatorRow.code == "W-1")).one()
        share = broken.unit_targets[0]
        for n in range(first, first + count):
            unit = OrgUnitRow(
                name=f"第{n:03d}县", kind=OrgKind.COUNTY.value, parent_id=city.id, position=1000 + n,
                code=f"X{n:03d}", path=f"{city.path}/X{n:03d}",
            )  # fmt: skip
            session.add(unit)
            session.flush()
            session.add(UnitTargetRow(indicator_id=broken.id, unit_id=unit.id, value=share.value,
                                      status=share.status, basis=share.basis))  # fmt: skip


def _save_cost(
    client: TestClient, factory: sessionmaker[Session], unit: str, code: str
) -> tuple[list[str], int, list[str]]:
    """Log in as `unit`'s reporter (the office for the city) and save one figure; what it ran and read."""
    with factory() as session, session.begin():
        unit_id = session.scalars(select(OrgUnitRow.id).where(OrgUnitRow.name == unit)).one()
        indicator_id = session.scalars(select(IndicatorRow.id).where(IndicatorRow.code == code)).one()
        username = f"r{unit_id}"
        if session.scalars(select(UserRow).where(UserRow.username == username)).first() is None:
            add_user(session=session, username=username, password=PASSWORD, role=Role.REPORTER, unit=unit)
    token = log_in(client, "office" if unit == "全市" else username)
    path = f"/api/periods/2026-06/units/{unit_id}/indicators/{indicator_id}"
    with factory() as session:
        query = select(EntryRow.version).where(
            EntryRow.unit_id == unit_id, EntryRow.indicator_id == indicator_id
        )
        version = session.scalar(query) or 0
    figure = {"note": "按计划推进"}
    first = client.put(
        path, json={**figure, "value": "1", "version": version}, headers={"X-CSRF-Token": token}
    )
    assert first.status_code == 200, first.text  # the first save of the unit (and of the server) warms up
    with tallied() as tally:
        response = client.put(path, json={**figure, "value": "2", "version": first.json()["version"]},
                              headers={"X-CSRF-Token": token})  # fmt: skip
    assert response.status_code == 200, response.text
    return tally.statements, tally.rows, tally.selects


@pytest.mark.parametrize(("code", "unit"), [("W-1", "county"), ("W-2", "county"), ("W-3", "全市")])
def test_one_save_runs_the_same_statements_and_reads_as_few_rows_with_20_or_a_provinces_units(
    settings: Settings, factory: sessionmaker[Session], code: str, unit: str
) -> None:
    with factory() as session, session.begin():
        row = save_plan(session=session, plan=wide_plan(20))
        ensure_periods(session=session, plan=row, cutoff_day=25, combine_jan_feb=False)
        add_user(session=session, username="office", password=PASSWORD, role=Role.ADMIN)
    with TestClient(create_app(settings)) as client:
        small = _save_cost(client, factory, "第007县" if unit == "county" else unit, code)
        _add_counties(factory, 20, PROVINCE_UNITS - 20)
        large = _save_cost(client, factory, "第1350县" if unit == "county" else unit, code)
    assert large[0] == small[0]  # the same statements, one for one
    assert large[1] <= small[1] <= 10  # rows read: the user, plan, period, indicator, share, entry, audit
    # user, plan, indicator, share, unit, period, city, entry, earlier; the write (the city's own figure)
    assert len(small[0]) <= 13
    assert not [s for s in large[2] if "audit_log" in s]  # the warnings it answers with are those it wrote


def test_asking_one_unit_agrees_with_the_list_of_reporting_units() -> None:
    """`reports` (a save: one unit) and `reporting_units` (a sheet, a status page: every unit) agree on the
    昭通 plan and on the wide one, for every indicator and unit."""
    for plan in (read_plan_file(default_plan_path()), wide_plan(5)):
        city = functools.partial(city_name, plan)
        for indicator in (i for a in plan.areas for t in a.tasks for i in t.indicators):
            listed = set(reporting_units(indicator=indicator, plan=plan))
            for unit in plan.units:
                asked = reports(indicator=indicator, unit=unit.name, kind=unit.kind, city=city)
                assert asked == (unit.name in listed), (indicator.id, unit.name)
