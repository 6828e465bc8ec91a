"""Figure blocks: after any writes every block equals a rebuild from the entries, and the batch reader
reading them answers as the row reader of the entries did; concurrent approvals in one block keep both."""

from __future__ import annotations

import threading
import time
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, event, select, update
from sqlalchemy.orm import Session, sessionmaker

from conftest import BACKEND
from duban.persistence import blocks
from duban.persistence.bulk import load_entries
from duban.persistence.models import EntryRow, FigureBlockRow
from duban.services.batch import period_frame
from duban.services.entries import approve, clear_period_entries, return_entry, save_figure, submit
from duban.services.plans import indicator_from_row
from services.test_entries import World, make_world

CODES = ("L02-1", "L03-1")
UNITS = ("镇雄县", "昭阳区")


@pytest.fixture
def world_and_factory(factory: sessionmaker[Session]) -> tuple[World, sessionmaker[Session]]:
    with factory() as session, session.begin():
        world = make_world(session)
    return world, factory


def stored(session: Session) -> dict[tuple[int, int], tuple[np.ndarray, np.ndarray]]:
    """Every non-empty block as the store holds it."""
    found = {}
    for row in session.execute(select(FigureBlockRow)).scalars():
        cells = (blocks.decode(row.official), blocks.decode(row.submitted))
        if len(cells[0]) or len(cells[1]):
            found[row.period_id, row.indicator_id] = cells
    return found


def assert_current(session: Session) -> None:
    """The stored blocks are exactly those built from the entry table now."""
    rebuilt = blocks.built(session.connection(), "1 = 1")
    kept = stored(session)
    assert sorted(kept) == sorted(rebuilt)
    for key, (official, submitted) in rebuilt.items():
        assert blocks.encode(kept[key][0]) == blocks.encode(official), key
        assert blocks.encode(kept[key][1]) == blocks.encode(submitted), key


# the batch reader's SQL before the blocks: the oracle the blocks' reader must agree with
_STAGE = blocks._STAGE_CODE
_FROM = "FROM entry e JOIN period p ON p.id = e.period_id WHERE p.plan_id = {plan} AND p.month BETWEEN 1 AND {month}"
_SUB = "e.state = 'submitted'"
_PENDING = tuple(
    f"CASE WHEN {_SUB} THEN e.{c} ELSE e.official_{c} END" for c in ("value", "numerator", "denominator")
)
_PENDING_STAGE = f"CASE WHEN {_SUB} THEN e.stage ELSE e.official_stage END"
_ROW_READERS = {
    False: (_STAGE.format("e.official_stage"), ("e.official_value", "e.official_numerator", "e.official_denominator"),
            " AND (e.official_stage IS NOT NULL OR e.official_value IS NOT NULL OR e.official_numerator IS NOT NULL)"),
    True: (_STAGE.format(f"({_PENDING_STAGE})"), _PENDING,
           f" AND ({_PENDING_STAGE} IS NOT NULL OR {_PENDING[0]} IS NOT NULL OR {_PENDING[1]} IS NOT NULL)"),
}  # fmt: skip


def row_reader(session: Session, plan_id: int, month: int, pending: bool) -> list[tuple[float, ...]]:
    stage, floats, where = _ROW_READERS[pending]
    matrix = blocks.fetch_matrix(session.connection(), ("e.indicator_id", "e.unit_id", "p.month", stage), floats,
                                 _FROM.format(plan=plan_id, month=month) + where)  # fmt: skip
    return sorted(map(tuple, np.nan_to_num(matrix, nan=-7.0).tolist()))


def block_reader(session: Session, plan_id: int, month: int, pending: bool) -> list[tuple[float, ...]]:
    ind, months, cells = blocks.figures(
        session=session, plan_id=plan_id, first=1, month=month, pending=pending
    )
    matrix = np.column_stack([ind, cells["unit"], months, cells["stage"], cells["value"], cells["numerator"],
                              cells["denominator"]]).astype(float)  # fmt: skip
    return sorted(map(tuple, np.nan_to_num(matrix, nan=-7.0).tolist()))


def _entry(session: Session, world: World, code: str, unit: str, month: int = 6) -> EntryRow | None:
    query = select(EntryRow).where(EntryRow.indicator_id == world.rows[code].id,
                                   EntryRow.unit_id == world.units[unit].id,
                                   EntryRow.period_id == world.periods[month - 1].id)  # fmt: skip
    return session.scalars(query).first()


OPERATIONS = st.lists(
    st.tuples(st.sampled_from(["advance"] * 4 + ["save", "submit", "approve", "return", "correct", "bulk", "clear",
                                                 "core"]),
              st.sampled_from(CODES), st.sampled_from(UNITS), st.integers(min_value=1, max_value=5)),
    min_size=4, max_size=20,
)  # fmt: skip


def _apply(session: Session, world: World, op: tuple[str, str, str, int], round_: int) -> None:
    kind, code, unit, n = op
    who = "zhenxiong" if unit == "镇雄县" else "zhaoyang"
    entry = _entry(session, world, code, unit)
    raw = {"value": str(100 * n + round_)} if code == "L02-1" else {"numerator": str(n), "denominator": "10"}
    if kind == "advance":
        kind = {"draft": "submit", "submitted": "approve", "returned": "save"}.get(
            entry.state if entry else "", "save"
        )
    if kind == "save" and (entry is None or entry.state in ("draft", "returned", "approved")):
        reason = "更正" if entry is not None and entry.state == "approved" else None
        _save(session, world, code, unit, raw, reason=reason)
    elif kind == "submit" and entry is not None and entry.state in ("draft", "returned"):
        submit(session=session, entry=entry, writer=world.writer(who))
    elif kind == "approve" and entry is not None and entry.state == "submitted":
        approve(session=session, entry=entry, writer=world.writer("admin"))
    elif kind == "return" and entry is not None and entry.state == "submitted":
        return_entry(session=session, entry=entry, writer=world.writer("admin"), reason="请核实")
    elif kind == "correct" and entry is not None:  # an official figure changed on the object, no workflow
        entry.official_value = Decimal(n * 7)
    elif kind == "bulk":
        _bulk(session, world, month=n)
    elif kind == "clear":
        clear_period_entries(session=session, period_ids=[world.periods[n - 1].id])
    elif kind == "core":  # a write around the ORM: its blocks are rebuilt, never left stale
        session.execute(update(EntryRow).where(EntryRow.period_id == world.periods[n - 1].id)
                        .values(official_value=Decimal(n)))  # fmt: skip


def _save(
    session: Session, world: World, code: str, unit: str, raw: dict[str, str], reason: str | None
) -> EntryRow:
    who = "zhenxiong" if unit == "镇雄县" else "zhaoyang"
    return save_figure(session=session, plan_row=world.plan_row, indicator=indicator_from_row(world.rows[code]),
                       indicator_id=world.rows[code].id, unit=world.units[unit],
                       period=world.periods[5], raw={**raw, "note": "按计划推进"}, writer=world.writer(who),
                       confirmed=True, reason=reason)  # fmt: skip


def _bulk(session: Session, world: World, month: int) -> None:
    period = world.periods[month - 1]
    if session.scalar(select(EntryRow.id).where(EntryRow.period_id == period.id)) is not None:
        return
    pairs = [(world.rows[c].id, world.units[u].id) for c in CODES for u in UNITS]
    count = len(pairs)
    ratio = np.array([c == "L03-1" for c in CODES for _ in UNITS])
    load_entries(session=session, indicator_id=np.array([p[0] for p in pairs]),
                 unit_id=np.array([p[1] for p in pairs]), period_id=np.full(count, period.id),
                 value=np.where(ratio, 50.0, 10.0 * month), numerator=np.where(ratio, 5.0, np.nan),
                 denominator=np.where(ratio, 10.0, np.nan))  # fmt: skip


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(operations=OPERATIONS)
def test_blocks_equal_a_rebuild_and_read_as_the_entries_after_any_writes(
    world_and_factory: tuple[World, sessionmaker[Session]], operations: list[tuple[str, str, str, int]]
) -> None:
    world, factory = world_and_factory
    with factory() as session, session.begin():
        clear_period_entries(session=session, period_ids=[p.id for p in world.periods])
    for round_, op in enumerate(operations):
        with factory() as session, session.begin():
            _apply(session, world, op, round_)
            if round_ % 2:  # read inside the writing transaction too: the blocks are brought up to date first
                assert block_reader(session, world.plan_row.id, 6, True) == row_reader(
                    session, world.plan_row.id, 6, True
                )
        with factory() as session:
            assert_current(session)
            for pending in (False, True):
                assert block_reader(session, world.plan_row.id, 6, pending) == row_reader(
                    session, world.plan_row.id, 6, pending
                ), (op, pending)
            period_frame(session=session, plan_id=world.plan_row.id, month=6, history=True)


def test_a_draft_edit_writes_no_block(world_and_factory: tuple[World, sessionmaker[Session]]) -> None:
    world, factory = world_and_factory
    seen: list[str] = []

    def note(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        seen.append(statement)

    event.listen(Engine, "before_cursor_execute", note)
    try:
        for value in ("300", "310"):
            with factory() as session, session.begin():
                entry = _entry(session, world, "L02-1", "镇雄县")
                world.save(session, "L02-1", value=value, version=entry.version if entry else None)
    finally:
        event.remove(Engine, "before_cursor_execute", note)
    assert seen and not [s for s in seen if "figure_block" in s]


def test_a_savepoint_rolled_back_after_a_patch_leaves_no_stale_block(
    world_and_factory: tuple[World, sessionmaker[Session]],
) -> None:
    world, factory = world_and_factory
    with factory() as session, session.begin():
        _bulk(session, world, month=2)
    with factory() as session, session.begin():
        entry = session.scalars(select(EntryRow).where(EntryRow.period_id == world.periods[1].id)).first()
        assert entry is not None
        entry.official_value = Decimal(99)
        session.flush()  # written outside the savepoint ...
        outer = session.begin_nested()
        session.begin_nested().commit()  # ... patched inside it (a savepoint's commit brings blocks up to date)
        outer.rollback()  # the patch is undone, the entry's change is not
    with factory() as session:
        assert_current(session)


def test_the_migration_fills_the_blocks_of_an_existing_store(
    db_url: str, world_and_factory: tuple[World, sessionmaker[Session]]
) -> None:
    from alembic import command

    from duban.persistence.migrate import alembic_config, upgrade

    world, factory = world_and_factory
    with factory() as session, session.begin():
        _bulk(session, world, month=3)
        entry = world.save(session, "L02-1", value="300")
        submit(session=session, entry=entry, writer=world.writer("zhenxiong"))
    with factory() as session:
        before = stored(session)
    assert len(before) == 3  # month 3: both indicators; month 6: L02-1 submitted
    factory.kw["bind"].dispose()
    command.downgrade(alembic_config(db_url), "0014")
    upgrade(db_url)
    with factory() as session:
        after = stored(session)
        assert_current(session)
    assert {k: tuple(map(blocks.encode, v)) for k, v in after.items()} == {
        k: tuple(map(blocks.encode, v)) for k, v in before.items()
    }


def _approve_both(factory: sessionmaker[Session], world: World) -> list[Exception]:
    """Approve both units' L02-1 on two threads, the second while the first holds its patched block."""
    patched, errors = threading.Event(), []

    def approve_one(unit: str) -> None:
        try:
            with factory() as session, session.begin():
                if unit == UNITS[1]:
                    assert patched.wait(timeout=10)
                entry = _entry(session, world, "L02-1", unit)
                approve(session=session, entry=entry, writer=world.writer("admin"))
                if unit == UNITS[0]:
                    patched.set()
                    time.sleep(1)
        except Exception as error:  # reported by the caller
            errors.append(error)

    threads = [threading.Thread(target=approve_one, args=(unit,)) for unit in UNITS]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return errors


@pytest.mark.skipif(BACKEND != "postgres", reason="row locks: PostgreSQL")
@pytest.mark.parametrize("rounds", [2])
def test_concurrent_approvals_in_one_block_keep_both_cells(
    world_and_factory: tuple[World, sessionmaker[Session]], rounds: int
) -> None:
    world, factory = world_and_factory
    for round_ in range(rounds):  # the first round creates the block, the second patches a stored one
        with factory() as session, session.begin():
            for unit, who in zip(UNITS, ("zhenxiong", "zhaoyang"), strict=True):
                entry = _entry(session, world, "L02-1", unit)
                reason = "更正" if entry is not None else None
                saved = _save(session, world, "L02-1", unit, {"value": str(300 + round_)}, reason=reason)
                submit(session=session, entry=saved, writer=world.writer(who))
        assert _approve_both(factory, world) == []
        with factory() as session:
            assert_current(session)
            official = stored(session)[world.periods[5].id, world.rows["L02-1"].id][0]
            assert official["value"].tolist() == [300.0 + round_] * 2


def test_a_stage_and_a_ratio_keep_their_columns() -> None:
    cells = np.zeros(3, dtype=blocks.CELL)
    cells["unit"], cells["value"], cells["stage"] = [1, 2, 3], [1.5, np.nan, 2.5], [-1, 2, -1]
    cells["numerator"] = cells["denominator"] = np.nan
    slim = blocks.encode(cells)
    assert len(slim) == 1 + 13 * 3
    assert blocks.encode(blocks.decode(slim)) == slim
    cells["numerator"][0], cells["denominator"][0] = 3.0, 2.0
    full = blocks.encode(cells)
    assert len(full) == 1 + 29 * 3
    np.testing.assert_array_equal(blocks.decode(full)["numerator"], cells["numerator"])
