"""Reported figures: record, submit, approve or return, every step audited.

Only approved figures are official: approval copies the reported figure into the `official_*`
columns, so a later correction in draft does not change official figures until it is approved.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from duban.choices import EntryState
from duban.store.audit import record_change
from duban.store.models import EntryRow, PeriodRow, PlanRow, utcnow


class WorkflowError(ValueError):
    """A step that the entry's current state does not allow; the message is for the user."""


def ensure_periods(
    *, session: Session, plan: PlanRow, cutoff_day: int, combine_jan_feb: bool
) -> list[PeriodRow]:
    """Create the plan's twelve (or eleven) monthly periods if missing; return them in order."""
    existing = {p.month: p for p in session.scalars(select(PeriodRow).where(PeriodRow.plan_id == plan.id))}
    for month in range(2 if combine_jan_feb else 1, 13):
        if month not in existing:
            first = 1 if combine_jan_feb and month == 2 else month
            existing[month] = PeriodRow(
                plan_id=plan.id, month=month, first_month=first, deadline=date(plan.year, month, cutoff_day)
            )
            session.add(existing[month])
    session.flush()
    return [existing[m] for m in sorted(existing)]


def find_period(*, session: Session, plan_id: int, month: int) -> PeriodRow | None:
    """The period that covers `month` of the plan's year."""
    query = select(PeriodRow).where(
        PeriodRow.plan_id == plan_id, PeriodRow.first_month <= month, PeriodRow.month >= month
    )
    return session.scalars(query).first()


def record_value(
    *,
    session: Session,
    indicator_id: int,
    unit_id: int,
    period_id: int,
    user_id: int | None,
    value: Decimal | None = None,
    numerator: Decimal | None = None,
    denominator: Decimal | None = None,
    stage: str | None = None,
    note: str | None = None,
    expected_version: int | None = None,
) -> EntryRow:
    """Save a draft figure for (indicator, unit, period); audited; refuses a stale version."""
    entry = _entry(session, indicator_id, unit_id, period_id)
    if expected_version is not None and entry.id is not None and entry.version != expected_version:
        raise WorkflowError("该数据已被他人修改,请刷新后重新填写")
    if entry.state == EntryState.SUBMITTED and entry.id is not None:
        raise WorkflowError("已提交待审核的数据不能修改")
    old = _figures(entry) if entry.id else None
    entry.value, entry.numerator, entry.denominator = value, numerator, denominator
    entry.stage, entry.note, entry.state = stage, note, EntryState.DRAFT.value
    entry.updated_by, entry.updated_at = user_id, utcnow()
    session.add(entry)
    session.flush()
    _audit(session, entry, user_id, "entry.record", old, _figures(entry))
    return entry


def submit(*, session: Session, entry: EntryRow, user_id: int | None) -> EntryRow:
    """Send a draft or returned figure for review."""
    _require(entry, {EntryState.DRAFT, EntryState.RETURNED}, "只有填报中或被退回的数据可以提交")
    return _move(session, entry, user_id, EntryState.SUBMITTED, "entry.submit")


def approve(*, session: Session, entry: EntryRow, user_id: int | None) -> EntryRow:
    """Approve a submitted figure; it becomes the official figure."""
    _require(entry, {EntryState.SUBMITTED}, "只有已提交的数据可以审核通过")
    entry.official_value, entry.official_numerator = entry.value, entry.numerator
    entry.official_denominator, entry.official_stage = entry.denominator, entry.stage
    entry.approved_at = utcnow()
    return _move(session, entry, user_id, EntryState.APPROVED, "entry.approve")


def return_entry(*, session: Session, entry: EntryRow, user_id: int | None, reason: str) -> EntryRow:
    """Send a submitted figure back to its unit with a reason."""
    _require(entry, {EntryState.SUBMITTED}, "只有已提交的数据可以退回")
    if not reason.strip():
        raise WorkflowError("退回必须说明理由")
    entry.return_reason = reason
    return _move(session, entry, user_id, EntryState.RETURNED, "entry.return", reason)


def _entry(session: Session, indicator_id: int, unit_id: int, period_id: int) -> EntryRow:
    query = select(EntryRow).where(
        EntryRow.indicator_id == indicator_id, EntryRow.unit_id == unit_id, EntryRow.period_id == period_id
    )
    return session.scalars(query).first() or EntryRow(
        indicator_id=indicator_id, unit_id=unit_id, period_id=period_id
    )


def _require(entry: EntryRow, states: set[EntryState], message: str) -> None:
    if EntryState(entry.state) not in states:
        raise WorkflowError(f"{message}(当前状态:{EntryState(entry.state).label})")


def _move(
    session: Session,
    entry: EntryRow,
    user_id: int | None,
    state: EntryState,
    action: str,
    reason: str | None = None,
) -> EntryRow:
    old_state = entry.state
    entry.state, entry.updated_by, entry.updated_at = state.value, user_id, utcnow()
    if state is EntryState.SUBMITTED:
        entry.submitted_at = utcnow()
    session.flush()
    _audit(
        session,
        entry,
        user_id,
        action,
        {"state": old_state},
        {"state": state.value, **_figures(entry)},
        reason,
    )
    return entry


def _figures(entry: EntryRow) -> dict[str, Any]:
    return {
        "value": entry.value, "numerator": entry.numerator, "denominator": entry.denominator,
        "stage": entry.stage, "note": entry.note,
    }  # fmt: skip


def _audit(
    session: Session,
    entry: EntryRow,
    user_id: int | None,
    action: str,
    old: dict[str, Any] | None,
    new: dict[str, Any],
    reason: str | None = None,
) -> None:
    record_change(
        session=session, user_id=user_id, action=action, entity="entry", entity_id=entry.id,
        old=old, new=new, reason=reason,
    )  # fmt: skip
