"""One writer per process on SQLite: threads saving at once all succeed, one connection inside a write at
a time, the turns handed out in the order asked."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from sqlalchemy import Engine, event

from conftest import BACKEND
from duban.persistence.db import pooled_engine, session_factory
from duban.persistence.writers import Turns
from services.test_entries import make_world

pytestmark = pytest.mark.skipif(BACKEND != "sqlite", reason="SQLite's single writer")
UNITS = {"镇雄县": "zhenxiong", "昭阳区": "zhaoyang"}
FIGURES = {
    "L02-1": lambda n: {"value": f"{300 + n}"},
    "L03-1": lambda n: {"numerator": f"{30 + n}", "denominator": "48"},
}


class Inside:
    """The most connections of `engine` seen inside a transaction at once (read after each statement)."""

    def __init__(self, engine: Engine) -> None:
        self.connections: list[Any] = []
        self.most = 0
        self._guard = threading.Lock()
        event.listen(
            engine, "connect", lambda dbapi_connection, _record: self.connections.append(dbapi_connection)
        )
        event.listen(engine, "after_cursor_execute", self.count)

    def count(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        with self._guard:
            self.most = max(self.most, sum(1 for c in self.connections if c.in_transaction))
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
