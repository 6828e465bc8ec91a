"""Generation counters: whether a judged period computed earlier is still current, on any server.

Every transaction that changes a figure the judgement reads (an approved value, a target, the plan,
the units, the periods, the ledger, the office's settings) moves `figures`; every transaction that
changes a figure's reporting state (submitted, approved, returned — not a draft edited as a draft)
moves `states`. The counters live in the store, so N servers and a restart agree; they are moved by
one mechanism (session events) at commit, never by the code that writes, so no write path can forget.

The counter row is updated last, just before the commit (on PostgreSQL by the statement that writes the
touch record, the last before the commit), so it is the last lock a transaction takes and cannot be part
of a deadlock. A reader reads the counters before the data it caches: what it
computes is then at least as new as the generation it files it under.

Each move also records what it touched (`generation_touch`, in the same transaction): the indicators
whose entries changed with the periods of those entries, or NULL for anything else (targets, the plan, units, the ledger, settings, a
statement run by hand). A server holding a value computed at an older generation asks what was touched
since (`touched_since`) and recomputes only that; a month's judgement leaves out what later months' entries
touched (nothing of a later month enters it). The record is pruned to a window; `touched.figures`
and `touched.states` in the counter table say from which generation on it is complete.
"""

from __future__ import annotations

import functools
import re
import secrets
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, NamedTuple

import psycopg
from sqlalchemy import (
    ARRAY,
    Integer,
    ScalarSelect,
    TextClause,
    bindparam,
    delete,
    event,
    func,
    insert,
    inspect,
    null,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction

from duban.choices import EntryState
from duban.persistence import target_blocks
from duban.persistence.blocks import keep_current
from duban.persistence.models import (
    EntryRow,
    GenerationRow,
    GenerationTouchRow,
    PeriodRow,
)

FIGURES, STATES = "figures", "states"
_WRITES = re.compile(r"\s*(UPDATE|DELETE|INSERT|REPLACE|COPY)\b", re.IGNORECASE)
CHANGES = "duban.generation"  # session.info key: the counters this transaction moves
TOUCHED = "duban.touched"  # session.info key: (indicator, period) ids of the entries it changed; None: all
PINNED = "duban.pinned"  # session.info: the generation what is being computed is filed under (readcache)
_RECORD = "duban.touch_record"  # session.info: the touch record read for the pinned computation
FLOORS = {FIGURES: "touched.figures", STATES: "touched.states"}  # the record is complete after these
WINDOW = 4096  # moves of a counter kept in the record; a value older than that is computed afresh
_PRUNE_EVERY = 256  # the record is pruned when a counter moved to a multiple of this
_RENEWAL = 1 << 20  # a restore's step beyond every counter value seen
_MOST_TOUCHED = 64  # more indicators in one transaction (an import) are recorded as everything
_PENDING_STATES = {EntryState.SUBMITTED.value, EntryState.APPROVED.value, EntryState.RETURNED.value}
_IGNORED_TABLES = {"audit_log", "app_user", "login_failure", "evidence", "generation", "figure_block", "target_block", "generation_touch"} | {
    "supervision_rules", "supervision_item", "supervision_reply", "supervision_reminder",
}  # fmt: skip


@dataclass(frozen=True, order=True)
class Generation:
    """The counters as one read saw them (ordered figures first, then states)."""

    figures: int
    states: int

    @property
    def known(self) -> bool:
        return self.figures >= 0 and self.states >= 0


def current(*, session: Session) -> Generation:
    """The counters now (one indexed read); -1 for a counter the store does not hold."""
    values = {name: value for name, value in session.execute(select(GenerationRow.name, GenerationRow.value))}
    return Generation(values.get(FIGURES, -1), values.get(STATES, -1))


def counter_columns() -> tuple[ScalarSelect[int], ScalarSelect[int]]:
    """`figures` and `states` as columns of another statement (NULL for a counter the store does not hold)."""
    figures, states = (
        select(GenerationRow.value).where(GenerationRow.name == name).scalar_subquery()
        for name in (FIGURES, STATES)
    )
    return figures, states


def touch(
    *, session: Session, figures: bool = True, states: bool = True,
    cells: Collection[tuple[int, int | None]] | None = None,
) -> None:  # fmt: skip
    """Mark this transaction as changing figures and/or states: of the entries of `cells` (indicator id,
    period id), or of anything."""
    moved = {name for name, flag in ((FIGURES, figures), (STATES, states)) if flag}
    if not moved:
        return
    session.info.setdefault(CHANGES, set()).update(moved)
    touched: set[tuple[int, int | None] | None] = session.info.setdefault(TOUCHED, set())
    if None in touched:
        return
    if cells is None or len(touched) + len(cells) > _MOST_TOUCHED:
        touched.clear()
        touched.add(None)
    else:
        touched.update(cells)


def touched_since(
    *, session: Session, since: Generation, states: bool = True, up_to_month: int | None = None,
    period_id: int | None = None,
) -> frozenset[int] | None:  # fmt: skip
    """The indicators whose entries changed after `since` (in `figures`, or with `states` in either counter),
    or None when anything else may have changed or the record does not reach back that far. With
    `up_to_month`, entries of periods of later months are left out; with `period_id`, of other periods
    (a period not known counts)."""
    record = _record_since(session, since)
    ids = {
        touch.indicator for touch in record.touches
        if (touch.figures > since.figures or (states and touch.states > since.states))
        and (period_id is None or touch.period is None or touch.period == period_id)
        and (up_to_month is None or touch.month is None or touch.month <= up_to_month)
    }  # fmt: skip
    floors = record.floors
    needed = (FIGURES, STATES) if states else (FIGURES,)
    reaches = all(FLOORS[name] in floors for name in needed) and since.figures >= floors[FLOORS[FIGURES]]
    if states and reaches:
        reaches = since.states >= floors[FLOORS[STATES]]
    return None if None in ids or not reaches else frozenset(i for i in ids if i is not None)


class _Touch(NamedTuple):
    figures: int
    states: int
    indicator: int | None
    period: int | None
    month: int | None  # the period's; None where the period is not known


@dataclass(frozen=True)
class _Record:
    """The touches after `since` (in either counter) and the record's floors, as one statement read them."""

    since: Generation
    pinned: Generation
    touches: list[_Touch]
    floors: dict[str, int]


def _record_since(session: Session, since: Generation) -> _Record:
    """The record after `since`: one statement, reused for every later question of the same pinned computation
    (read after the pin, it holds every touch up to the generation what is computed is filed under)."""
    pinned, kept = session.info.get(PINNED), session.info.get(_RECORD)
    if pinned is not None and kept is not None and kept.pinned == pinned:
        if kept.since.figures <= since.figures and kept.since.states <= since.states:
            return kept
        since = Generation(min(since.figures, kept.since.figures), min(since.states, kept.since.states))
    record = _read_record(session, since, pinned)
    if pinned is not None:
        session.info[_RECORD] = record
    return record


def _read_record(session: Session, since: Generation, pinned: Generation | None) -> _Record:
    """Touches and floors in one statement (one snapshot: a prune committed in between cannot make it short)."""
    touches = (
        select(null().label("name"), GenerationTouchRow.figures, GenerationTouchRow.states,
               GenerationTouchRow.indicator_id, GenerationTouchRow.period_id, PeriodRow.month)
        .outerjoin(PeriodRow, PeriodRow.id == GenerationTouchRow.period_id)
        .where(or_(GenerationTouchRow.figures > since.figures, GenerationTouchRow.states > since.states))
    )  # fmt: skip
    floors = select(GenerationRow.name, GenerationRow.value, null(), null(), null(), null()).where(
        GenerationRow.name.in_(FLOORS.values())
    )
    rows: list[Any] = list(session.execute(union_all(touches, floors)).all())
    return _Record(
        since, pinned or Generation(-1, -1), [_Touch(*row[1:]) for row in rows if row[0] is None],
        {row[0]: row[1] for row in rows if row[0] is not None},
    )  # fmt: skip


@event.listens_for(Session, "after_flush")
@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _forget_record(session: Session, *_args: Any) -> None:
    session.info.pop(_RECORD, None)


@event.listens_for(Session, "before_flush")
def _note_changes(session: Session, _context: Any, _instances: Any) -> None:
    # each set is read once (session.new builds a new set per call) and the walk stops once both
    # counters are marked: a load of thousands of rows costs one pass, not one per row
    for created_or_deleted, rows in ((True, session.new), (True, session.deleted), (False, session.dirty)):
        for row in rows:
            if _everything_noted(session):
                return
            if isinstance(row, EntryRow):
                _note_entry(session, row, changed=created_or_deleted or session.is_modified(row))
            elif row.__table__.name not in _IGNORED_TABLES and (
                created_or_deleted or session.is_modified(row)
            ):
                touch(session=session)


def _everything_noted(session: Session) -> bool:
    return session.info.get(CHANGES, set()) >= {FIGURES, STATES} and None in session.info.get(TOUCHED, ())


def _note_entry(session: Session, entry: EntryRow, *, changed: bool) -> None:
    """An entry moves `states` unless it is and was a draft; `figures` when it is or was approved."""
    if not changed:
        return
    history = inspect(entry).attrs.state.history
    states = {*history.added, *history.deleted, entry.state}
    touch(session=session, figures=EntryState.APPROVED.value in states, states=bool(states & _PENDING_STATES),
          cells=_cells(entry))  # fmt: skip


def _cells(entry: EntryRow) -> set[tuple[int, int | None]] | None:
    """(indicator, period) of this entry, before and after were it moved; None if the indicator is not known yet."""
    indicators, periods = (_before_and_after(entry, name) for name in ("indicator_id", "period_id"))
    known = {indicator for indicator in indicators if indicator is not None}
    if len(known) < len(indicators):
        return None
    return {(indicator, period) for indicator in known for period in periods}


def _before_and_after(entry: EntryRow, name: str) -> set[int | None]:
    history = getattr(inspect(entry).attrs, name).history
    return {*history.added, *history.deleted, getattr(entry, name)}


@event.listens_for(Session, "do_orm_execute")
def _note_statements(state: ORMExecuteState) -> None:
    """UPDATE, DELETE or INSERT statements run through the session move both counters."""
    if isinstance(state.statement, TextClause):
        if _WRITES.match(state.statement.text):
            touch(session=state.session)
        return
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) not in _IGNORED_TABLES:
        touch(session=state.session)


@event.listens_for(Session, "before_commit")
def _move_counters(session: Session) -> None:
    session.flush()
    if session.in_nested_transaction():
        # a savepoint's release fires `before_commit` too: the blocks are patched and the counters move once,
        # at the commit of the whole transaction (which `Session.commit` reaches after closing any savepoint
        # left open); a block's row is then held from its patch to the commit, not across the write's
        # release of its savepoint and its audit record as well (every unit's submit of the indicator waits)
        return
    keep_current(session)  # the blocks' row locks before the counters' row, which stays the last one
    target_blocks.keep_current(session)
    flags = sorted(session.info.pop(CHANGES, set()))
    touched = session.info.pop(TOUCHED, set())
    if not flags:
        return
    # from this update to the commit every other writer waits for the counters' row
    if session.connection().dialect.name == "postgresql":
        moved = _move_and_record(session, flags, touched)
    else:  # SQLite's lock is the whole store's, taken at the transaction's first write: no row to hurry
        moved = _move_then_record(session, flags, touched)
    if len(moved) < len(flags):  # a store whose rows were removed by hand
        session.add_all(
            GenerationRow(name=name, value=secrets.randbits(40)) for name in flags if name not in moved
        )
        session.flush()
        _restart_record(session)
    _prune(session, flags, moved)


def _moving(flags: list[str]) -> Any:
    return (
        update(GenerationRow).where(GenerationRow.name.in_(flags)).values(value=GenerationRow.value + 1)
        .returning(GenerationRow.name, GenerationRow.value)
    )  # fmt: skip


def _move_then_record(
    session: Session, flags: list[str], touched: set[tuple[int, int | None] | None]
) -> dict[str, int]:
    """Move the counters `flags` and record what this move touched, filed under the counters it moved to; the
    values they moved to. The SQL is compiled once per set of counters and sent as it is: building and
    compiling the two statements on every call was CPU spent inside SQLite's write turn, which every other
    writer of the process waits for."""
    connection = session.connection()
    moving, recording = _moving_then_recording(tuple(flags), connection.dialect)
    moved: dict[str, int] = dict(connection.exec_driver_sql(moving.sql, moving.values()).all())
    cells = [
        recording.values(indicator_id=indicator, period_id=period) for indicator, period in _cells_of(touched)
    ]
    connection.exec_driver_sql(recording.sql, cells)
    return moved


@dataclass(frozen=True)
class _Compiled:
    """A statement's SQL as its driver takes it, with its constants bound (by position where the driver takes
    its parameters in order, as SQLite's: `values`; by name otherwise: `constants`)."""

    sql: str
    names: tuple[str, ...]
    constants: dict[str, Any]

    def values(self, **given: Any) -> tuple[Any, ...]:
        """The parameters in their order: `given`, else the constants."""
        return tuple(given[name] if name in given else self.constants[name] for name in self.names)


@functools.lru_cache(maxsize=8)
def _moving_then_recording(flags: tuple[str, ...], dialect: Dialect) -> tuple[_Compiled, _Compiled]:
    """The SQL of `_move_then_record` for these counters (positional parameters, as SQLite's driver takes)."""
    figures, states = counter_columns()
    recording = insert(GenerationTouchRow).values(
        figures=figures,
        states=states,
        indicator_id=bindparam("indicator_id"),
        period_id=bindparam("period_id"),
    )
    return _compiled(_moving(list(flags)), dialect), _compiled(recording, dialect)


def _compiled(statement: Any, dialect: Dialect) -> _Compiled:
    compiled = statement.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
    return _Compiled(compiled.string, tuple(compiled.positiontup or ()), dict(compiled.params))


def _cells_of(touched: set[tuple[int, int | None] | None]) -> list[tuple[int | None, int | None]]:
    """The (indicator, period) rows of the record; (NULL, NULL) for everything."""
    return [(None, None) if cell is None else cell for cell in touched or {None}]


def _move_and_record(
    session: Session, flags: list[str], touched: set[tuple[int, int | None] | None]
) -> dict[str, int]:
    """Move the counters and record what was touched in one statement, sent with the transaction's COMMIT
    in one round trip: the counters' row is held for the server's work alone (each round trip of the client
    while it was held was a wait for the GIL of a busy server process, and every other writer waited).

    PostgreSQL's simple protocol takes the two statements at once, with the values bound by the client. What
    the session runs after it runs in a transaction of its own, which the session's commit ends (the driver's
    commit of a transaction already committed sends nothing)."""
    connection = session.connection()
    sql, constants = _moving_then_commit(tuple(flags), connection.dialect)
    indicators, periods = zip(*_cells_of(touched), strict=True)
    driver = connection.connection.dbapi_connection
    assert isinstance(driver, psycopg.Connection)  # the only PostgreSQL driver duban runs on
    with psycopg.ClientCursor(driver) as cursor:
        cursor.execute(sql, {**constants, "indicators": list(indicators), "periods": list(periods)})
        return dict(cursor.fetchall())


@functools.lru_cache(maxsize=8)
def _moving_then_commit(flags: tuple[str, ...], dialect: Dialect) -> tuple[str, dict[str, Any]]:
    """The SQL of `_move_and_record` for these counters, and its values but the touched cells: compiled once
    (~3 ms of CPU each time, which the session's statement cache saved before)."""
    moving = _moving(list(flags)).cte("moved")
    figures, states = (
        func.coalesce(select(moving.c.value).where(moving.c.name == name).scalar_subquery(), column)
        for name, column in zip((FIGURES, STATES), counter_columns(), strict=True)
    )  # a counter not moved keeps its value, read in the same snapshot
    cells = func.unnest(bindparam("indicators", [], type_=ARRAY(Integer)),
                        bindparam("periods", [], type_=ARRAY(Integer))).table_valued("indicator_id", "period_id").render_derived("cells")  # fmt: skip
    recorded = select(figures, states, cells.c.indicator_id, cells.c.period_id).where(
        figures.is_not(None), states.is_not(None)
    )
    record = insert(GenerationTouchRow).from_select(
        ["figures", "states", "indicator_id", "period_id"], recorded
    )
    compiled = _compiled(select(moving.c.name, moving.c.value).add_cte(record.cte("recorded")), dialect)
    return f"{compiled.sql}; COMMIT", compiled.constants


def _prune(session: Session, flags: list[str], moved: dict[str, int]) -> None:
    """Now and then the oldest of the record forgotten."""
    if any(moved.get(name, 1) % _PRUNE_EVERY == 0 for name in flags):
        now = current(session=session)
        floor = Generation(now.figures - WINDOW, now.states - WINDOW)
        session.execute(delete(GenerationTouchRow).where(
            GenerationTouchRow.figures <= floor.figures, GenerationTouchRow.states <= floor.states))  # fmt: skip
        for name, value in ((FIGURES, floor.figures), (STATES, floor.states)):
            session.execute(update(GenerationRow).where(GenerationRow.name == FLOORS[name])
                            .values(value=value).execution_options(synchronize_session=False))  # fmt: skip


def renew(*, session: Session, above: Generation) -> None:
    """Counters beyond both these and `above` (the replaced store's, read before a restore): what any server
    filed under a counter value belongs to another timeline, which the same number of writes would reach
    again; beyond every value seen, a server's remembered values also stay older than the store's."""
    now = current(session=session)
    for name, before, restored in ((FIGURES, above.figures, now.figures), (STATES, above.states, now.states)):
        session.execute(update(GenerationRow).where(GenerationRow.name == name)
                        .values(value=max(before, restored) + _RENEWAL).execution_options(synchronize_session=False))  # fmt: skip
    _restart_record(session)


def _restart_record(session: Session) -> None:
    """Counters made anew: the record is complete from them on (what was recorded before is not comparable)."""
    session.execute(delete(GenerationTouchRow))
    session.execute(delete(GenerationRow).where(GenerationRow.name.in_(FLOORS.values())))
    now = current(session=session)
    session.execute(insert(GenerationRow), [
        {"name": FLOORS[FIGURES], "value": now.figures}, {"name": FLOORS[STATES], "value": now.states}
    ])  # fmt: skip


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction: SessionTransaction) -> None:
    # only when the whole transaction ends: a savepoint rolled back inside it (a refused step) must not
    # drop the marks of what the transaction wrote before it, which will still be committed
    if transaction.parent is None:
        session.info.pop(CHANGES, None)
        session.info.pop(TOUCHED, None)


__all__ = [
    "CHANGES",
    "FIGURES",
    "PINNED",
    "STATES",
    "Generation",
    "counter_columns",
    "current",
    "renew",
    "touch",
    "touched_since",
]
