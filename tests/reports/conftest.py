"""One demo store for the report tests: the 昭通 2026 plan with demo progress from the fixed seed.

Built once per test session (the demo takes a while) in its own SQLite file; tests only read it.
Demo figures are generated as on 2026-11-26, so months 1..11 exist and month 11 is the newest.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from duban.choices import Role
from duban.cli import default_plan_path
from duban.demo import generate_demo_ledger, generate_demo_progress
from duban.persistence.db import make_engine, session_factory, transaction
from duban.persistence.migrate import upgrade
from duban.plan.planfile import read_plan_file
from duban.reports.model import Bulletin
from duban.reports.service import bulletin_for
from duban.services.overview import Overview, period_overview
from duban.services.plan_loading import save_plan
from duban.services.plans import find_plan
from duban.services.users import add_user

DEMO_TODAY = date(2026, 11, 26)
REPORT_DAY = date(2026, 11, 27)  # after the 25th: units still missing month 11 are late
PASSWORD = "correct horse battery"
OPEN_ITEM = "督办单DB-2026-007(办理中)"


@pytest.fixture(scope="session")
def demo_url(migrated_template: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite store holding the default plan, eleven months of demo figures and four accounts."""
    path = tmp_path_factory.mktemp("demo") / "duban.db"
    url = f"sqlite:///{path}"
    if migrated_template.startswith("sqlite:///"):
        shutil.copyfile(migrated_template.removeprefix("sqlite:///"), path)
    else:
        upgrade(url)
    plan = read_plan_file(default_plan_path())
    engine = make_engine(url)
    with transaction(session_factory(engine)) as session:
        row = save_plan(session=session, plan=plan)
        generate_demo_progress(session=session, plan_row=row, plan=plan, today=DEMO_TODAY)
        generate_demo_ledger(session=session, plan_row=row, today=DEMO_TODAY)
        _accounts(session)
    engine.dispose()
    return url


def _accounts(session: Session) -> None:
    add_user(session=session, username="admin", password=PASSWORD, role=Role.ADMIN)
    add_user(session=session, username="leader", password=PASSWORD, role=Role.LEADER)
    add_user(session=session, username="zhenxiong", password=PASSWORD, role=Role.REPORTER, unit="镇雄县")
    add_user(session=session, username="fgw", password=PASSWORD, role=Role.REPORTER, unit="市发展改革委")


@pytest.fixture(scope="session")
def demo_sessions(demo_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(demo_url)
    yield session_factory(engine)
    engine.dispose()


def overview_of(sessions: sessionmaker[Session], month: int) -> Overview:
    with sessions() as session:
        plan_row = find_plan(session=session, year=2026)
        assert plan_row is not None
        return period_overview(session=session, plan_row=plan_row, month=month, today=REPORT_DAY)


@pytest.fixture(scope="session")
def october(demo_sessions: sessionmaker[Session]) -> Overview:
    """The overview the October bulletins are checked against."""
    return overview_of(demo_sessions, 10)


@pytest.fixture(scope="session")
def september(demo_sessions: sessionmaker[Session]) -> Overview:
    return overview_of(demo_sessions, 9)


@pytest.fixture(scope="session")
def november(demo_sessions: sessionmaker[Session]) -> Overview:
    return overview_of(demo_sessions, 11)


@pytest.fixture(scope="session")
def open_item_id(october: Overview) -> str:
    """The second furthest-behind indicator carries an open 督办 item in the October bulletin."""
    return october.lagging()[1].indicator.id


@pytest.fixture(scope="session")
def city_october(demo_sessions: sessionmaker[Session], open_item_id: str) -> Bulletin:
    """The city bulletin for 1—10月 2026."""
    with demo_sessions() as session:
        return bulletin_for(session=session, period="2026-10", today=REPORT_DAY,
                            open_items={open_item_id: OPEN_ITEM})  # fmt: skip


@pytest.fixture(scope="session")
def city_november(demo_sessions: sessionmaker[Session]) -> Bulletin:
    with demo_sessions() as session:
        return bulletin_for(session=session, period="2026-11", today=REPORT_DAY)


@pytest.fixture(scope="session")
def zhenxiong_october(demo_sessions: sessionmaker[Session]) -> Bulletin:
    with demo_sessions() as session:
        return bulletin_for(session=session, period="2026-10", unit="镇雄县", today=REPORT_DAY)


@pytest.fixture(scope="session")
def out_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("bulletins")
