"""The project ledger's tables: projects, their milestones and their monthly completed investment."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from duban.persistence.models import Amount, Base, OrgUnitRow


class ProjectRow(Base):
    """One project of a plan's ledger (项目库), identified within the plan by its code."""

    __tablename__ = "project"
    __table_args__ = (UniqueConstraint("plan_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(50))
    name: Mapped[str] = mapped_column(String(300))
    county_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    category: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(20))
    two_major: Mapped[bool] = mapped_column(Boolean, default=False)
    provincial_major: Mapped[bool] = mapped_column(Boolean, default=False)
    cluster: Mapped[str | None] = mapped_column(String(100))
    owner: Mapped[str] = mapped_column(String(200))
    investor: Mapped[str] = mapped_column(String(20))
    total_investment: Mapped[Decimal] = mapped_column(Amount)
    year_plan: Mapped[Decimal] = mapped_column(Amount)
    position: Mapped[int] = mapped_column(Integer, default=0)

    county: Mapped[OrgUnitRow] = relationship()
    milestones: Mapped[list[ProjectMilestoneRow]] = relationship(
        cascade="all, delete-orphan", order_by="ProjectMilestoneRow.id"
    )
    investments: Mapped[list[ProjectInvestmentRow]] = relationship(
        cascade="all, delete-orphan", order_by="ProjectInvestmentRow.month"
    )


class ProjectMilestoneRow(Base):
    """The planned and actual date of one milestone (用地, 环评, 立项, 开工, 入库纳统, 竣工投产)."""

    __tablename__ = "project_milestone"
    __table_args__ = (UniqueConstraint("project_id", "milestone"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    milestone: Mapped[str] = mapped_column(String(20))
    planned: Mapped[date | None] = mapped_column(Date)
    actual: Mapped[date | None] = mapped_column(Date)


class ProjectInvestmentRow(Base):
    """Investment completed by a project in one month of the plan year, in 元."""

    __tablename__ = "project_investment"
    __table_args__ = (UniqueConstraint("project_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    month: Mapped[int]
    amount: Mapped[Decimal] = mapped_column(Amount)
