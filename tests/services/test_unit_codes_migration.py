"""Migration 0012 on a store built at 0011 with data: every unit gets a code and a path, nothing is lost."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from duban.persistence.db import make_engine, session_factory
from duban.persistence.migrate import upgrade
from duban.persistence.models import OrgUnitRow, UserRow
from duban.plan.planfile import read_plan_file
from duban.services.plan_loading import save_plan

BACKEND = os.environ.get("DUBAN_TEST_DB", "sqlite")
SEED_PLAN = Path(__file__).resolve().parents[2] / "src" / "duban" / "data" / "plans" / "zhaotong-2026.yaml"
# a store of the previous release: the city with its code, a county and two departments without one
UNITS = [
    (1, "昭通市", "city", None, "530600", 0),
    (2, "昭阳区", "county", 1, None, 1),
    (3, "镇雄县", "county", 1, "530627", 2),
    (4, "市交通运输局", "department", 1, None, 4),
    (5, "市发展改革委", "department", 1, None, 3),
]


@pytest.fixture
def empty_url(tmp_path: Path) -> Iterator[str]:
    """A database with no tables yet (its own, on PostgreSQL)."""
    if BACKEND != "postgres":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    admin_url = os.environ.get("DUBAN_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    name, admin = f"duban_old_{uuid.uuid4().hex[:8]}", make_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _store_at_0011(url: str) -> None:
    upgrade(url, "0011")
    engine = make_engine(url)
    with engine.begin() as connection:
        for row in UNITS:
            connection.execute(
                text("INSERT INTO org_unit (id, name, kind, parent_id, code, position) VALUES (:i, :n, :k, :p, :c, :o)"),
                dict(zip("inkpco", row, strict=True)),
            )  # fmt: skip
        connection.execute(text("INSERT INTO app_user (id, username, password_hash, role, unit_id, active, "
                                "failed_logins, created_at, session_version) VALUES (7, 'zy', 'x', 'reporter', 2, "
                                ":t, 0, CURRENT_TIMESTAMP, 0)"), {"t": True})  # fmt: skip
        if connection.dialect.name == "postgresql":  # ids given by hand: the next one comes after them
            connection.execute(text("SELECT setval('org_unit_id_seq', 10)"))
    engine.dispose()


def test_upgrade_gives_every_unit_a_code_and_a_path_and_keeps_the_rest(empty_url):
    _store_at_0011(empty_url)
    upgrade(empty_url)
    engine = make_engine(empty_url)
    with session_factory(engine)() as session:
        units = {u.name: (u.id, u.code, u.path) for u in session.scalars(select(OrgUnitRow))}
        assert units == {
            "昭通市": (1, "530600", "530600"),
            "昭阳区": (2, "530602", "530600/530602"),  # filled from the table of 行政区划代码
            "镇雄县": (3, "530627", "530600/530627"),
            "市发展改革委": (5, "530600D01", "530600/530600D01"),  # numbered in display order
            "市交通运输局": (4, "530600D02", "530600/530600D02"),
        }
        assert session.get(UserRow, 7).unit.name == "昭阳区"
    engine.dispose()


def test_the_seed_plan_loaded_again_keeps_the_units_and_their_codes(empty_url):
    _store_at_0011(empty_url)
    upgrade(empty_url)
    engine = make_engine(empty_url)
    with session_factory(engine)() as session:
        save_plan(session=session, plan=read_plan_file(SEED_PLAN))
        session.commit()
        units = {u.name: (u.id, u.code) for u in session.scalars(select(OrgUnitRow))}
    engine.dispose()
    assert units["市交通运输局"] == (4, "530600D02") and units["昭阳区"] == (2, "530602")
    assert len(units) == 32 and len({code for _, code in units.values()}) == 32
