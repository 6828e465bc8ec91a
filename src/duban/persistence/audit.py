"""The audit trail: every change keeps who, when, the old and new values and why."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from duban.persistence.models import AuditRow


def record_change(
    *,
    session: Session,
    user_id: int | None,
    action: str,
    entity: str,
    entity_id: int | None,
    old: dict[str, Any] | None = None,
    new: dict[str, Any] | None = None,
    reason: str | None = None,
) -> AuditRow:
    """Append one change to the audit trail, in the caller's transaction."""
    row = AuditRow(
        user_id=user_id, action=action, entity=entity, entity_id=entity_id,
        old=_jsonable(old), new=_jsonable(new), reason=reason,
    )  # fmt: skip
    session.add(row)
    return row


def history(
    *, session: Session, entity: str, entity_id: int, until: datetime | None = None
) -> list[AuditRow]:
    """The changes to one record, oldest first, optionally only those up to `until`."""
    query = select(AuditRow).where(AuditRow.entity == entity, AuditRow.entity_id == entity_id)
    if until is not None:
        query = query.where(AuditRow.at <= until)
    return list(session.scalars(query.order_by(AuditRow.at, AuditRow.id)))


def _jsonable(data: dict[str, Any] | None) -> dict[str, Any] | None:
    if data is None:
        return None
    return {k: (str(v) if not isinstance(v, int | float | str | bool | type(None) | list | dict) else v)
            for k, v in data.items()}  # fmt: skip
