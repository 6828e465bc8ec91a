"""Generation counters: whether a judged period computed earlier is still current, on any server.

Every transaction that changes a figure the judgement reads (an approved value, a target, the plan,
the units, the periods, the ledger, the office's settings) moves `figures`; every transaction that
changes a figure's reporting state (submitted, approved, returned — not a draft edited as a draft)
moves `states`. The counters live in the store, so N servers and a restart agree; they are moved by
one mechanism (session events) at commit, never by the code that writes, so no write path can forget.

The counter row is updated last, just before the commit, so it is the last lock a transaction takes
and cannot be part of a deadlock. A reader reads the counters before the data it caches: what it
computes is then at least as new as the generation it files it under.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ScalarSelect, TextClause, event, inspect, select, update
from sqlalchemy.orm import ORMExecuteState, Session

from duban.choices import EntryState
from duban.persistence.blocks import keep_current
from duban.persistence.models import (
    EntryRow,
    GenerationRow,
)

FIGURES, STATES = "figures", "states"
_WRITES = re.compile(r"\s*(UPDATE|DELETE|INSERT|REPLACE|COPY)\b", re.IGNORECASE)
CHANGES = "duban.generation"  # session.info key: the counters this transaction moves
_PENDING_STATES = {EntryState.SUBMITTED.value, EntryState.APPROVED.value, EntryState.RETURNED.value}
_IGNORED_TABLES = {"audit_log", "app_user", "login_failure", "evidence", "generation", "figure_block"} | {
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


def touch(*, session: Session, figures: bool = True, states: bool = True) -> None:
    """Mark this transaction as changing figures and/or states (for writes the events cannot see)."""
    flags = session.info.setdefault(CHANGES, set())
    flags.update(name for name, moved in ((FIGURES, figures), (STATES, states)) if moved)


@event.listens_for(Session, "before_flush")
def _note_changes(session: Session, _context: Any, _instances: Any) -> None:
    # each set is read once (session.new builds a new set per call) and the walk stops once both
    # counters are marked: a load of thousands of rows costs one pass, not one per row
    for created_or_deleted, rows in ((True, session.new), (True, session.deleted), (False, session.dirty)):
        for row in rows:
            if _marked_both(session):
                return
            if isinstance(row, EntryRow):
                _note_entry(session, row, changed=created_or_deleted or session.is_modified(row))
            elif row.__table__.name not in _IGNORED_TABLES and (
                created_or_deleted or session.is_modified(row)
            ):
                touch(session=session)


def _marked_both(session: Session) -> bool:
    return session.info.get(CHANGES, set()) >= {FIGURES, STATES}


def _note_entry(session: Session, entry: EntryRow, *, changed: bool) -> None:
    """An entry moves `states` unless it is and was a draft; `figures` when it is or was approved."""
    if not changed:
        return
    history = inspect(entry).attrs.state.history
    states = {*history.added, *history.deleted, entry.state}
    touch(session=session, figures=EntryState.APPROVED.value in states, states=bool(states & _PENDING_STATES))


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
    keep_current(session)  # the blocks' row locks before the counters' row, which stays the last one
    flags = sorted(session.info.pop(CHANGES, set()))
    if not flags:
        return
    moved = session.execute(
        update(GenerationRow).where(GenerationRow.name.in_(flags))
        .values(value=GenerationRow.value + 1).execution_options(synchronize_session=False)
    )  # fmt: skip
    if moved.rowcount < len(flags):  # type: ignore[attr-defined]  # a store whose rows were removed by hand
        present = set(session.scalars(select(GenerationRow.name)))
        session.add_all(
            GenerationRow(name=name, value=secrets.randbits(40)) for name in flags if name not in present
        )
        session.flush()


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(CHANGES, None)


__all__ = ["CHANGES", "FIGURES", "STATES", "Generation", "counter_columns", "current", "touch"]
