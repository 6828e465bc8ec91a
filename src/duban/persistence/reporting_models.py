"""Tables added for progress reporting: evidence files and period reopenings."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from duban.persistence.models import Base, utcnow


class EvidenceRow(Base):
    """A file backing up a figure (photo, PDF, scan), stored once by the SHA-256 of its content."""

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id", ondelete="CASCADE"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PeriodReopenRow(Base):
    """An admin's reopening of a closed period, for every unit or one, until a date, with a reason."""

    __tablename__ = "period_reopen"

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("period.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"))
    until: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class OfficeSettingRow(Base):
    """The office's choices for what every face shows: the 当前报送期 and the basis of the figures."""

    __tablename__ = "office_setting"

    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), primary_key=True)
    current_month: Mapped[int | None] = mapped_column(Integer)
    include_submitted: Mapped[bool] = mapped_column(Boolean, default=False)
    carry_forward: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
