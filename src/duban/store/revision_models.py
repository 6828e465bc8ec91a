"""Target revisions: a city target or a unit's share changed from a month on, with who, when and why."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from duban.store.models import Amount, Base, IndicatorRow, OrgUnitRow, utcnow


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
