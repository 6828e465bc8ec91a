"""One writer per process on SQLite: threads saving at once all succeed, one connection inside a write at
a time, the turns handed out in the order asked."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from sqlalchemy import Engine, event, text
from sqlalchemy.engine import make_url

from conftest import BACKEND
from duban.persistence.db import pooled_engine, session_factory
from duban.persistence.writers import Turns, turns_for
from services.test_entries import make_world

pytestmark = pytest.mark.skipif(BACKEND != "sqlite", reason="SQLite's single writer")
UNITS = {"镇雄县": "zhenxiong", "昭阳区": "zhaoyang"}
FIGURES = {
    "L02-1": lambda n: {"value": f"{300 + n}"},
    "L03-1": lambda n: {"numerator": f"{30 + n}", "denominator": "48"},
}


class Inside:
    """The most connections of `engine` seen inside a transaction at once (read after each statement), but
    those whose transaction ran no statement yet besides its savepoints (a deferred BEGIN takes no lock)."""

    def __init__(self, engine: Engine) -> None:
        self.connections: list[Any] = []
        self.started: set[Any] = set()
        self.most = 0
        self._guard = threading.Lock()
        event.listen(
            engine, "connect", lambda dbapi_connection, _record: self.connections.append(dbapi_connection)
        )
        event.listen(engine, "after_cursor_execute", self.count)

    def count(self, conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        with self._guard:
            if not statement.startswith(("SAVEPOINT", "RELEASE")):
                self.started.add(conn.connection.dbapi_connection)
            self.started = {c for c in self.started if c.in_transaction}
            self.most = max(self.most, len(self.started))
        if statement.startswith("UPDATE entry"):
            time.sleep(0.02)  # a write that takes a while: the others come while it holds SQLite's lock


def test_threads_saving_at_once_all_succeed_with_one_connection_inside_a_write(db_url: str) -> None:
    engine = pooled_engine(db_url, size=8, overflow=0, timeout=30)
    factory = session_factory(engine)
    with factory() as session, session.begin():
        world = make_world(session)
    inside, errors = Inside(engine), []
    start = threading.Barrier(len(UNITS) * len(FIGURES))

    def save_rounds(unit: str, code: str) -> None:
        try:
            start.wait()
            for n in range(5):
                with factory() as session, session.begin():
                    saved = world.save(session, code, unit=unit, who=UNITS[unit], note="按计划推进",
                                       confirmed=True, **FIGURES[code](n))  # fmt: skip
                    assert saved.version == n + 1
        except Exception as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=save_rounds, args=(u, c)) for u in UNITS for c in FIGURES]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    engine.dispose()
    assert errors == []
    assert inside.most == 1


def test_turns_are_handed_out_in_the_order_asked() -> None:
    turns, order = Turns(), []
    assert turns.acquire(1)
    waiting = []
    for n in range(5):
        thread = threading.Thread(target=lambda n=n: turns.acquire(5) and (order.append(n), turns.release()))
        thread.start()
        waiting.append(thread)
        time.sleep(0.02)  # the next asks after this one
    turns.release()
    for thread in waiting:
        thread.join(timeout=10)
    assert order == [0, 1, 2, 3, 4]


def test_a_wait_past_the_timeout_gives_up_and_leaves_the_lock_to_the_others() -> None:
    turns = Turns()
    assert turns.acquire(1)
    assert turns.acquire(0.05) is False
    turns.release()
    assert turns.acquire(0.05)  # the one that gave up is not handed the lock


def _turns(db_url: str) -> Turns:
    return turns_for(make_url(db_url).database or "")


def _free(turns: Turns) -> bool:
    """Whether the process's writer turn is free now (taken and given back at once if so)."""
    if not turns.acquire(0.01):
        return False
    turns.release()
    return True


def test_a_savepoint_takes_the_turn_at_its_first_statement_not_before(db_url: str) -> None:
    engine = pooled_engine(db_url, size=2, overflow=0, timeout=5)
    turns = _turns(db_url)
    with session_factory(engine)() as session:
        session.execute(text("SELECT 1"))  # a read outside a transaction, as a request's first
        nested = session.begin_nested()
        assert session.connection().connection.dbapi_connection.in_transaction
        assert _free(turns)  # the SAVEPOINT and the Python before the first write hold no one up
        session.execute(text("SELECT count(*) FROM entry"))
        assert not _free(turns)  # a read pins the snapshot the writes will need: the turn first
        nested.rollback()
        assert not _free(turns)
        session.rollback()
    assert _free(turns)
    engine.dispose()


def test_a_read_inside_a_savepoint_keeps_its_snapshot_fit_to_write(db_url: str) -> None:
    engine = pooled_engine(db_url, size=2, overflow=0, timeout=5)
    factory = session_factory(engine)
    with factory() as session, session.begin():
        session.execute(text("CREATE TABLE scratch (n INTEGER)"))
    other, errors = threading.Event(), []

    def write_meanwhile() -> None:
        try:
            with factory() as session, session.begin():
                session.execute(text("INSERT INTO scratch VALUES (1)"))
                other.set()
        except Exception as error:  # reported below
            errors.append(error)

    with factory() as session, session.begin():
        session.begin_nested()
        session.execute(text("SELECT count(*) FROM scratch"))  # the snapshot
        writer = threading.Thread(target=write_meanwhile)
        writer.start()
        assert not other.wait(0.2)  # the other waits for the turn, so the snapshot stays current
        session.execute(text("INSERT INTO scratch VALUES (2)"))
    writer.join(timeout=10)
    assert errors == []
    with factory() as session:
        assert session.scalar(text("SELECT count(*) FROM scratch")) == 2
    engine.dispose()
