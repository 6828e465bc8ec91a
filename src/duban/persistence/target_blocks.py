"""Target blocks: a columnar copy of the unit targets (目标分解), one row per indicator.

A block holds the indicator's unit targets as one packed numpy array sorted by unit id (`CELL`: unit,
value): a province's judge reads 300 blobs instead of 450,000 unit target rows.

The blocks are kept as the figure blocks are (`persistence.blocks`): session events note the indicators
whose unit targets a flush changed, and `keep_current` (run before a commit's counter update, and before
the blocks are read in the same transaction) writes those indicators' blocks again from `unit_target`.
A statement on `unit_target` run through the session (raw SQL too) rebuilds every block; bulk loads
name their indicators. An indicator without unit targets has no block.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from typing import Any

import numpy as np
from sqlalchemy import Connection, Table, delete, event, insert, inspect, select
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction

from duban.persistence.blocks import fetch_matrix, writes_table
from duban.persistence.models import IndicatorRow, TargetBlockRow, UnitTargetRow

CELL = np.dtype([("unit", "<i4"), ("value", "<f8")])
_STALE = "duban.target_blocks.stale"  # session.info: indicator ids to rebuild (None in it: every indicator)
_DONE = "duban.target_blocks.done"  # session.info: what this transaction rebuilt so far
_TABLE: Table = TargetBlockRow.__table__  # type: ignore[assignment]
_SHOWN = ("indicator_id", "unit_id", "value")  # what a block shows of a unit target


def targets(
    *, session: Session, plan_id: int, only: Sequence[int] | None = None
) -> list[tuple[int, np.ndarray]]:
    """(indicator id, `CELL` array by unit id) of the plan's indicators (of `only`, store ids) with unit targets."""
    keep_current(session)
    query = (
        select(_TABLE.c.indicator_id, _TABLE.c.cells)
        .join(IndicatorRow, IndicatorRow.id == _TABLE.c.indicator_id)
        .where(IndicatorRow.plan_id == plan_id)
    )
    if only is not None:
        query = query.where(_TABLE.c.indicator_id.in_([int(i) for i in only]))
    return [(int(i), np.frombuffer(cells, dtype=CELL)) for i, cells in session.connection().execute(query)]


def built(connection: Connection, where: str) -> dict[int, bytes]:
    """Indicator id → its block read from the unit targets matching `where` (SQL on `t`)."""
    found = fetch_matrix(
        connection, ("t.indicator_id", "t.unit_id"), ("t.value",), f"FROM unit_target t WHERE {where}"
    )
    if not len(found):
        return {}
    found = found[np.lexsort((found[:, 1], found[:, 0]))]
    starts = np.flatnonzero(np.r_[True, np.diff(found[:, 0]) != 0])
    blocks = {}
    for part in np.split(found, starts[1:]):
        cells = np.empty(len(part), dtype=CELL)
        cells["unit"], cells["value"] = part[:, 1], part[:, 2]
        blocks[int(part[0, 0])] = cells.tobytes()
    return blocks


def rebuild(connection: Connection, *, indicator_ids: Collection[int] | None = None) -> int:
    """Write the blocks of these indicators (every indicator: None) again from the unit targets; how many."""
    if indicator_ids is None:
        connection.execute(delete(_TABLE))
        fresh = built(connection, "1 = 1")
    else:
        ids = sorted(int(i) for i in indicator_ids)  # rows locked in one order by every writer
        if not ids:
            return 0
        connection.execute(delete(_TABLE).where(_TABLE.c.indicator_id.in_(ids)))
        fresh = built(connection, f"t.indicator_id IN ({', '.join(map(str, ids))})")
    if fresh:
        connection.execute(
            insert(_TABLE), [{"indicator_id": i, "cells": c} for i, c in sorted(fresh.items())]
        )
    return len(fresh)


def keep_current(session: Session) -> None:
    """Bring the blocks this transaction's writes changed up to date (before the counters move)."""
    if _STALE not in session.info:
        return
    session.flush()
    stale: set[int | None] = session.info.pop(_STALE, set())
    session.info.setdefault(_DONE, set()).update(stale)  # for a savepoint rolled back
    rebuild(
        session.connection(), indicator_ids=None if None in stale else [i for i in stale if i is not None]
    )


def rewritten(*, session: Session, indicator_ids: Iterable[int] | None) -> None:
    """Unit targets of these indicators (None: of any) were written around the ORM: rebuild their blocks."""
    stale = session.info.setdefault(_STALE, set())
    stale.update([None] if indicator_ids is None else (int(i) for i in indicator_ids))


@event.listens_for(Session, "after_flush")
def _note_targets(session: Session, _context: Any) -> None:
    for rows, created_or_deleted in ((session.new, True), (session.deleted, True), (session.dirty, False)):
        for row in rows:
            if isinstance(row, UnitTargetRow) and (created_or_deleted or _shown_change(row)):
                _note(session, row)


def _shown_change(target: UnitTargetRow) -> bool:
    """Whether the flush changed what a block shows of `target` (its status or basis alone it does not)."""
    attrs = inspect(target).attrs
    return any(attrs[name].history.has_changes() for name in _SHOWN)


def _note(session: Session, target: UnitTargetRow) -> None:
    """The target's indicator now and before the flush (a target moved to another indicator leaves one)."""
    history = inspect(target).attrs.indicator_id.history
    seen = (*history.added, *history.unchanged, *history.deleted, inspect(target).dict.get("indicator_id"))
    ids = {i for i in seen if isinstance(i, int)}
    rewritten(session=session, indicator_ids=ids or None)  # no indicator known: every block


@event.listens_for(Session, "do_orm_execute")
def _note_statements(state: ORMExecuteState) -> None:
    """An UPDATE, DELETE or INSERT on `unit_target` through the session rebuilds every block."""
    if writes_table(state, "unit_target"):
        rewritten(session=state.session, indicator_ids=None)


@event.listens_for(Session, "after_soft_rollback")
def _rolled_back(session: Session, previous: SessionTransaction) -> None:
    """A savepoint rolled back may have undone rebuilds: rebuild those blocks again (it is idempotent)."""
    if previous.nested and session.info.get(_DONE):
        session.info.setdefault(_STALE, set()).update(session.info[_DONE])


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        for key in (_STALE, _DONE):
            session.info.pop(key, None)


__all__ = ["CELL", "built", "keep_current", "rebuild", "rewritten", "targets"]
