"""The office's bulletin numbers: one counter per plan year, kept in the audit trail.

Each numbered bulletin the office issues is recorded as a `bulletin.issue` change of its plan
(year, number, period, county, date); the next number is the year's highest plus one. A number
already given to another bulletin of the year is reported, so that it is never used twice unnoticed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from duban.persistence.audit import record_event
from duban.persistence.models import AuditRow

ACTION = "bulletin.issue"


@dataclass(frozen=True)
class Issued:
    """One numbered bulletin as recorded."""

    number: int
    period: str
    unit: str | None
    issued: str

    def words(self) -> str:
        return f"{self.period}{'（' + self.unit + '）' if self.unit else ''}通报"


def issued_bulletins(*, session: Session, plan_id: int) -> list[Issued]:
    """The plan's numbered bulletins, oldest first."""
    query = select(AuditRow.new).where(AuditRow.action == ACTION, AuditRow.entity == "plan",
                                       AuditRow.entity_id == plan_id).order_by(AuditRow.id)  # fmt: skip
    return [Issued(int(n["number"]), str(n["period"]), n.get("unit"), str(n["issued"]))
            for n in session.scalars(query) if n]  # fmt: skip


def next_number(*, session: Session, plan_id: int) -> int:
    """The number the plan year's next bulletin takes."""
    return max((b.number for b in issued_bulletins(session=session, plan_id=plan_id)), default=0) + 1


def record_issue(
    *, session: Session, plan_id: int, number: int, period: str, unit: str | None, issued: date,
    user_id: int | None = None,
) -> Issued | None:  # fmt: skip
    """Record a numbered bulletin; returns the other bulletin that already holds `number`, if any."""
    clash = next((b for b in issued_bulletins(session=session, plan_id=plan_id)
                  if b.number == number and (b.period, b.unit) != (period, unit)), None)  # fmt: skip
    record_event(session, actor=user_id, action=ACTION, subject=("plan", plan_id),
                 new={"number": number, "period": period, "unit": unit, "issued": issued.isoformat()})  # fmt: skip
    return clash
