"""The one lock rule: whether a figure, or its evidence, may change now. Every path that changes one asks it.

- A locked period refuses every change, the office's review included (a unit reopening lets that unit in).
- After the deadline a unit's reporters may change nothing, except a figure the office returned: the return
  reopens that one figure, so its unit may correct and resubmit it until the period is locked.
- The office is held only to the lock; an approved figure's evidence never changes.
- A closed year (年终考核) refuses every step of everyone; only an admin's correction (`Step.CORRECT`, with a
  reason, `duban.services.yearclose.correct_figure`) changes a final figure, and only in a closed year.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from sqlalchemy.orm import Session

from duban.choices import EntryState
from duban.persistence.models import EntryRow, PeriodRow, PlanRow
from duban.persistence.storedrows import stored_row
from duban.services.periods import PeriodClosed, closed_reason, closed_year_reason, locked_reason


class Step(StrEnum):
    """What a writer is about to do to a figure."""

    EDIT = "edit"
    SUBMIT = "submit"
    EVIDENCE = "evidence"
    REVIEW = "review"
    CORRECT = "correct"  # an admin's audited correction of a final figure in a closed year


@dataclass(frozen=True)
class Writer:
    """Who is writing and when: reporters are held to the period's deadline, admins only to its lock."""

    user_id: int | None
    admin: bool
    today: date


def reopened_by_return(entry: EntryRow | None) -> bool:
    """Whether the office's return has reopened this figure (until it is resubmitted)."""
    returned = (EntryState.RETURNED.value, EntryState.DRAFT.value)  # a draft: corrected under the old rules
    return entry is not None and entry.return_reason is not None and entry.state in returned


def lock_refusal(
    *, session: Session, period: PeriodRow, unit_id: int, entry: EntryRow | None, writer: Writer, step: Step,
    year: int | None = None,
) -> str | None:  # fmt: skip
    """Why `writer` may not take `step` on `unit_id`'s figure `entry` (None: not yet saved) now; None if allowed."""
    plan = _plan(session, period)
    if plan.closed_at is not None or step is Step.CORRECT:
        return _closed_year_refusal(plan, writer, step)
    year = year or plan.year
    locked = locked_reason(session=session, period=period, unit_id=unit_id, today=writer.today, year=year)
    if locked or step is Step.REVIEW:
        return locked
    if step is Step.EVIDENCE and entry is not None and entry.state == EntryState.APPROVED:
        return "该数据已审核通过，佐证材料不能再增删；如需更正，请先修改数据并说明理由"
    if writer.admin or reopened_by_return(entry):
        return None
    return closed_reason(session=session, period=period, unit_id=unit_id, today=writer.today, year=year)


def check_lock(
    *, session: Session, period: PeriodRow, unit_id: int, entry: EntryRow | None, writer: Writer, step: Step,
    year: int | None = None,
) -> None:  # fmt: skip
    """Raise PeriodClosed (HTTP 423) when the lock rule refuses the step."""
    reason = lock_refusal(session=session, period=period, unit_id=unit_id, entry=entry, writer=writer,
                          step=step, year=year)  # fmt: skip
    if reason:
        raise PeriodClosed(reason)


def check_entry_lock(*, session: Session, entry: EntryRow, writer: Writer, step: Step) -> None:
    """The lock rule for a step on a saved figure."""
    period = stored_row(session=session, model=PeriodRow, row_id=entry.period_id)
    assert period is not None
    check_lock(session=session, period=period, unit_id=entry.unit_id, entry=entry, writer=writer, step=step)


def _closed_year_refusal(plan: PlanRow, writer: Writer, step: Step) -> str | None:
    if step is not Step.CORRECT:
        return closed_year_reason(plan)
    if plan.closed_at is None:
        return f"{plan.year}年度尚未年终考核关闭，请按填报、审核流程修改数据"
    return None if writer.admin else "只有管理员可以更正已年终考核关闭年度的数据"


def _plan(session: Session, period: PeriodRow) -> PlanRow:
    plan = stored_row(session=session, model=PlanRow, row_id=period.plan_id)
    assert plan is not None
    return plan
