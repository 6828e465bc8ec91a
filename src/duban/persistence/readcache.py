"""Read models remembered per generation: a judged period is computed once per change, not per request.

Twenty leaders on the dashboard during the month-end rush ask for the same judged period; each
server computes it once per generation (`store.generation`) and hands the same object to all of them,
while the others wait for it instead of computing it again. The objects handed out are shared:
callers must not change them (copy first, as `dataclasses.replace` does).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.orm import Session

from duban.persistence.generation import CHANGES, Generation, current

T = TypeVar("T")
CAPACITY = 64  # judged periods kept per server: months × bases × pages, with room for a second plan

_values: OrderedDict[Hashable, Any] = OrderedDict()
_guard = threading.Lock()
_computing: dict[Hashable, threading.Lock] = {}
_local = threading.local()


def remembered(
    *,
    session: Session,
    key: Hashable,
    compute: Callable[[], T],
    at: Generation | None = None,
    states: bool = True,
) -> T:
    """`compute()`'s value for `key` at the store's current generation, computed at most once per server.

    Given `at` (read by the caller before it read anything `compute` uses), that generation is used:
    values derived from one remembered value are filed under the generation it was filed under.
    With `states` False the value depends on figures only and is kept across changes of reporting state.
    """
    if (
        getattr(_local, "bypass", False)
        or session.info.get(CHANGES)
        or session.new
        or session.dirty
        or session.deleted
    ):
        return compute()  # this transaction's own changes are not the store's: never remember them
    generation = at or current(session=session)
    if not generation.known:
        return compute()
    moved_by = generation if states else generation.figures
    full = (session.get_bind().engine.url.render_as_string(), key, moved_by)
    with _guard:
        if full in _values:
            _values.move_to_end(full)
            return _values[full]
        lock = _computing.setdefault(full, threading.Lock())
    with lock:
        with _guard:
            if full in _values:
                return _values[full]
        try:
            value = compute()
        finally:
            with _guard:
                _computing.pop(full, None)
        with _guard:
            _values[full] = value
            while len(_values) > CAPACITY:
                _values.popitem(last=False)
        return value


@contextmanager
def bypassed() -> Iterator[None]:
    """Within the block, this thread computes every value afresh and remembers nothing (a check against the cache)."""
    _local.bypass = True
    try:
        yield
    finally:
        _local.bypass = False


def forget() -> None:
    """Drop every remembered value (a test that replaces the store under a running app)."""
    with _guard:
        _values.clear()


_TRANSACTION_MEMO = "duban.transaction_memo"


def within_transaction(*, session: Session, key: Hashable, compute: Callable[[], T]) -> T:
    """`compute()`'s value for `key`, kept until this session's next flush, commit or rollback.

    For what one request reads twice (a dashboard's ledger panel and the indicators the ledger feeds;
    a bulletin's month and the month before) when it is not worth a place in the per-server cache.
    """
    memo: dict[Hashable, Any] = session.info.setdefault(_TRANSACTION_MEMO, {})
    if key not in memo:
        memo[key] = compute()
    value: T = memo[key]
    return value


@event.listens_for(Session, "after_flush")
@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _forget_transaction_memo(session: Session, *_args: Any) -> None:
    session.info.pop(_TRANSACTION_MEMO, None)
