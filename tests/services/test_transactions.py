"""A transaction is all or nothing on both backends, savepoints inside it included.

Python's sqlite3 driver opens its own transactions lazily and commits a SAVEPOINT released outside
one; the store opens the driver's transaction before any savepoint (duban.persistence.db).
"""

from decimal import Decimal

from sqlalchemy import func, select

from builders import make_plan
from duban.persistence.models import AuditRow, EntryRow, IndicatorRow, OrgUnitRow
from duban.services.entries import ensure_periods, record_value
from duban.services.plan_loading import save_plan


def _ids(factory):
    with factory() as session, session.begin():
        row = save_plan(session=session, plan=make_plan())
        period = ensure_periods(session=session, plan=row, cutoff_day=25, combine_jan_feb=False)[5]
        indicator = session.scalar(select(IndicatorRow.id))
        unit = session.scalar(select(OrgUnitRow.id).where(OrgUnitRow.name == "镇雄县"))
        return indicator, unit, period.id


def _count(factory, model):
    with factory() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_a_rolled_back_transaction_leaves_no_figure_and_no_audit(factory):
    indicator, unit, period = _ids(factory)
    audits = _count(factory, AuditRow)
    with factory() as session:
        session.begin()
        record_value(session=session, indicator_id=indicator, unit_id=unit, period_id=period, user_id=None,
                     value=Decimal(12))  # fmt: skip
        session.rollback()
    assert (_count(factory, EntryRow), _count(factory, AuditRow)) == (0, audits)


def test_a_committed_transaction_keeps_figure_and_audit_together(factory):
    indicator, unit, period = _ids(factory)
    audits = _count(factory, AuditRow)
    with factory() as session, session.begin():
        record_value(session=session, indicator_id=indicator, unit_id=unit, period_id=period, user_id=None,
                     value=Decimal(12))  # fmt: skip
    assert (_count(factory, EntryRow), _count(factory, AuditRow)) == (1, audits + 1)


def test_a_released_savepoint_is_still_undone_by_the_outer_rollback(factory):
    indicator, unit, period = _ids(factory)
    with factory() as session:
        session.begin()
        with session.begin_nested():  # the transaction's first statement, as in an Excel import
            session.add(EntryRow(indicator_id=indicator, unit_id=unit, period_id=period, value=Decimal(5)))
        session.rollback()
    assert _count(factory, EntryRow) == 0
