"""A web app whose store holds another unit's (镇雄县's) figures, evidence and 督办 items to attack.

The attackers are an anonymous visitor, the read-only leader, 昭阳区's reporter and the office, the leader
and a county's reporter of another city of the province (曲靖市, with its 麒麟区); the victim is 镇雄县 of
昭通市.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from io import BytesIO
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import Engine, MetaData, select
from sqlalchemy.orm import Session, sessionmaker

from builders import OFFICE
from duban.choices import Colour, ItemCause, Role
from duban.exchange.template import make_template
from duban.persistence.models import IndicatorRow, OrgUnitRow, PeriodRow, PlanRow
from duban.persistence.supervision_models import SupervisionReminderRow
from duban.services.entries import record_value, submit
from duban.services.evidence import add_evidence
from duban.services.projects import save_projects
from duban.services.supervision import Evidence, answer, open_item, sign
from duban.services.users import add_user
from duban.settings import Settings
from duban.supervision.rules import SupervisionRules
from duban.supervision.situations import Situation
from duban.web.app import create_app
from web.conftest import (  # noqa: F401  (fixtures shared with the web tests)
    PASSWORD,
    TODAY,
    log_in,
    page_csrf,
    quick_password_hashing,
    seeded,
    settings,
)
from web.test_project_pages import a_project

VICTIM, ATTACKER = "镇雄县", "昭阳区"
PDF = b"%PDF-1.4 photos of the new road"
JUNE = 6


@dataclass(frozen=True)
class World:
    """Ids of the victim unit's objects, for building requests against them."""

    victim_unit: int
    attacker_unit: int
    city_unit: int  # 昭通市, whose plan the store holds
    other_city: frozenset[int]  # 曲靖市 and its 麒麟区: the subtree of the other city's office
    indicator: int
    indicator_code: str
    entry: int
    evidence: int
    pending_item: int
    answered_item: int
    reply: int
    template: bytes
    period_key: str
    paths: dict[int, str] = field(default_factory=dict)  # every unit's path of codes, by id
    project: str = "ZT2026-09001"


@pytest.fixture
def world(factory: sessionmaker[Session], seeded: None, settings: Settings) -> World:  # noqa: F811
    """镇雄县's submitted June figure with a PDF, a pending and an answered 督办 item, an unread reminder."""
    with factory() as session, session.begin():
        other_city = _other_city(session)
        units = {u.name: u.id for u in session.scalars(select(OrgUnitRow))}
        paths = {u.id: u.path for u in session.scalars(select(OrgUnitRow))}
        roads = session.scalars(select(IndicatorRow).where(IndicatorRow.code == "L02-1")).one()
        june = session.scalars(select(PeriodRow).where(PeriodRow.month == JUNE)).one()
        entry = record_value(session=session, indicator_id=roads.id, unit_id=units[VICTIM], period_id=june.id,
                             user_id=None, value=Decimal(300), note="按计划推进")  # fmt: skip
        submit(session=session, entry=entry, writer=OFFICE)
        evidence = add_evidence(session=session, entry=entry, filename="现场.pdf", content=PDF,
                                data_dir=settings.data_dir, max_bytes=10**6, writer=OFFICE)  # fmt: skip
        pending, answered = (_item(session, roads.plan_id, f"test:{n}") for n in ("pending", "answered"))
        sign(session=session, item=answered, user_id=None, today=date(2026, 6, 10))
        reply = answer(session=session, item=answered, user_id=None, text="已召开专题会议",
                       evidence=Evidence("纪要.pdf", PDF), data_dir=settings.data_dir, today=date(2026, 6, 10))  # fmt: skip
        session.add(SupervisionReminderRow(item_id=pending.id, unit_id=units[VICTIM], day=date(2026, 6, 10),
                                           message="请尽快签收", recipients=[]))  # fmt: skip
        session.flush()
        plan_row = session.get_one(PlanRow, roads.plan_id)
        victim = session.get_one(OrgUnitRow, units[VICTIM])
        save_projects(session=session, plan_row=plan_row, projects=[a_project(World.project, VICTIM)])
        template = filled_template(
            make_template(session=session, plan_row=plan_row, unit=victim, period=june, key="test-secret"),
            value=420,
        )
        return World(units[VICTIM], units[ATTACKER], units["昭通市"], other_city, roads.id, roads.code, entry.id, evidence.id, pending.id,
                     answered.id, reply.id, template, f"{plan_row.year}-{JUNE:02d}", paths)  # fmt: skip


def _other_city(session: Session) -> frozenset[int]:
    """曲靖市 with one county beside 昭通市, and its accounts: its office (qujing, an admin of 曲靖市), its
    leader (qujing_leader) and 麒麟区's reporter (qilin)."""
    city = OrgUnitRow(name="曲靖市", kind="city", code="530300", path="530300", position=100)
    county = OrgUnitRow(
        name="麒麟区", kind="county", code="530302", path="530300/530302", parent=city, position=101
    )
    session.add_all([city, county])
    session.flush()
    add_user(session=session, username="qujing", password=PASSWORD, role=Role.ADMIN, unit="曲靖市")
    add_user(session=session, username="qujing_leader", password=PASSWORD, role=Role.LEADER, unit="曲靖市")
    add_user(session=session, username="qilin", password=PASSWORD, role=Role.REPORTER, unit="麒麟区")
    return frozenset({city.id, county.id})


def _item(session: Session, plan_id: int, subject: str) -> Any:
    situation = Situation(subject=subject, cause=ItemCause.FAR_BEHIND, unit=VICTIM, title="农村公路滞后",
                          ask="说明原因并提出措施", severity=Colour.RED, month=5, indicator="L02-1")  # fmt: skip
    item = open_item(session=session, plan_id=plan_id, situation=situation, today=date(2026, 6, 1),
                     rules=SupervisionRules())  # fmt: skip
    assert item is not None
    return item


def filled_template(content: bytes, *, value: float) -> bytes:
    """The template with every value cell (column H) of an indicator row filled in."""
    book = load_workbook(BytesIO(content))
    sheet = book["填报"]
    for row in range(5, sheet.max_row + 1):
        if sheet[f"O{row}"].value is not None and str(sheet[f"E{row}"].value).startswith("填本期数值"):
            sheet[f"H{row}"] = value
    out = BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def app(settings: Settings, world: World) -> FastAPI:  # noqa: F811
    # the login route's row has each of the eight kinds of user try a wrong password from one address
    return create_app(settings.model_copy(update={"login_max_failures": 10}))


@pytest.fixture
def session_as(app: FastAPI) -> Iterator[Callable[[str | None], tuple[TestClient, str]]]:
    """A client logged in as `username` (None: anonymous, but with a session and its CSRF token)."""
    made: list[TestClient] = []

    def make(username: str | None) -> tuple[TestClient, str]:
        client = TestClient(app)
        made.append(client)
        token = log_in(client, username) if username else page_csrf(client)
        return client, token

    yield make
    for client in made:
        client.close()


def store_checksum(engine: Engine) -> str:
    """A digest of every row of every table, to show that a refused request changed nothing."""
    meta = MetaData()
    meta.reflect(engine)
    digest = hashlib.sha256()
    with engine.connect() as connection:
        for table in meta.sorted_tables:
            rows = connection.execute(select(table).order_by(*table.primary_key.columns or table.columns))
            digest.update(table.name.encode())
            for row in rows:
                digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


@pytest.fixture
def checksum(engine: Engine) -> Callable[[], str]:
    return lambda: store_checksum(engine)


__all__ = ["PASSWORD", "TODAY"]
