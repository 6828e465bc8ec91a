"""A target revised from the words a user typed (`duban plan revise A-03 1100 --from 2026-07 …`)."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from duban.months import month_in_year, named_month
from duban.persistence.models import IndicatorRow, PlanRow
from duban.services.revisions import RevisionError, TargetChange, changes_through, revise_target
from duban.services.units import unit_named


def revise_in_plan(
    *, session: Session, plan_row: PlanRow, indicator: str, value: str, from_month: str, unit: str | None,
    reason: str,
) -> TargetChange:  # fmt: skip
    """Revise a target of `plan_row` from the words a user typed; the change as bulletins state it."""
    row = revise_target(
        session=session, indicator_id=_indicator_id(session, plan_row, indicator), unit_id=_unit_id(session, unit),
        new_value=target_value(value), effective_month=month_of(from_month, plan_row.year), reason=reason,
        user_id=None,
    )  # fmt: skip
    changes = changes_through(session=session, plan_id=plan_row.id, year=plan_row.year, month=12)
    return next(c for c in changes if c.id == row.id)


def year_named(text: str) -> int | None:
    """The year a month typed as "2026-07" or "2026年7月" names (None for "7")."""
    named = named_month(text)
    return named[0] if named else None


def target_value(text: str) -> Decimal:
    """A number as users type it: 1100, 1,100, 1100个 or 12.5%."""
    cleaned = re.sub(r"[,，\s]", "", text)
    match = re.match(r"-?\d+(?:\.\d+)?", cleaned)
    try:
        return Decimal(match.group(0)) if match else Decimal(cleaned)
    except InvalidOperation as exc:
        raise RevisionError(f"新目标值“{text}”不是数字") from exc


def month_of(text: str, year: int) -> int:
    """The month "2026-07", "2026年7月" or "7" names, within the plan's year."""
    try:
        return month_in_year(text, year, example="07")
    except ValueError as exc:
        raise RevisionError(str(exc)) from exc


def _indicator_id(session: Session, plan_row: PlanRow, code: str) -> int:
    query = select(IndicatorRow.id).where(
        IndicatorRow.plan_id == plan_row.id, IndicatorRow.code == code.strip()
    )
    found = session.scalar(query)
    if found is None:
        raise RevisionError(f"计划中没有编号为“{code}”的指标")
    return found


def _unit_id(session: Session, name: str | None) -> int | None:
    if not name:
        return None
    found = unit_named(session=session, name=name)
    if found is None:
        raise RevisionError(f"“{name}”不是已登记的单位")
    return found.id
