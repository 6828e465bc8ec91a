"""Target blocks: written on load, kept by every change of a unit target (a hand edit, a plan revision, the
ORM, raw SQL through the session), filled by the migration; the judge's targets read from them are those
of the unit_target table."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import numpy as np
import pytest
from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session, sessionmaker

from duban.cli import default_plan_path
from duban.persistence import target_blocks
from duban.persistence.bulk import load_unit_targets
from duban.persistence.models import IndicatorRow, OrgUnitRow, PlanRow, TargetBlockRow, UnitTargetRow
from duban.plan.model import Breakdown, Plan
from duban.plan.planfile import read_plan_file
from duban.services.plan_edits import apply_edit
from duban.services.plan_loading import save_plan
from duban.services.plan_revisions import apply_plan_revision, undo_plan_revision
from duban.services.plans import indicator_from_row

TODAY = date(2026, 8, 10)


@pytest.fixture
def loaded(factory: sessionmaker[Session]) -> tuple[int, sessionmaker[Session]]:
    with factory() as session, session.begin():
        plan_id = save_plan(session=session, plan=read_plan_file(default_plan_path())).id
    return plan_id, factory


def stored(session: Session) -> dict[int, bytes]:
    return {row.indicator_id: row.cells for row in session.scalars(select(TargetBlockRow))}


def table(session: Session) -> dict[int, list[tuple[int, float]]]:
    """Each indicator's (unit id, value) targets by unit, read from the unit_target table."""
    found: dict[int, list[tuple[int, float]]] = {}
    rows = session.execute(select(UnitTargetRow.indicator_id, UnitTargetRow.unit_id, UnitTargetRow.value)
                           .order_by(UnitTargetRow.indicator_id, UnitTargetRow.unit_id))  # fmt: skip
    for indicator, unit, value in rows:
        found.setdefault(indicator, []).append((unit, float(value)))
    return found


def assert_current(factory: sessionmaker[Session]) -> None:
    """In a fresh transaction: the stored blocks hold exactly the unit_target table's targets."""
    with factory() as session:
        blocks = {
            i: np.frombuffer(cells, dtype=target_blocks.CELL).tolist() for i, cells in stored(session).items()
        }
        assert blocks == table(session)
        assert stored(session) == target_blocks.built(session.connection(), "1 = 1")


def _row(session: Session, code: str) -> IndicatorRow:
    return session.scalars(select(IndicatorRow).where(IndicatorRow.code == code)).one()


def _unit(session: Session, name: str) -> int:
    return session.scalars(select(OrgUnitRow.id).where(OrgUnitRow.name == name)).one()


def test_a_loaded_plan_has_its_breakdowns_as_blocks(loaded: tuple[int, sessionmaker[Session]]) -> None:
    plan_id, factory = loaded
    assert_current(factory)
    with factory() as session:
        a03 = _row(session, "A-03")
        [(indicator, cells)] = target_blocks.targets(session=session, plan_id=plan_id, only=[a03.id])
        assert indicator == a03.id and len(cells) == 11
        assert dict(cells.tolist())[_unit(session, "昭阳区")] == 184.0


def test_bulk_loaded_targets_are_written_to_their_blocks(loaded: tuple[int, sessionmaker[Session]]) -> None:
    _, factory = loaded
    with factory() as session, session.begin():
        a05 = _row(session, "A-05")
        units = np.array([_unit(session, n) for n in ("镇雄县", "昭阳区")])
        session.execute(delete(UnitTargetRow).where(UnitTargetRow.indicator_id == a05.id))
        load_unit_targets(
            session=session, indicator_id=np.full(2, a05.id), unit_id=units, value=np.array([3.0, 4.5])
        )
    assert_current(factory)


def test_a_hand_edit_of_a_breakdown_rewrites_its_block(loaded: tuple[int, sessionmaker[Session]]) -> None:
    _, factory = loaded
    with factory() as session, session.begin():
        row = _row(session, "A-03")
        targets = {"镇雄县": Decimal(700), "昭阳区": Decimal(300)}
        edited = indicator_from_row(row).model_copy(update={"breakdown": Breakdown(targets=targets)})
        apply_edit(session=session, row=row, edited=edited, user_id=None, reason="市政府常务会议调整")
    assert_current(factory)
    with factory() as session:
        assert len(np.frombuffer(stored(session)[_row(session, "A-03").id], dtype=target_blocks.CELL)) == 2


def _revised(*, breakdown: dict[str, Decimal], removed: set[str]) -> Plan:
    data = read_plan_file(default_plan_path()).model_dump()
    for area in data["areas"]:
        for task in area["tasks"]:
            for ind in task["indicators"]:
                if ind["id"] == "A-03":
                    ind["breakdown"]["targets"] |= breakdown
            task["indicators"] = [i for i in task["indicators"] if i["id"] not in removed]
    return Plan.model_validate(data)


def test_a_plan_revision_and_its_undo_keep_the_blocks(loaded: tuple[int, sessionmaker[Session]]) -> None:
    plan_id, factory = loaded
    with factory() as session, session.begin():
        plan_row = session.get_one(PlanRow, plan_id)
        revision = apply_plan_revision(session=session, plan_row=plan_row, today=TODAY, user_id=None,
                                       plan=_revised(breakdown={"昭阳区": Decimal(200)}, removed={"A-07"}),
                                       reason="人大批准")  # fmt: skip
        assert revision is not None
        revision_id = revision.id
    assert_current(factory)
    with factory() as session, session.begin():
        undo_plan_revision(session=session, revision_id=revision_id, user_id=None)
    assert_current(factory)


def test_orm_changes_and_a_rolled_back_savepoint_leave_no_stale_block(
    loaded: tuple[int, sessionmaker[Session]],
) -> None:
    _, factory = loaded
    with factory() as session, session.begin():
        a06 = _row(session, "A-06")
        a06.unit_targets[0].value = Decimal(99)
        session.delete(a06.unit_targets[1])
        a06.unit_targets[2].status = "confirmed"  # no change a block shows
        session.flush()
        outer = session.begin_nested()
        session.begin_nested().commit()
        target_blocks.keep_current(session)  # rebuilt inside the savepoint ...
        outer.rollback()  # ... and undone with it, the targets' changes are not
    assert_current(factory)


def test_raw_sql_on_the_unit_targets_rebuilds_the_blocks(loaded: tuple[int, sessionmaker[Session]]) -> None:
    plan_id, factory = loaded
    with factory() as session, session.begin():
        session.execute(text("UPDATE unit_target SET value = value * 2"))
        session.execute(text("DELETE FROM unit_target WHERE id IN (SELECT min(id) FROM unit_target)"))
    assert_current(factory)
    with factory() as session:  # read in the writing transaction: the blocks are brought up to date first
        session.execute(text("UPDATE unit_target SET value = 1"))
        blocks = target_blocks.targets(session=session, plan_id=plan_id)
        assert {value for _, cells in blocks for value in cells["value"].tolist()} == {1.0}
        session.rollback()
    assert_current(factory)


def test_the_migration_fills_the_blocks_of_an_existing_store(
    db_url: str, loaded: tuple[int, sessionmaker[Session]]
) -> None:
    from alembic import command

    from duban.persistence.migrate import alembic_config, upgrade

    _, factory = loaded
    with factory() as session:
        before = stored(session)
        assert len(before) == len(table(session)) > 5
    factory.kw["bind"].dispose()
    command.downgrade(alembic_config(db_url), "0016")
    upgrade(db_url)
    assert_current(factory)
    with factory() as session:
        assert stored(session) == before
