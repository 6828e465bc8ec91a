from datetime import UTC, date, datetime

import pytest
from sqlalchemy import update

from builders import OFFICE
from duban.choices import ReportingState
from duban.persistence.models import AuditRow
from duban.services.entries import WorkflowError, approve, submit
from duban.services.periods import period_key, period_label, reminder_list, reporting_status, resolve_period
from services.test_entries import JUNE_10, make_world


@pytest.mark.parametrize(
    ("combine", "key", "label", "first_deadline"),
    [(False, "2026-01", "2026年1月", date(2026, 1, 25)), (True, "2026-01", "2026年1—2月", date(2026, 2, 25)),
     (True, "2026-02", "2026年1—2月", date(2026, 2, 25))],
)  # fmt: skip
def test_periods_with_cutoff_day_and_combined_january_february(session, combine, key, label, first_deadline):
    world = make_world(session, combine=combine)
    assert len(world.periods) == (11 if combine else 12)
    period = resolve_period(session=session, plan=world.plan_row, key=key)
    assert (period_label(period, 2026), period.deadline) == (label, first_deadline)
    assert period_key(world.periods[-1], 2026) == "2026-12"


@pytest.mark.parametrize(
    ("key", "message"),
    [("2026-13", "格式不对"), ("六月", "格式不对"), ("2025-06", "不在 2026 年计划内")],
)
def test_bad_period_keys_are_explained(session, key, message):
    world = make_world(session)
    with pytest.raises(WorkflowError, match=message):
        resolve_period(session=session, plan=world.plan_row, key=key)


def test_reporting_status_tells_on_time_late_and_missing(session):
    world = make_world(session)
    entries = [world.save(session, "L02-1", value="370"), world.save(session, "L03-1", numerator=36, denominator=48),
               world.save(session, "M-1", stage="实施中", stage_date="2026-04-01", note="按计划推进")]  # fmt: skip
    late = world.save(session, "L02-1", unit="昭阳区", who="zhaoyang", value="250")
    for entry in [*entries, late]:
        submit(session=session, entry=entry, writer=OFFICE)
    approve(session=session, entry=entries[0], writer=world.writer("admin"))
    session.flush()
    session.execute(update(AuditRow).values(at=datetime(2026, 6, 10, 2, tzinfo=UTC)))
    session.execute(update(AuditRow).where(AuditRow.entity_id == late.id, AuditRow.action == "entry.submit")
                    .values(at=datetime(2026, 6, 27, 2, tzinfo=UTC)))  # fmt: skip
    status = reporting_status(session=session, plan_row=world.plan_row, plan=world.plan, period=world.periods[5],
                              today=date(2026, 6, 28))  # fmt: skip
    summary = {row.unit: (row.state, row.submitted, row.expected, row.overdue) for row in status}
    assert summary == {"镇雄县": (ReportingState.REPORTED, 3, 3, False),
                       "昭阳区": (ReportingState.MISSING, 1, 2, True)}  # fmt: skip
    [remind] = reminder_list(status=status)
    assert (remind.unit, remind.contacts) == ("昭阳区", ("zhaoyang",))


def test_a_unit_completing_after_the_deadline_is_late(session):
    world = make_world(session)
    for code, raw in (
        ("L02-1", {"value": "250"}),
        ("L03-1", {"numerator": 1, "denominator": 2, "note": "x"}),
    ):
        entry = world.save(session, code, unit="昭阳区", who="zhaoyang", **raw)
        submit(session=session, entry=entry, writer=OFFICE)
    session.flush()
    session.execute(update(AuditRow).values(at=datetime(2026, 6, 26, 1, tzinfo=UTC)))
    status = reporting_status(session=session, plan_row=world.plan_row, plan=world.plan, period=world.periods[5],
                              today=JUNE_10)  # fmt: skip
    assert {r.unit: r.state for r in status}["昭阳区"] is ReportingState.LATE
