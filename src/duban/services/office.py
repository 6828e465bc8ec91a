"""The office's settings and the one 当前报送期 that every page, the JSON API and the bulletin show.

The current period is the one the office has set, else the latest period whose deadline has passed.
Figures saved for a later month (drafts, next month's forms) never move it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from duban.months import month_end
from duban.persistence.audit import audited
from duban.persistence.models import PeriodRow, PlanRow
from duban.persistence.readcache import within_transaction
from duban.persistence.reporting_models import OfficeSettingRow

APPROVED_ONLY = "以审核通过的数据为准"
WITH_PENDING = "含待审核数据（已提交、尚未审核的数据一并计入）"


@dataclass(frozen=True)
class Basis:
    """Which figures count: approved only, or approved and submitted-but-not-reviewed."""

    include_submitted: bool = False
    carry_forward: bool = True

    @property
    def label(self) -> str:
        return WITH_PENDING if self.include_submitted else APPROVED_ONLY


@dataclass(frozen=True)
class OfficeSettings:
    """What the office has chosen: a pinned 当前报送期 (None: by deadline) and the basis."""

    current_month: int | None
    basis: Basis


def office_settings(*, session: Session, plan_id: int) -> OfficeSettings:
    """The office's settings for the plan (defaults when it has set nothing), read once per transaction (a
    page asks up to four times: its period, the month before's, the map's)."""
    return within_transaction(
        session=session, key=("office settings", plan_id), compute=lambda: _office_settings(session, plan_id)
    )


def _office_settings(session: Session, plan_id: int) -> OfficeSettings:
    row = session.get(OfficeSettingRow, plan_id)
    if row is None:
        return OfficeSettings(None, Basis())
    return OfficeSettings(row.current_month, Basis(row.include_submitted, row.carry_forward))


def _defaults() -> dict[str, object]:
    return {"current_month": None, **dataclasses.asdict(Basis())}


def current_month(*, session: Session, plan_row: PlanRow, today: date) -> int:
    """当前报送期: the month the office has set, else the latest period whose deadline has passed."""
    pinned = office_settings(session=session, plan_id=plan_row.id).current_month
    return pinned or due_month(session=session, plan_row=plan_row, today=today)


def due_month(*, session: Session, plan_row: PlanRow, today: date) -> int:
    """The latest period whose deadline is before `today`; the first period when none has passed yet."""
    query = select(PeriodRow.month, PeriodRow.deadline).where(PeriodRow.plan_id == plan_row.id)
    deadlines = within_transaction(
        session=session,
        key=("deadlines", plan_row.id),
        compute=lambda: {month: deadline for month, deadline in session.execute(query)},
    )
    if not deadlines:  # no periods set up yet: nothing can have been reported
        return min(max(today.month - 1, 1), 12) if today.year == plan_row.year else _outside(plan_row, today)
    passed = [month for month, deadline in deadlines.items() if deadline < today]
    return max(passed, default=min(deadlines))


def _outside(plan_row: PlanRow, today: date) -> int:
    return 12 if today.year > plan_row.year else 1


def period_note(*, year: int, month: int, basis: Basis) -> str:
    """What every page states about its figures: 数据截至…，以审核通过的数据为准 (or the basis chosen)."""
    return f"数据截至{year}年{month}月{month_end(year, month).day}日，{basis.label}"


def save_office_settings(
    *, session: Session, plan_id: int, current: int | None, include_submitted: bool, carry_forward: bool,
    user_id: int | None,
) -> OfficeSettings:  # fmt: skip
    """Set the 当前报送期 (None: by deadline) and the basis of the figures; audited."""
    if current is not None and not 1 <= current <= 12:
        raise ValueError(f"当前报送期 {current} 月无效，应为 1–12 月")
    row = session.get(OfficeSettingRow, plan_id)
    defaults = None if row else _defaults()  # a plan that never set them had the defaults before
    with audited(session, actor=user_id, action="office.settings", subject=("plan", plan_id), old=defaults):
        row = row or OfficeSettingRow(plan_id=plan_id)
        row.current_month, row.include_submitted, row.carry_forward = (
            current,
            include_submitted,
            carry_forward,
        )
        row.updated_by = user_id
        session.add(row)
    return office_settings(session=session, plan_id=plan_id)
