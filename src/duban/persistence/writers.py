"""One writer per process on SQLite, the others waiting in turn.

SQLite lets one connection write at a time; the others wait in its busy handler, which sleeps and polls
and is not fair: a writer that came last may win over one that has waited for seconds (the month-end
rush's long tails, and the 503s of those that wait past the timeout). So a connection takes its process's
lock (`Turns`, first come first served) before its transaction's first write, and gives it back when
the transaction ends: at most one connection of a process polls SQLite's lock, against the one writer of
each other process. The lock is taken before the transaction's first statement: the driver's implicit
BEGIN before the first INSERT, UPDATE or DELETE; in a transaction begun for a savepoint (`db`), the first
statement after the SAVEPOINT, read or write (a read before the turn would pin a snapshot that another
writer of the process could make stale, and SQLite refuses a stale snapshot's write at once). The
SAVEPOINT itself and everything Python does before the first statement inside it (a save's flush
building its UPDATE) happen before the turn: every other writer of the process waits for the turn's
holder, whose every step among twenty request threads waits for the GIL. The lock is given back by the
driver's commit, rollback or close. PostgreSQL is untouched.
"""

from __future__ import annotations

import re
import sqlite3
import sys
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import exc as sa_exc

_WRITES = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)  # the driver's implicit BEGIN
_SAVEPOINTS = re.compile(r"\s*(SAVEPOINT|RELEASE|ROLLBACK\s+TO)\b", re.IGNORECASE)  # read and write nothing
_LOCKS: dict[str, Turns] = {}
_LOCKS_GUARD = threading.Lock()
SWITCH_INTERVAL = (
    0.0005  # s: how long a thread woken to write waits at most for the GIL (Python's default: 5 ms)
)


class WriterBusy(sa_exc.TimeoutError):
    """The process's writer lock did not come free within the wait (answered like a pool without connection)."""


class Turns:
    """A lock handed to its waiters in the order they came (`threading.Lock` wakes any of them)."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._waiting: deque[threading.Lock] = deque()
        self._held = False

    def acquire(self, timeout: float) -> bool:
        """Take the lock within `timeout` seconds; False if it did not come free."""
        with self._guard:
            if not self._held:
                self._held = True
                return True
            turn = threading.Lock()
            turn.acquire()
            self._waiting.append(turn)
        if turn.acquire(timeout=timeout):
            return True
        with self._guard:
            if turn in self._waiting:
                self._waiting.remove(turn)
                return False
        return True  # handed over just as the wait ended: ours now

    def release(self) -> None:
        """Hand the lock to the longest waiting, or leave it free."""
        with self._guard:
            if self._waiting:
                self._waiting.popleft().release()
            else:
                self._held = False


def turns_for(database: str) -> Turns:
    """The process's lock for the SQLite file `database` (one per file however it is named, made at its first use)."""
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(str(Path(database).resolve()), Turns())


class WriterConnection(sqlite3.Connection):
    """A sqlite3 connection that holds its process's writer lock for as long as a transaction of it runs."""

    turns: Turns | None = None
    wait = 30.0
    _writing = False

    def take_turn(self) -> None:
        """Wait for the writer lock before this connection's transaction begins (StoreBusy after `wait` s)."""
        if self.turns is None or self._writing:
            return
        if not self.turns.acquire(self.wait):
            raise WriterBusy(f"no turn to write within {self.wait:g} s")
        self._writing = True

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._end_turn()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._end_turn()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._end_turn()

    def _end_turn(self) -> None:
        if self._writing and not self._in_transaction_safe():
            self._writing = False
            assert self.turns is not None
            self.turns.release()

    def _in_transaction_safe(self) -> bool:
        try:
            return self.in_transaction
        except sqlite3.ProgrammingError:  # closed
            return False


@contextmanager
def quick_hand_over() -> Iterator[None]:
    """Threads ask each other for the GIL every `SWITCH_INTERVAL` meanwhile, not every 5 ms.

    A thread handed the writer's turn, and one whose statement returned while it holds the turn, waits for
    the GIL until the running thread gives it up: up to a switch interval each time. With twenty request
    threads busy in a server process the turn's holder waited that long at every hand-over, and the
    writes of the whole store queued behind it: 20 threads writing in one process (`/tmp` test, load 33-41
    on 2 cores, three pairs) did 45-64 transactions/s at 5 ms and 90-136 at 0.5 ms.
    """
    before = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def before_write(
    conn: Any, _cursor: Any, statement: str, _parameters: Any, _context: Any, _many: bool
) -> None:
    """The engine's `before_cursor_execute`: the turn before a write that makes the driver begin a transaction,
    and before the first statement but a savepoint's own in a transaction begun for a savepoint."""
    dbapi_connection = conn.connection.dbapi_connection
    if (
        isinstance(dbapi_connection, WriterConnection)
        and dbapi_connection.isolation_level is not None  # the driver begins transactions itself
        and not _SAVEPOINTS.match(statement)
        and (dbapi_connection.in_transaction or _WRITES.match(statement))
    ):
        dbapi_connection.take_turn()


__all__ = ["Turns", "WriterBusy", "WriterConnection", "before_write", "quick_hand_over", "turns_for"]
