"""Rows that change rarely (plans, periods) remembered per server and handed to a request without a statement.

At the month-end rush every save read its plan and its period, and every submit and return its period and plan:
two statements of a write's eight to ten, ~500 Python calls each, for rows that change a few times a year. A
request whose login read saw generation G (`read_at`) is given them as this server read them at G or later, while
nothing but entries changed since (`readcache.remembered_across_entries`: a plan, period or unit written moves
the counters and is recorded as touching everything). The row is merged into the request's session
(`Session.merge(load=False)`: no statement), so `Session.get` and many-to-one loads then find it there.

From the session's first flush on it reads the store again: what it wrote must never be answered by a row
remembered before. The remembered rows' values are shared: never change a JSON value in place (the ORM would
not see it either: every write of one assigns a new value).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.util import identity_key

from duban.persistence.generation import Generation
from duban.persistence.readcache import Shelf, remembered_across_entries

R = TypeVar("R")
V = TypeVar("V")
KEPT = 4096  # rows and lookups a server keeps per generation (a province's plans and their periods: ~250)
_AT = "duban.read_at"  # session.info: the generation the request read before anything else


def read_at(*, session: Session, at: Generation | None) -> None:
    """Let `session` be given rows remembered at generation `at`, read by its request before anything else."""
    if at is not None:
        session.info[_AT] = at


def read_generation(*, session: Session) -> Generation | None:
    """The generation `read_at` gave the session (None: none, or it has flushed since)."""
    at: Generation | None = session.info.get(_AT)
    return at


def stored_row(*, session: Session, model: type[R], row_id: int) -> R | None:
    """`Session.get(model, row_id)`: the session's own, else remembered (see the module), else read."""
    held: R | None = session.identity_map.get(identity_key(model, row_id))
    if held is not None or _AT not in session.info:
        return held if held is not None else session.get(model, row_id)
    copy = _shelf(session).get((model, row_id), lambda: _detached(session.get(model, row_id)))
    return None if copy is None else session.merge(copy, load=False)


def stored_found(
    *, session: Session, key: Hashable, find: Callable[[], tuple[R, V] | None]
) -> tuple[R, V] | None:
    """`find()`: a row of a plan, a period or a unit and what else it read with it, remembered under `key` as
    `stored_row`'s rows are (the row by its id, the rest as it is); read, the row is the session's own."""
    if _AT not in session.info:
        return find()
    fresh: list[tuple[R, V] | None] = []

    def read() -> tuple[type[R], Any, V] | None:
        found = find()
        fresh.append(found)  # the session holds its rows weakly: this one is handed back as it was read
        return None if found is None else (type(found[0]), inspect(found[0]).identity[0], found[1])

    kept = _shelf(session).get(("lookup", key), read)
    if fresh or kept is None:
        return fresh[0] if fresh else None
    row = stored_row(session=session, model=kept[0], row_id=kept[1])
    return None if row is None else (row, kept[2])


def _shelf(session: Session) -> Shelf:
    return remembered_across_entries(
        session=session, key=("stored rows",), at=session.info[_AT], compute=lambda: Shelf(KEPT)
    )


def _detached(row: R | None) -> R | None:
    """A copy of `row` that belongs to no session, its columns loaded (what `merge(load=False)` takes)."""
    if row is None:
        return None
    mapper: Any = inspect(type(row))
    copy: R = type(row)(**{column.key: getattr(row, column.key) for column in mapper.column_attrs})
    make_transient_to_detached(copy)
    return copy


@event.listens_for(Session, "after_flush")
def _read_again(session: Session, _context: Any) -> None:
    session.info.pop(_AT, None)
