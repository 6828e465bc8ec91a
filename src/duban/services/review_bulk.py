"""Bulk approval in the review: a preview of exactly which submitted figures would be approved, then approving
those (and only those still awaiting review, so a second click approves nothing twice)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from duban.choices import EntryState
from duban.persistence.audit import record_event
from duban.persistence.models import EntryRow, IndicatorRow, OrgUnitRow, PeriodRow
from duban.services.entries import FourEyes, Writer, approve
from duban.services.periods import WorkflowError

MAX_BULK = 5000


@dataclass(frozen=True)
class PreviewLine:
    """One figure the bulk approval would make official."""

    entry_id: int
    unit: str
    month: int
    code: str
    name: str


@dataclass(frozen=True)
class BulkPreview:
    """What a bulk approval would do: how many figures, of which units and months."""

    lines: list[PreviewLine]

    @property
    def count(self) -> int:
        return len(self.lines)

    @property
    def units(self) -> list[str]:
        return list(dict.fromkeys(x.unit for x in self.lines))

    @property
    def months(self) -> list[int]:
        return sorted({x.month for x in self.lines})


@dataclass
class BulkResult:
    """What a bulk approval did: figures approved, already handled (a repeated click) and refused, with why."""

    approved: list[int] = field(default_factory=list)
    already: int = 0
    refused: list[str] = field(default_factory=list)


def bulk_preview(*, session: Session, plan_id: int, unit_id: int | None, month: int | None) -> BulkPreview:
    """The submitted figures of the plan the filters select (all of them when none is set)."""
    query = (
        select(EntryRow.id, OrgUnitRow.name, PeriodRow.month, IndicatorRow.code, IndicatorRow.name)
        .join(IndicatorRow, EntryRow.indicator_id == IndicatorRow.id)
        .join(OrgUnitRow, EntryRow.unit_id == OrgUnitRow.id)
        .join(PeriodRow, EntryRow.period_id == PeriodRow.id)
        .where(PeriodRow.plan_id == plan_id, EntryRow.state == EntryState.SUBMITTED.value)
        .order_by(OrgUnitRow.position, OrgUnitRow.id, PeriodRow.month, IndicatorRow.id)
    )
    if unit_id is not None:
        query = query.where(EntryRow.unit_id == unit_id)
    if month is not None:
        query = query.where(PeriodRow.month == month)
    return BulkPreview([PreviewLine(*row) for row in session.execute(query.limit(MAX_BULK))])


def submitted_count(*, session: Session, plan_id: int, unit_id: int | None, month: int | None) -> int:
    """How many figures await review under the filters (the review page's header count)."""
    query = (
        select(func.count(EntryRow.id))
        .join(PeriodRow, EntryRow.period_id == PeriodRow.id)
        .where(PeriodRow.plan_id == plan_id, EntryRow.state == EntryState.SUBMITTED.value)
    )
    if unit_id is not None:
        query = query.where(EntryRow.unit_id == unit_id)
    if month is not None:
        query = query.where(PeriodRow.month == month)
    return int(session.scalar(query) or 0)


def approve_previewed(*, session: Session, plan_id: int, entry_ids: list[int], writer: Writer) -> BulkResult:
    """Approve the previewed figures still awaiting review (each audited, and the batch once)."""
    result = BulkResult()
    query = (
        select(EntryRow)
        .join(PeriodRow, EntryRow.period_id == PeriodRow.id)
        .where(PeriodRow.plan_id == plan_id, EntryRow.id.in_(entry_ids[:MAX_BULK]))
        .order_by(EntryRow.id)
    )
    for entry in session.scalars(query):
        if entry.state != EntryState.SUBMITTED.value:
            result.already += 1
            continue
        try:
            with session.begin_nested():
                approve(session=session, entry=entry, writer=writer)
        except (FourEyes, WorkflowError) as exc:
            result.refused.append(str(exc))
            continue
        result.approved.append(entry.id)
    if result.approved:
        record_event(session, actor=writer.user_id, action="entry.bulk_approve", subject=("review", None),
                     new={"approved": result.approved, "already": result.already,
                          "refused": len(result.refused)})  # fmt: skip
    return result
