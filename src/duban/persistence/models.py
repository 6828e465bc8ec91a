"""The store's tables as SQLAlchemy 2 typed models."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

Amount = Numeric(24, 6, asdecimal=True)


def utcnow() -> datetime:
    return datetime.now(UTC)


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class OrgUnitRow(Base):
    """A unit of the tree, keyed by its code (行政区划代码 for a region, a generated one for a department).

    `name` is how pages, files and rankings show the unit: the written name, or, where two units of the
    tree share it (two 鼓楼区), the parent's name in front (福州市鼓楼区). `path` is the codes from the top
    of the tree down to the unit (530000/530600/530602): a subtree is one prefix.
    """

    __tablename__ = "org_unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"))
    code: Mapped[str] = mapped_column(String(20), unique=True)
    path: Mapped[str] = mapped_column(String(200), index=True)
    population: Mapped[int | None]
    position: Mapped[int] = mapped_column(Integer, default=0)

    parent: Mapped[OrgUnitRow | None] = relationship(remote_side=[id])


class PlanRow(Base):
    __tablename__ = "plan"
    __table_args__ = (UniqueConstraint("region", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region: Mapped[str] = mapped_column(String(100))
    year: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    source_path: Mapped[str | None] = mapped_column(String(500))
    source_sha256: Mapped[str | None] = mapped_column(String(64))
    thresholds: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    review: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True)
    )  # 年终考核: the year is closed
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))

    areas: Mapped[list[AreaRow]] = relationship(
        back_populates="plan", order_by="AreaRow.position", cascade="all, delete-orphan"
    )


class AreaRow(Base):
    __tablename__ = "area"
    __table_args__ = (UniqueConstraint("plan_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(50))
    name: Mapped[str] = mapped_column(String(300))
    weight: Mapped[Decimal] = mapped_column(Amount, default=Decimal(1))
    livelihood: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)

    plan: Mapped[PlanRow] = relationship(back_populates="areas")
    tasks: Mapped[list[TaskRow]] = relationship(
        back_populates="area", order_by="TaskRow.position", cascade="all, delete-orphan"
    )


class TaskRow(Base):
    __tablename__ = "task"
    __table_args__ = (UniqueConstraint("area_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(50))
    title: Mapped[str] = mapped_column(String(500))
    lead_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"))
    position: Mapped[int] = mapped_column(Integer, default=0)

    area: Mapped[AreaRow] = relationship(back_populates="tasks")
    lead_unit: Mapped[OrgUnitRow | None] = relationship()
    indicators: Mapped[list[IndicatorRow]] = relationship(
        back_populates="task", order_by="IndicatorRow.position", cascade="all, delete-orphan"
    )


class IndicatorRow(Base):
    __tablename__ = "indicator"
    __table_args__ = (UniqueConstraint("plan_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(50))
    name: Mapped[str] = mapped_column(String(300))
    unit: Mapped[str] = mapped_column(String(20))
    display_unit: Mapped[str | None] = mapped_column(String(20))  # None: chosen from unit and target size
    kind: Mapped[str] = mapped_column(String(20))
    comparator: Mapped[str] = mapped_column(String(4))
    target: Mapped[Decimal] = mapped_column(Amount)
    aspiration: Mapped[bool] = mapped_column(Boolean, default=False)
    baseline: Mapped[Decimal | None] = mapped_column(Amount)
    accumulation: Mapped[str] = mapped_column(String(20))
    numerator_label: Mapped[str | None] = mapped_column(String(200))
    denominator_label: Mapped[str | None] = mapped_column(String(200))
    scope: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    lead_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"))
    co_units: Mapped[list[Any]] = mapped_column(JSON, default=list)
    due: Mapped[date | None] = mapped_column(Date)
    profile: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    quote: Mapped[str | None] = mapped_column(Text)
    offset: Mapped[int | None]
    line: Mapped[int | None]
    position: Mapped[int] = mapped_column(Integer, default=0)
    # A retired indicator keeps its figures and history but is not asked from this month of the year on.
    retired_from: Mapped[int | None]
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    plan: Mapped[PlanRow] = relationship()
    task: Mapped[TaskRow] = relationship(back_populates="indicators")
    lead_unit: Mapped[OrgUnitRow | None] = relationship()
    unit_targets: Mapped[list[UnitTargetRow]] = relationship(
        back_populates="indicator", cascade="all, delete-orphan"
    )


class UnitTargetRow(Base):
    """A unit's share of a city target (目标分解)."""

    __tablename__ = "unit_target"
    __table_args__ = (UniqueConstraint("indicator_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicator.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    value: Mapped[Decimal] = mapped_column(Amount)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    basis: Mapped[str | None] = mapped_column(Text)

    indicator: Mapped[IndicatorRow] = relationship(back_populates="unit_targets")
    unit: Mapped[OrgUnitRow] = relationship()


class UserRow(Base):
    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"))
    email: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # no longer read: login throttling counts LoginFailureRow rows (0010); kept so old stores stay valid
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # a session cookie carries the version it was signed in with; logout, reset and disable move it on
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    unit: Mapped[OrgUnitRow | None] = relationship()


class LoginFailureRow(Base):
    """One refused login: from which address, for which name (known or not), when."""

    __tablename__ = "login_failure"

    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    username: Mapped[str] = mapped_column(String(100), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class PeriodRow(Base):
    """A reporting period of a plan: one month, or January–February combined."""

    __tablename__ = "period"
    __table_args__ = (UniqueConstraint("plan_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"))
    month: Mapped[int]
    first_month: Mapped[int]
    deadline: Mapped[date]
    locked: Mapped[bool] = mapped_column(Boolean, default=False)


class EntryRow(Base):
    """A unit's figure for one indicator and period, with its review state."""

    __tablename__ = "entry"
    __table_args__ = (
        UniqueConstraint("indicator_id", "unit_id", "period_id"),
        # a month's figures of one indicator (the entry states an approval patches), and a month's (its prefix)
        Index("ix_entry_period_indicator", "period_id", "indicator_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicator.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("period.id", ondelete="CASCADE"))
    value: Mapped[Decimal | None] = mapped_column(Amount)
    numerator: Mapped[Decimal | None] = mapped_column(Amount)
    denominator: Mapped[Decimal | None] = mapped_column(Amount)
    stage: Mapped[str | None] = mapped_column(String(20))
    stage_date: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(20), default="draft")
    official_value: Mapped[Decimal | None] = mapped_column(Amount)
    official_numerator: Mapped[Decimal | None] = mapped_column(Amount)
    official_denominator: Mapped[Decimal | None] = mapped_column(Amount)
    official_stage: Mapped[str | None] = mapped_column(String(20))
    return_reason: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __mapper_args__ = {"version_id_col": version}


class FigureBlockRow(Base):
    """The figures of one (period, indicator) packed by unit, kept by every write (`persistence.blocks`)."""

    __tablename__ = "figure_block"

    period_id: Mapped[int] = mapped_column(ForeignKey("period.id", ondelete="CASCADE"), primary_key=True)
    indicator_id: Mapped[int] = mapped_column(
        ForeignKey("indicator.id", ondelete="CASCADE"), primary_key=True
    )
    official: Mapped[bytes] = mapped_column(LargeBinary)
    submitted: Mapped[bytes] = mapped_column(LargeBinary)


class TargetBlockRow(Base):
    """The unit targets of one indicator packed by unit, kept by every write (`persistence.target_blocks`)."""

    __tablename__ = "target_block"

    indicator_id: Mapped[int] = mapped_column(
        ForeignKey("indicator.id", ondelete="CASCADE"), primary_key=True
    )
    cells: Mapped[bytes] = mapped_column(LargeBinary)


class GenerationRow(Base):
    """A counter moved by every transaction that changes what it names (`store.generation`)."""

    __tablename__ = "generation"

    name: Mapped[str] = mapped_column(String(20), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


class GenerationTouchRow(Base):
    """What one move of the counters touched: an indicator whose entries changed (and in which period; NULL
    where not known), NULL for everything."""

    __tablename__ = "generation_touch"

    id: Mapped[int] = mapped_column(primary_key=True)
    figures: Mapped[int] = mapped_column(BigInteger, index=True)
    states: Mapped[int] = mapped_column(BigInteger, index=True)
    indicator_id: Mapped[int | None] = mapped_column(Integer)
    period_id: Mapped[int | None] = mapped_column(Integer)


class AuditRow(Base):
    """Who changed what, when, from which value to which, and why."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    action: Mapped[str] = mapped_column(String(50))
    entity: Mapped[str] = mapped_column(String(50))
    entity_id: Mapped[int | None] = mapped_column(index=True)
    old: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    new: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(Text)
