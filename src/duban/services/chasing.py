"""催报: the office reminds the units whose report is overdue, from 报送情况, in one click.

A reminder goes through the unit's 逾期未报送 督办 item (the one the rules would open, so never a
second one) and the reminder table, whose unique (item, day) keeps it to once a day per unit even when
the button is pressed twice; the inbox shows it and the e-mail goes out as the daily reminders do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from duban.choices import Colour, ItemCause
from duban.persistence.audit import record_event
from duban.persistence.models import PeriodRow, PlanRow
from duban.persistence.supervision_models import SupervisionItemRow, SupervisionReminderRow
from duban.services.periods import UnitReporting, period_label, reporting_status
from duban.services.plans import plan_from_store
from duban.services.supervision import (
    OPEN_STATES,
    Reminder,
    _latest_item,
    _reminder,
    _unit_addresses,
    open_item,
    rules_of,
)
from duban.supervision.situations import Situation, report_subject


@dataclass(frozen=True)
class LateUnit:
    """A unit the 催报 would remind: how much is missing, how late, who gets the e-mail, and whether it was reminded today."""

    unit_id: int
    unit: str
    missing: int
    days_late: int
    recipients: tuple[str, ...]
    reminded_today: bool


def late_units(*, session: Session, plan_row: PlanRow, period: PeriodRow, today: date) -> list[LateUnit]:
    """The 催报 preview: units whose report for `period` is overdue and incomplete."""
    status = reporting_of(session=session, plan_row=plan_row, period=period, today=today)
    reminded = _reminded_today(session, plan_row, period, today)
    return [
        LateUnit(unit_id=row.unit_id, unit=row.unit, missing=_missing(row), days_late=(today - period.deadline).days,
                 recipients=tuple(_unit_addresses(session, row.unit_id)), reminded_today=row.unit in reminded)
        for row in status if row.overdue
    ]  # fmt: skip


def remind_late_units(
    *, session: Session, plan_row: PlanRow, period: PeriodRow, today: date, user_id: int | None
) -> tuple[list[Reminder], list[str]]:
    """Remind every late unit once today (audited); the reminders written and the units already reminded."""
    rules = rules_of(session=session, plan_id=plan_row.id)
    written, skipped = [], []
    for line in late_units(session=session, plan_row=plan_row, period=period, today=today):
        item = _report_item(session, plan_row, period, line, today)
        reminder = _claim(session, item, line, period, plan_row.year, today) if item is not None else None
        if reminder is None:
            skipped.append(line.unit)
        else:
            written.append(reminder)
    record_event(session, actor=user_id, action="period.remind", subject=("period", period.id),
                 new={"reminded": [r.unit for r in written], "skipped": skipped,
                      "report_red_days": rules.report_red_days})  # fmt: skip
    return written, skipped


def reporting_of(
    *, session: Session, plan_row: PlanRow, period: PeriodRow, today: date
) -> list[UnitReporting]:
    """报送情况 of every reporting unit for `period`, as the plan stood in that month."""
    plan = plan_from_store(session=session, plan_row=plan_row, month=period.month)
    return reporting_status(session=session, plan_row=plan_row, plan=plan, period=period, today=today)


def _missing(row: UnitReporting) -> int:
    return row.expected - row.submitted


def _reminded_today(session: Session, plan_row: PlanRow, period: PeriodRow, today: date) -> set[str]:
    query = (
        select(SupervisionItemRow.subject)
        .join(SupervisionReminderRow, SupervisionReminderRow.item_id == SupervisionItemRow.id)
        .where(SupervisionItemRow.plan_id == plan_row.id, SupervisionReminderRow.day == today,
               SupervisionItemRow.cause == ItemCause.REPORT_OVERDUE.value)
    )  # fmt: skip
    prefix, suffix = "report:", f":{period.month:02d}"
    return {s[len(prefix) : -len(suffix)] for s in session.scalars(query) if s.endswith(suffix)}


def _report_item(
    session: Session, plan_row: PlanRow, period: PeriodRow, line: LateUnit, today: date
) -> SupervisionItemRow | None:
    """The unit's open 逾期未报送 item for the period, opened now when it has none."""
    rules = rules_of(session=session, plan_id=plan_row.id)
    severity = Colour.RED if line.days_late >= rules.report_red_days else Colour.YELLOW
    situation = Situation(
        subject=report_subject(line.unit, period.month), cause=ItemCause.REPORT_OVERDUE, unit=line.unit,
        title=f"{period.month}月数据未报送（{line.unit}）",
        ask=f"{period.month}月尚有{line.missing}项数据未报送，已逾期{line.days_late}天，请立即报送。",
        severity=severity, month=period.month,
    )  # fmt: skip
    opened = open_item(session=session, plan_id=plan_row.id, situation=situation, today=today, rules=rules)
    item = opened or _latest_item(session, situation.subject)
    return item if item is not None and item.state in OPEN_STATES else None


def _claim(
    session: Session, item: SupervisionItemRow, line: LateUnit, period: PeriodRow, year: int, today: date
) -> Reminder | None:
    message = (f"催报：{period_label(period, year)}尚有{line.missing}项数据未报送，"
               f"已逾期{line.days_late}天，请立即登录系统报送。")  # fmt: skip
    row = SupervisionReminderRow(item_id=item.id, unit_id=item.unit_id, day=today, colour=item.colour,
                                 message=message, recipients=list(line.recipients))  # fmt: skip
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return None  # reminded today already (this button, or the daily reminders)
    return _reminder(row, item)
