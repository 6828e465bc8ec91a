"""A reporter's to-do (我的待办): what their unit owes, from its obligations, oldest first.

Months whose deadline has passed with figures still missing, figures the office returned (with the
reason), 督办 items waiting on the unit (to sign or to answer) and the next deadline.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from duban.choices import EntryState, ItemState, ReportingState
from duban.persistence.models import EntryRow, IndicatorRow, PeriodRow, PlanRow
from duban.persistence.readcache import remembered
from duban.plan.model import Plan
from duban.services.periods import period_label, reporting_status
from duban.services.plans import plan_from_store
from duban.services.supervision import ItemSummary, list_items


@dataclass(frozen=True)
class OverdueMonth:
    """A month whose deadline has passed while the unit's figures are incomplete."""

    month: int
    label: str
    deadline: date
    missing: int


@dataclass(frozen=True)
class ReturnedFigure:
    """A figure the office sent back, with its reason."""

    month: int
    code: str
    name: str
    reason: str


@dataclass(frozen=True)
class NextDeadline:
    """The next period the unit reports into, when it is due and whether the unit has finished it."""

    month: int
    label: str
    deadline: date
    days_left: int
    missing: int


@dataclass
class Todo:
    """Everything waiting on one unit."""

    overdue: list[OverdueMonth] = field(default_factory=list)
    returned: list[ReturnedFigure] = field(default_factory=list)
    items: list[ItemSummary] = field(default_factory=list)
    next_deadline: NextDeadline | None = None

    @property
    def empty(self) -> bool:
        return not (self.overdue or self.returned or self.items)


def reporter_todo(*, session: Session, plan_row: PlanRow, unit_id: int, today: date) -> Todo:
    """The unit's to-do on `today`: overdue months, returned figures, 督办 items to handle, next deadline."""
    periods = list(session.scalars(select(PeriodRow).where(PeriodRow.plan_id == plan_row.id)
                                   .order_by(PeriodRow.month)))  # fmt: skip
    todo = Todo()
    upcoming = next((p for p in periods if p.deadline >= today and not p.locked), None)
    asked = [p for p in periods if p.deadline < today] + ([upcoming] if upcoming else [])
    owed = _missing_by_period(session, plan_row, asked, unit_id, today)
    for period in asked:
        missing = owed[period.id]
        if missing is None:
            continue  # nothing asked of the unit that month
        label = period_label(period, plan_row.year)
        if period is upcoming:
            todo.next_deadline = NextDeadline(period.month, label, period.deadline,
                                              (period.deadline - today).days, missing)  # fmt: skip
        elif missing:
            todo.overdue.append(OverdueMonth(period.month, label, period.deadline, missing))
    todo.returned = _returned(session, plan_row.id, unit_id)
    turn = (ItemState.PENDING.value, ItemState.HANDLING.value)
    todo.items = sorted(list_items(session=session, plan_id=plan_row.id, unit_id=unit_id, states=turn),
                        key=lambda i: (i.deadline, i.id))  # fmt: skip
    return todo


def _missing_by_period(
    session: Session, plan_row: PlanRow, periods: list[PeriodRow], unit_id: int, today: date
) -> dict[int, int | None]:
    """Per period id, the figures the unit has still to submit (`_missing`): remembered until the store moves on.

    Rebuilt per request, the plan and six months' 报送情况 took ~60 ms of a reporter's 首页 on the demo city
    (bench_pages: a department's `/?year=2025` median 105 ms); the reporting state, the plan, the periods and the
    office's settings all move the generation counters, so a remembered answer is never stale."""

    def compute() -> dict[int, int | None]:
        plan = plan_from_store(session=session, plan_row=plan_row, retired=True)  # each month asks its own
        return {p.id: _missing(session, plan_row, plan, p, unit_id, today) for p in periods}

    return remembered(session=session, key=("reporter missing", plan_row.id, unit_id, today), compute=compute)


def _missing(
    session: Session, plan_row: PlanRow, plan: Plan, period: PeriodRow, unit_id: int, today: date
) -> int | None:
    """How many figures the unit has still to submit for `period`; None when nothing is asked of it.

    `plan` holds every stored indicator: reporting_status keeps those asked in the period's month."""
    status = reporting_status(session=session, plan_row=plan_row, plan=plan, period=period, today=today,
                              unit_id=unit_id)  # fmt: skip
    mine = next((row for row in status if row.unit_id == unit_id), None)
    if mine is None:
        return None
    return 0 if mine.state is not ReportingState.MISSING else mine.expected - mine.submitted


def _returned(session: Session, plan_id: int, unit_id: int) -> list[ReturnedFigure]:
    query = (
        select(PeriodRow.month, IndicatorRow.code, IndicatorRow.name, EntryRow.return_reason)
        .join(PeriodRow, EntryRow.period_id == PeriodRow.id)
        .join(IndicatorRow, EntryRow.indicator_id == IndicatorRow.id)
        .where(PeriodRow.plan_id == plan_id, EntryRow.unit_id == unit_id,
               EntryRow.state == EntryState.RETURNED.value)
        .order_by(PeriodRow.month, IndicatorRow.id)
    )  # fmt: skip
    return [ReturnedFigure(m, code, name, reason or "") for m, code, name, reason in session.execute(query)]
