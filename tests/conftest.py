"""Test databases built with the migrations, on SQLite or PostgreSQL (DUBAN_TEST_DB=postgres)."""

from __future__ import annotations

import os
import secrets
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from duban.persistence import readcache
from duban.persistence.db import make_engine, pooled_engine, session_factory
from duban.persistence.migrate import upgrade

BACKEND = os.environ.get("DUBAN_TEST_DB", "sqlite")
REPO = Path(__file__).resolve().parents[1]
SEED = REPO.parent / "shared" / "seed"


def pytest_report_header() -> str:
    return f"duban store backend: {BACKEND}"


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A store at the newest migration: a SQLite file to copy, or a PostgreSQL database to truncate."""
    if BACKEND == "postgres":
        yield from _postgres_database()
        return
    url = f"sqlite:///{tmp_path_factory.mktemp('template') / 'duban.db'}"
    upgrade(url)
    yield url


def _postgres_database() -> Iterator[str]:
    admin_url = os.environ.get("DUBAN_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    name = f"duban_test_{uuid.uuid4().hex[:8]}"
    admin = make_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def db_url(migrated_template: str, tmp_path: Path) -> str:
    """A fresh, empty, migrated store for one test."""
    # what a server remembered of the last test's store is not this one's: on PostgreSQL the URL is the
    # same, and values filed under that store's random counters (perhaps higher than this one's) would stop
    # this store's values being refreshed (CI once saw no entry-states refresh in a whole test)
    readcache.forget()
    if BACKEND == "postgres":
        _truncate_all(migrated_template)
        return migrated_template
    target = tmp_path / "duban.db"
    shutil.copyfile(migrated_template.removeprefix("sqlite:///"), target)
    return f"sqlite:///{target}"


def _truncate_all(url: str) -> None:
    """Empty every table the migrations made (not alembic_version)."""
    engine = make_engine(url)
    with engine.begin() as connection:
        names = inspect(connection).get_table_names()
        tables = ", ".join(f'"{name}"' for name in names if name != "alembic_version")
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        # a new random generation, as a new store gets: remembered read models of the last test are not this one's
        # and, as the migration does, the record of what each move touched complete from there on
        connection.execute(text("INSERT INTO generation (name, value) VALUES ('figures', :f), ('states', :s), "
                                "('touched.figures', :f), ('touched.states', :s)"),
                           {"f": secrets.randbits(40), "s": secrets.randbits(40)})  # fmt: skip
    engine.dispose()


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    return session_factory(engine)


@pytest.fixture
def session(factory: sessionmaker[Session]) -> Iterator[Session]:
    with factory() as session:
        yield session
        session.rollback()


@pytest.fixture(autouse=True)
def _apps_close_their_pools(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every app a test makes gets its pools closed after the test, lifespan or not (a TestClient used
    without `with` never shuts its app down): PostgreSQL would otherwise run out of connections."""
    import duban.web.app as web_app

    made: list[Engine] = []

    def pooled(url: str, **kwargs: Any) -> Engine:
        engine = pooled_engine(url, **kwargs)
        made.append(engine)
        return engine

    monkeypatch.setattr(web_app, "pooled_engine", pooled)
    yield
    for engine in made:
        engine.dispose()
