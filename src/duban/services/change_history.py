"""An indicator's change history: every audited change to it and to its units' figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from duban.persistence.models import AuditRow, EntryRow, OrgUnitRow, PeriodRow, UserRow

ACTIONS = {
    "entry.record": "填报", "entry.submit": "提交", "entry.approve": "审核通过", "entry.return": "退回",
    "entry.import": "表格导入", "entry.evidence": "上传佐证", "indicator.edit": "修改目标",
}  # fmt: skip


@dataclass(frozen=True)
class HistoryLine:
    """One change in an indicator's audit trail, in words."""

    at: datetime
    who: str
    action: str
    unit: str
    month: int | None
    old: dict[str, Any] | None
    new: dict[str, Any] | None
    reason: str | None


def indicator_history(
    *, session: Session, indicator_id: int, unit_id: int | None = None
) -> list[HistoryLine]:
    """Every audited change to the indicator and to its units' figures (only `unit_id`'s when given), newest first."""
    query = (
        select(EntryRow.id, OrgUnitRow.name, PeriodRow.month)
        .join(OrgUnitRow, EntryRow.unit_id == OrgUnitRow.id)
        .join(PeriodRow, EntryRow.period_id == PeriodRow.id)
        .where(EntryRow.indicator_id == indicator_id)
    )
    if unit_id is not None:
        query = query.where(EntryRow.unit_id == unit_id)
    entries = {entry_id: (unit, month) for entry_id, unit, month in session.execute(query)}
    trail = (
        select(AuditRow, UserRow.display_name, UserRow.username)
        .outerjoin(UserRow, AuditRow.user_id == UserRow.id)
        .where(or_((AuditRow.entity == "entry") & AuditRow.entity_id.in_(entries),
                   (AuditRow.entity == "indicator") & (AuditRow.entity_id == indicator_id)))
        .order_by(AuditRow.at.desc(), AuditRow.id.desc())
    )  # fmt: skip
    return [
        _history_line(row, name or username or "系统", entries)
        for row, name, username in session.execute(trail)
    ]


def _history_line(row: AuditRow, who: str, entries: dict[int, tuple[str, int]]) -> HistoryLine:
    unit, month = entries.get(row.entity_id or 0, ("", None)) if row.entity == "entry" else ("", None)
    return HistoryLine(
        row.at, who, ACTIONS.get(row.action, row.action), unit, month, row.old, row.new, row.reason
    )
