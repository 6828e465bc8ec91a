"""Revisions: a target changed from a month on, and a re-loaded plan applied as one reviewed, undoable change."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from duban.persistence.models import Amount, Base, IndicatorRow, OrgUnitRow, utcnow


class TargetRevisionRow(Base):
    """One revision; it counts once approved, for its month and every later one."""

    __tablename__ = "target_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicator.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"))
    old_value: Mapped[Decimal] = mapped_column(Amount)
    new_value: Mapped[Decimal] = mapped_column(Amount)
    effective_month: Mapped[int]
    reason: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(20), default="pending")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    indicator: Mapped[IndicatorRow] = relationship()
    unit: Mapped[OrgUnitRow | None] = relationship()


class PlanRevisionRow(Base):
    """A re-loaded plan applied to the stored one: what changed, the plan as it was before, and who undid it."""

    __tablename__ = "plan_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    effective_month: Mapped[int]
    reason: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(20), default="applied")
    changes: Mapped[dict[str, Any]] = mapped_column(JSON)
    before: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    undone_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    undone_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
