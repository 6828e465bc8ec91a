"""Read models remembered per generation: a judged period is computed once per change, not per request.

Twenty leaders on the dashboard during the month-end rush ask for the same judged period; each
server computes it once per generation (`store.generation`) and hands the same object to all of them,
while the others wait for it instead of computing it again. The objects handed out are shared:
callers must not change them (copy first, as `dataclasses.replace` does).

Reporting states move many times a second during the month-end rush (every save of a returned figure,
every submit and return), so a page that shows them would be computed for nearly every request. Such a
page may ask to lag: while one thread computes it for the newest `states` generation, the others are
given the value last computed at the same `figures` generation at once. A submitted figure then shows as
待审核 one computation late (a single request after the submit sees it at once: nobody else computes);
an approved figure moves `figures` and is never shown late.

A value may also be brought up to date rather than computed anew: given `refresh`, the value last
computed for the key at an older generation is handed to it with that generation, and what it returns
(a new object: the old one is still being read) is kept; when it returns None the value is computed.
"""

from __future__ import annotations

import threading
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.orm import Session

from duban.persistence.generation import CHANGES, PINNED, Generation, current, touched_since

T = TypeVar("T")
# values of one kind kept per server (judged periods: months × bases × pages, and a second plan)
CAPACITY = 64

# per kind of key (its first part), least recently used first: values of one unit each (a reporter's to-do)
# never push a judged period out
_values: defaultdict[str, OrderedDict[Hashable, Any]] = defaultdict(OrderedDict)
_guard = threading.Lock()
_computing: dict[Hashable, threading.Lock] = {}
# per kind of key, then per key: the newest value computed
_latest: defaultdict[str, OrderedDict[Hashable, tuple[Generation, Any]]] = defaultdict(OrderedDict)
_busy: dict[Hashable, int] = {}  # per key: how many threads are computing it (at any generation)
_local = threading.local()
_computations: Counter[str] = Counter()  # per kind of key (its first part): values computed by this process
_LAGGED = "duban.lagged"  # session.info: a lagging value was handed out in this session


def remembered(
    *,
    session: Session,
    key: Hashable,
    compute: Callable[[], T],
    at: Generation | None = None,
    states: bool = True,
    lag_states: bool = False,
    refresh: Callable[[Generation, T], T | None] | None = None,
) -> T:
    """`compute()`'s value for `key` at the store's current generation, computed at most once per server.

    Given `at` (read by the caller before it read anything `compute` uses), that generation is used:
    values derived from one remembered value are filed under the generation it was filed under (within
    `compute` the session is pinned to it: what `compute` remembers is filed under it without a read of its own).
    With `states` False the value depends on figures only and is kept across changes of reporting state.
    With `lag_states`, while another thread computes `key`, the value last computed at the same `figures`
    generation is given at once (never within a computation: what is derived is filed under its own generation).
    With `refresh`, `refresh(older generation, value then)` is asked first (see the module's note).
    """
    if (
        getattr(_local, "bypass", False)
        or session.info.get(CHANGES)
        or session.new
        or session.dirty
        or session.deleted
    ):
        return compute()  # this transaction's own changes are not the store's: never remember them
    generation = at or session.info.get(PINNED) or current(session=session)
    if not generation.known:
        return compute()
    short = (session.get_bind().engine.url.render_as_string(), key)
    full = (*short, generation if states else generation.figures)
    kind = _kind(key)
    with _guard:
        values, latest = _values[kind], _latest[kind]
        if full in values:
            values.move_to_end(full)
            return values[full]
        if lag_states and states and not getattr(_local, "depth", 0):
            lagging = _lagging(latest, short, generation)
            if lagging is not None:
                session.info[_LAGGED] = True
                return lagging[1]
        lock = _computing.setdefault(full, threading.Lock())
    with lock:
        with _guard:
            if full in values:
                return values[full]
            _busy[short] = _busy.get(short, 0) + 1
            older = _older(latest, short, generation) if refresh else None
        try:
            value = _computed(_refreshing(compute, refresh, older), session=session, pinned=generation)
        finally:
            with _guard:
                _computing.pop(full, None)
                _busy[short] -= 1
                if not _busy[short]:
                    del _busy[short]
        with _guard:
            _computations[kind] += 1
            _keep(values, full, value)
            _drop_superseded(values, short, full[-1])
            newest = latest.get(short)
            if newest is None or newest[0] <= generation:
                _keep(latest, short, (generation, value))
        return value


def remembered_across_entries(
    *, session: Session, key: Hashable, compute: Callable[[], T], at: Generation | None = None
) -> T:
    """`compute()`'s value for what no entry changes (the plan's areas and tasks): remembered per `figures`
    generation, and kept as it is across writes that touched entries alone (`at`: as `remembered`'s)."""

    def kept(since: Generation, value: T) -> T | None:
        return value if touched_since(session=session, since=since, states=False) is not None else None

    return remembered(session=session, key=key, states=False, compute=compute, refresh=kept, at=at)


class Shelf:
    """Values of one remembered key filled as requests ask (`get`), the `capacity` asked last kept: one place in
    the cache for many small values (a plan's indicators as each unit's save reads them), which one place each
    would take from the judged periods."""

    def __init__(self, capacity: int) -> None:
        self._kept: OrderedDict[Hashable, Any] = OrderedDict()
        self._capacity = capacity
        self._guard = threading.Lock()

    def get(self, key: Hashable, read: Callable[[], T]) -> T:
        """The value of `key`, read once."""
        with self._guard:
            if key in self._kept:
                self._kept.move_to_end(key)
                value: T = self._kept[key]
                return value
        found = read()
        with self._guard:
            self._kept[key] = found
            if len(self._kept) > self._capacity:
                self._kept.popitem(last=False)
        return found


def computations() -> dict[str, int]:
    """Per kind of key ("summary", "judged period", …): how many values this process computed and kept."""
    with _guard:
        return dict(_computations)


def lagged(*, session: Session) -> bool:
    """Whether this session was given a lagging value (a page made of it must not be kept as current)."""
    return bool(session.info.get(_LAGGED))


def _kind(key: Hashable) -> str:
    """The kind of a key: its first part ("judged period", "summary", …)."""
    return str(key[0] if isinstance(key, tuple) else key)


def _lagging(
    latest: OrderedDict[Hashable, tuple[Generation, Any]], short: Hashable, generation: Generation
) -> tuple[Generation, Any] | None:
    """The value last computed for `short` at `generation`'s figures, if another thread is computing it anew."""
    newest = latest.get(short)
    if newest is None or not _busy.get(short) or newest[0].figures != generation.figures:
        return None
    return newest


def _older(
    latest: OrderedDict[Hashable, tuple[Generation, Any]], short: Hashable, generation: Generation
) -> tuple[Generation, Any] | None:
    """The value last computed for `short`, if it was computed at a generation before `generation`."""
    newest = latest.get(short)
    if newest is None:
        return None
    then = newest[0]
    before = then.figures <= generation.figures and then.states <= generation.states and then != generation
    return newest if before else None


def _refreshing(
    compute: Callable[[], T], refresh: Callable[[Generation, T], T | None] | None,
    older: tuple[Generation, Any] | None,
) -> Callable[[], T]:  # fmt: skip
    """`compute`, or first `refresh` of the older value when there is one."""
    if refresh is None or older is None:
        return compute

    def refreshed() -> T:
        value = refresh(*older)
        return compute() if value is None else value

    return refreshed


def _computed(compute: Callable[[], T], *, session: Session, pinned: Generation) -> T:
    """`compute()`, with this thread marked as computing (what it reads from the cache must not lag) and the
    session pinned to `pinned`: what it remembers within is filed under that generation, read once, and the
    touch record is read once for all its refreshes (`generation.touched_since`), not once per value."""
    _local.depth = getattr(_local, "depth", 0) + 1
    outer = session.info.get(PINNED)
    session.info[PINNED] = pinned
    try:
        return compute()
    finally:
        _local.depth -= 1
        if outer is None:
            session.info.pop(PINNED, None)
        else:
            session.info[PINNED] = outer


def _keep(values: OrderedDict[Hashable, Any], key: Hashable, value: Any) -> None:
    values[key] = value
    values.move_to_end(key)
    while len(values) > CAPACITY:
        values.popitem(last=False)


def _drop_superseded(
    values: OrderedDict[Hashable, Any], short: Hashable, filed_under: Generation | int
) -> None:
    """Forget the values of `short` filed under generations before `filed_under`: generations only grow, so
    only requests already under way ask for them, and those hold theirs. Kept, each would hold its place (a
    province's judged period is tens of MB) until CAPACITY newer values pushed it out: one per approval."""
    superseded = [k for k in values if isinstance(k, tuple) and k[:2] == short and k[2] != filed_under]
    for full in superseded:
        if _before(full[2], filed_under):
            del values[full]


def _before(then: Generation | int, now: Generation | int) -> bool:
    if isinstance(then, Generation) and isinstance(now, Generation):
        return then.figures <= now.figures and then.states <= now.states
    return isinstance(then, int) and isinstance(now, int) and then < now


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
        _latest.clear()


_TRANSACTION_MEMO = "duban.transaction_memo"


def within_transaction(*, session: Session, key: Hashable, compute: Callable[[], T]) -> T:
    """`compute()`'s value for `key`, kept until this session's next flush, commit or rollback.

    For what one request reads twice (a dashboard's ledger panel and the indicators the ledger feeds;
    a bulletin's month and the month before) when it is not worth a place in the per-server cache. While
    the session holds changes not flushed yet, computed afresh: a kept value would not see them.
    """
    if session.new or session.dirty or session.deleted:
        return compute()
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
