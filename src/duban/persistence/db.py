"""Engines and sessions for SQLite and PostgreSQL, and whether a store is at the newest migration.

The migrations themselves run in `duban.persistence.migrate`, the one module that imports alembic: a command
that only checks the store's revision reads alembic's version table itself (alembic's import and its reading
of the migration scripts were 0.2–0.3 s of every command's start).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from duban.persistence import generation  # noqa: F401  (its session events move the generation counters)
from duban.persistence.writers import WriterConnection, before_write, turns_for

__all__ = ["ConcurrentChange", "Engine", "Session", "Sessions", "StoreBusy", "StoreDown", "StoreError"]
# What the web and the CLI need of SQLAlchemy, named here so that they import none of it: they hold a
# session only to hand it to a service, and tell a store that is busy or down from a fault of ours.
Sessions = sessionmaker[Session]
StoreBusy = sa_exc.TimeoutError  # no pooled connection within the wait
StoreDown = (sa_exc.OperationalError, sa_exc.InterfaceError)  # the database cannot be reached
StoreError = sa_exc.SQLAlchemyError
ConcurrentChange = StaleDataError  # a row changed by someone else since it was read

# The revisions of persistence/migrations/versions and the newest of them (the heads), as alembic reads them
# from the scripts; tests/services/test_migrations.py holds both to alembic's script directory.
SHIPPED_REVISIONS = frozenset({"0001", "0002_reporting", "0003", "0004_supervision", "0005", "0006", "0007",
                               "0008", "0009", "0010", "0011", "0012", "0013", "0014", "0015", "0016", "0017",
                               "0018", "0019"})  # fmt: skip
HEADS = frozenset({"0019"})
VERSION_TABLE = "alembic_version"  # alembic's default, which env.py keeps
SQLITE_BUSY_TIMEOUT = 30.0  # seconds a SQLite connection waits for another process's writer

warnings.filterwarnings("ignore", category=sa_exc.SAWarning, message=".*Decimal objects natively.*")


def make_engine(url: str, *, writer_wait: float = SQLITE_BUSY_TIMEOUT, **kwargs: Any) -> Engine:
    """An engine for `url`; SQLite gets WAL, foreign keys, a busy timeout, savepoints that nest and one
    writer per process (`duban.persistence.writers`), whose turn it waits `writer_wait` s for."""
    if url.startswith("sqlite"):
        ensure_sqlite_folder(url)
        connect_args = {"timeout": SQLITE_BUSY_TIMEOUT, "factory": WriterConnection}
        engine = create_engine(url, connect_args=connect_args, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "connect", _writer_turns(make_url(url).database, writer_wait))
        event.listen(engine, "savepoint", _sqlite_savepoint)
        event.listen(engine, "before_cursor_execute", before_write)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def pooled_engine(url: str, *, size: int, overflow: int, timeout: float) -> Engine:
    """An engine whose pool holds `size` connections (`overflow` more in a burst) and waits `timeout` s for one
    (and as long, on SQLite, for its turn to write)."""
    if url.startswith("sqlite") and url.split("///", 1)[-1] in ("", ":memory:"):
        return make_engine(url)  # one in-memory database per connection: no pool to size
    return make_engine(url, writer_wait=timeout, pool_size=size, max_overflow=overflow, pool_timeout=timeout)


def ensure_sqlite_folder(url: str) -> None:
    """The store's folder, and the store file created readable by its owner only (SQLite's own is 0644)."""
    path = make_url(url).database
    if path and path != ":memory:" and not path.startswith("file:"):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _writer_turns(database: str | None, wait: float) -> Any:
    """The `connect` listener that gives each connection to the file `database` its process's writer lock;
    an in-memory database (one per connection) gets none."""

    def share_turns(dbapi_connection: Any, _record: Any) -> None:
        if database and database != ":memory:" and isinstance(dbapi_connection, WriterConnection):
            dbapi_connection.turns = turns_for(database)
            dbapi_connection.wait = wait

    return share_turns


def _sqlite_savepoint(connection: Any, _name: str) -> None:
    """Open the driver's transaction before a savepoint.

    The sqlite3 driver begins its transactions lazily, at the first write; a savepoint taken before
    that starts a transaction of its own, which its RELEASE then commits — outside the session's
    transaction. Reads stay outside a transaction as before, so a request that read first and writes
    later meets optimistic version checks, not SQLite's stale-snapshot error. The BEGIN (deferred) takes
    no lock: the process's writer turn is taken before the first statement inside (`writers.before_write`).
    """
    dbapi_connection = connection.connection.dbapi_connection
    if not dbapi_connection.in_transaction:
        dbapi_connection.execute("BEGIN")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error."""
    with factory() as session, session.begin():
        yield session


def at_head(engine: Engine) -> bool:
    """Whether the store's schema is at the newest migration."""
    return store_revisions(engine) == HEADS


def store_revisions(engine: Engine) -> set[str]:
    """The migrations the store is at, as alembic records them (none for a new store)."""
    with engine.connect() as connection:
        if not inspect(connection).has_table(VERSION_TABLE):
            return set()
        return set(connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars())


class StoreState(StrEnum):
    """What a command finds at the store's URL before it uses it."""

    READY = "ready"
    MISSING = "missing"  # a SQLite file that is not there (or empty)
    UNREACHABLE = "unreachable"
    EMPTY = "empty"  # no migration ran yet
    BEHIND = "behind"
    AHEAD = "ahead"  # migrated by a newer release


def missing_sqlite_file(url: str) -> bool:
    """Whether `url` names a SQLite file that is not there yet (or is empty): nothing to read from."""
    if not url.startswith("sqlite"):
        return False
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return False
    path = Path(database)
    return not path.exists() or path.stat().st_size == 0


def schema_state(engine: Engine) -> StoreState:
    """Whether the store answers and is at the newest migration this duban ships."""
    try:
        current = store_revisions(engine)
    except sa_exc.DBAPIError:
        return StoreState.UNREACHABLE
    if not current:
        return StoreState.EMPTY
    if current == HEADS:
        return StoreState.READY
    return StoreState.AHEAD if current - SHIPPED_REVISIONS else StoreState.BEHIND


# Words of the databases' own messages that mean the tables are not there (yet).
_MISSING_TABLE = ("no such table", "no such column", "does not exist", "undefinedtable", "undefinedcolumn")


def store_fault(exc: BaseException) -> StoreState | None:
    """What a database error says of the store (behind its migrations, unreachable), or None."""
    text = str(getattr(exc, "orig", exc)).lower()
    if isinstance(exc, sa_exc.DBAPIError) and any(words in text for words in _MISSING_TABLE):
        return StoreState.BEHIND
    if isinstance(exc, StoreDown) or (isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated):
        return StoreState.UNREACHABLE
    return None


def bad_url(exc: BaseException) -> bool:
    """Whether the error is a database URL that cannot be used (malformed, unknown driver)."""
    return isinstance(exc, sa_exc.ArgumentError | sa_exc.NoSuchModuleError)


def safe_url(url: str) -> str:
    """The URL with its password hidden, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparsable URL: the message names the setting instead
        return "DUBAN_DATABASE_URL"
