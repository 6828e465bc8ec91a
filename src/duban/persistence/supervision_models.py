"""The tables of supervision items (督办单): items, replies, reminders and each plan's rules."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from duban.persistence.models import Base, IndicatorRow, OrgUnitRow, utcnow


class SupervisionRulesRow(Base):
    """The supervision rules of one plan, as its plan file states them."""

    __tablename__ = "supervision_rules"

    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), primary_key=True)
    rules: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class SupervisionItemRow(Base):
    """One 督办单: its subject, the unit it is addressed to, what is asked, deadline, colour and state.

    `key` names the situation (subject and episode) and is unique, so the same situation never
    opens two items even when two servers run the rules at once.
    """

    __tablename__ = "supervision_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(300), unique=True)
    subject: Mapped[str] = mapped_column(String(300), index=True)
    cause: Mapped[str] = mapped_column(String(20))
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    indicator_id: Mapped[int | None] = mapped_column(ForeignKey("indicator.id", ondelete="SET NULL"))
    project_code: Mapped[str | None] = mapped_column(String(100))
    month: Mapped[int]
    title: Mapped[str] = mapped_column(String(500))
    ask: Mapped[str] = mapped_column(Text)
    deadline: Mapped[date] = mapped_column(Date)
    severity: Mapped[str | None] = mapped_column(String(10))
    colour: Mapped[str | None] = mapped_column(String(10))
    state: Mapped[str] = mapped_column(String(20))
    cause_cleared_on: Mapped[date | None] = mapped_column(Date)
    last_seen_month: Mapped[int] = mapped_column(Integer)
    return_reason: Mapped[str | None] = mapped_column(Text)
    returns: Mapped[int] = mapped_column(Integer, default=0)
    opened_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    signed_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    signed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1)

    unit: Mapped[OrgUnitRow] = relationship()
    indicator: Mapped[IndicatorRow | None] = relationship()
    replies: Mapped[list[SupervisionReplyRow]] = relationship(
        back_populates="item", order_by="SupervisionReplyRow.id", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}


class SupervisionReplyRow(Base):
    """A unit's answer (反馈) to an item: text and an optional evidence file."""

    __tablename__ = "supervision_reply"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("supervision_item.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    evidence_name: Mapped[str | None] = mapped_column(String(300))
    evidence_path: Mapped[str | None] = mapped_column(String(500))
    evidence_sha256: Mapped[str | None] = mapped_column(String(64))
    evidence_bytes: Mapped[int | None]
    by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    item: Mapped[SupervisionItemRow] = relationship(back_populates="replies")


class SupervisionReminderRow(Base):
    """A reminder of one item on one day: shown in the unit's inbox and, when possible, e-mailed.

    The unique (item, day) pair is what keeps it to one a day across several servers.
    """

    __tablename__ = "supervision_reminder"
    __table_args__ = (UniqueConstraint("item_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("supervision_item.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    colour: Mapped[str | None] = mapped_column(String(10))
    message: Mapped[str] = mapped_column(Text)
    recipients: Mapped[list[Any]] = mapped_column(JSON, default=list)
    emailed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    email_error: Mapped[str | None] = mapped_column(Text)
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    item: Mapped[SupervisionItemRow] = relationship()
