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


def stored_row(*, session: Session, model: type[R], row_id: int) -> R | None:
    """`Session.get(model, row_id)`: the session's own, else remembered (see the module), else read."""
    held: R | None = session.identity_map.get(identity_key(model, row_id))
    if held is not None or _AT not in session.info:
        return held if held is not None else session.get(model, row_id)
    copy = _shelf(session).get((model, row_id), lambda: _detached(session.get(model, row_id)))
    return None if copy is None else session.merge(copy, load=False)


def stored_lookup(*, session: Session, key: Hashable, find: Callable[[], V]) -> V:
    """`find()`: what it reads of plans, periods or units (ids, names: never a row), remembered as their rows are."""
    if _AT not in session.info:
        return find()
    return _shelf(session).get(("lookup", key), find)


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
