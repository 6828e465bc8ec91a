"""The office's review queue: submitted figures with what the reviewer needs beside them."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from duban.choices import EntryState
from duban.persistence.models import EntryRow, IndicatorRow, OrgUnitRow, PeriodRow
from duban.persistence.reporting_models import EvidenceRow


@dataclass(frozen=True)
class ReviewLine:
    """One figure awaiting review, with what the reviewer needs beside it."""

    entry: EntryRow
    indicator: IndicatorRow
    unit: OrgUnitRow
    month: int
    previous: Decimal | None
    evidence: int


def review_lines(
    *, session: Session, plan_id: int, unit_id: int | None = None, month: int | None = None
) -> list[ReviewLine]:
    """Submitted figures of the plan with last month's figure and the number of evidence files."""
    before = aliased(EntryRow)
    earlier = aliased(PeriodRow)
    previous = (
        select(func.coalesce(before.official_value, before.value))
        .join(earlier, before.period_id == earlier.id)
        .where(before.indicator_id == EntryRow.indicator_id, before.unit_id == EntryRow.unit_id,
               earlier.plan_id == plan_id, earlier.month == PeriodRow.month - 1)
        .scalar_subquery()
    )  # fmt: skip
    files = select(func.count(EvidenceRow.id)).where(EvidenceRow.entry_id == EntryRow.id).scalar_subquery()
    query = (
        select(EntryRow, IndicatorRow, OrgUnitRow, PeriodRow.month, previous, files)
        .join(IndicatorRow, EntryRow.indicator_id == IndicatorRow.id)
        .join(OrgUnitRow, EntryRow.unit_id == OrgUnitRow.id)
        .join(PeriodRow, EntryRow.period_id == PeriodRow.id)
        .where(PeriodRow.plan_id == plan_id, EntryRow.state == EntryState.SUBMITTED.value)
        .order_by(EntryRow.submitted_at, EntryRow.id)
    )
    if unit_id is not None:
        query = query.where(EntryRow.unit_id == unit_id)
    if month is not None:
        query = query.where(PeriodRow.month == month)
    return [ReviewLine(*row) for row in session.execute(query)]
