"""A project of the investment ledger (项目库), as a pure in-memory model.

Amounts are in 元 (the workbook's 万元 or 亿元 are converted on the way in); `monthly` holds the
investment completed in each month of the plan year (1..12), not running totals.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from duban.choices import InvestorType, ProjectCategory, ProjectKind, ProjectMilestone

PREPARATION = (ProjectMilestone.LAND, ProjectMilestone.EIA, ProjectMilestone.APPROVAL)


class Dates(BaseModel):
    """The planned and the actual date of one milestone."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    planned: date | None = None
    actual: date | None = None


NO_DATES = Dates()  # frozen, so one shared instance serves every unknown milestone


class Project(BaseModel):
    """One investment project with its flags, money and milestones."""

    model_config = ConfigDict(extra="forbid")

    code: str
    name: str
    county: str
    category: ProjectCategory
    kind: ProjectKind
    two_major: bool = False
    provincial_major: bool = False
    cluster: str | None = None
    owner: str
    investor: InvestorType
    total_investment: Decimal = Field(ge=0)
    year_plan: Decimal = Field(ge=0)
    monthly: dict[int, Decimal] = Field(default_factory=dict)
    milestones: dict[ProjectMilestone, Dates] = Field(default_factory=dict)

    @field_validator("monthly")
    @classmethod
    def _months(cls, monthly: dict[int, Decimal]) -> dict[int, Decimal]:
        if any(not 1 <= month <= 12 for month in monthly):
            raise ValueError("月度完成投资的月份必须在1到12之间")
        if any(amount < 0 for amount in monthly.values()):
            raise ValueError("月度完成投资不能为负数")
        return monthly

    @field_validator("milestones")
    @classmethod
    def _drop_empty(cls, milestones: dict[ProjectMilestone, Dates]) -> dict[ProjectMilestone, Dates]:
        return {m: d for m, d in milestones.items() if d.planned or d.actual}

    def dates(self, milestone: ProjectMilestone) -> Dates:
        """The planned and actual dates of `milestone` (both empty when unknown)."""
        return self.milestones.get(milestone, NO_DATES)

    def done_by(self, milestone: ProjectMilestone, on: date) -> bool:
        """Whether `milestone` was actually reached on or before `on`."""
        actual = self.dates(milestone).actual
        return actual is not None and actual <= on

    def completed_through(self, month: int) -> Decimal:
        """Investment completed in months 1..`month` of the plan year."""
        return sum((amount for m, amount in self.monthly.items() if m <= month), Decimal(0))
