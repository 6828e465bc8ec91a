"""With DUBAN_READONLY_DATABASE_URL set, read-only pages read the replica and everything else the primary.

The "replica" here is a second, separately migrated store whose plan carries other names, so every
page shows which database it read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from builders import OFFICE, make_indicator, make_plan
from duban.choices import Role
from duban.persistence.db import make_engine, session_factory, transaction
from duban.persistence.migrate import upgrade
from duban.persistence.models import AuditRow, IndicatorRow, OrgUnitRow
from duban.plan.model import Breakdown
from duban.services.entries import approve, record_value, submit
from duban.services.periods import ensure_periods
from duban.services.plan_loading import save_plan
from duban.services.users import add_user
from duban.settings import Settings
from duban.web.app import READ_ONLY_PAGES, create_app

PASSWORD = "replica test password"
PRIMARY, REPLICA = "主库里程", "副本里程"


def _fill(url: str, name: str, *, with_june: bool) -> None:
    """The plan (its indicator called `name`) and an admin; June's figure only where asked."""
    engine = make_engine(url)
    with transaction(session_factory(engine)) as session:
        roads = make_indicator(
            name=name, breakdown=Breakdown(targets={"镇雄县": Decimal(740), "昭阳区": Decimal(500)})
        )
        row = save_plan(session=session, plan=make_plan(indicators=[roads]))
        periods = ensure_periods(session=session, plan=row, cutoff_day=25, combine_jan_feb=False)
        add_user(session=session, username="admin", password=PASSWORD, role=Role.ADMIN)
        if with_june:
            unit = session.scalar(select(OrgUnitRow.id).where(OrgUnitRow.name == "镇雄县"))
            ind = session.scalar(select(IndicatorRow.id))
            entry = record_value(session=session, indicator_id=ind, unit_id=unit, period_id=periods[5].id,
                                 user_id=None, value=Decimal(300))  # fmt: skip
            submit(session=session, entry=entry, writer=OFFICE)
            approve(session=session, entry=entry, writer=OFFICE)
    engine.dispose()


@pytest.fixture
def replica_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'replica' / 'duban.db'}"
    upgrade(url)
    return url


@pytest.fixture
def client(
    db_url: str, replica_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TestClient]:
    from argon2 import PasswordHasher

    import duban.services.users

    monkeypatch.setattr(
        duban.services.users, "_hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    )
    _fill(db_url, PRIMARY, with_june=False)
    _fill(replica_url, REPLICA, with_june=True)
    settings = Settings(database_url=db_url, readonly_database_url=replica_url, data_dir=tmp_path / "data",
                        secret_key="replica-test", today="2026-07-10")  # fmt: skip
    with TestClient(create_app(settings)) as client:
        token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/login").text).group(1)  # type: ignore[union-attr]
        login = {"username": "admin", "password": PASSWORD, "csrf_token": token}
        assert client.post("/login", data=login, follow_redirects=False).status_code == 303
        yield client


@pytest.mark.parametrize("path", ["/", "/indicators", "/indicators/L02-1", "/counties/镇雄县", "/map"])
def test_read_only_pages_read_the_replica(client: TestClient, path: str) -> None:
    page = client.get(path)
    assert page.status_code == 200, page.text
    assert REPLICA in page.text
    assert PRIMARY not in page.text


def test_reports_read_the_replica(client: TestClient) -> None:
    assert "2026-06" in client.get("/reports").text  # only the replica has June's figure
    assert client.get("/reports/2026-06.xlsx").status_code == 200


def test_pages_that_write_use_the_primary(client: TestClient, db_url: str, replica_url: str) -> None:
    page = client.get("/plan")
    assert PRIMARY in page.text and REPLICA not in page.text
    logins = {url: _logins(url) for url in (db_url, replica_url)}
    assert logins == {db_url: 1, replica_url: 0}


def _logins(url: str) -> int:
    engine = make_engine(url)
    with engine.connect() as connection:
        count = len(connection.execute(select(AuditRow.id).where(AuditRow.action == "user.login")).all())
    engine.dispose()
    return count


@pytest.mark.parametrize(
    ("path", "read_only"),
    [
        ("/", True),
        ("/map", True),
        ("/map/data", True),
        ("/indicators/A-03", True),
        ("/counties", True),
        ("/reports/2026-06.docx", True),
        ("/entry", False),
        ("/review", False),
        ("/plan", False),
        ("/supervision/inbox", False),
        ("/indicators/A-03/edit", False),
        ("/mapx", False),
    ],
)
def test_which_pages_count_as_read_only(path: str, read_only: bool) -> None:
    assert bool(READ_ONLY_PAGES.fullmatch(path)) is read_only
