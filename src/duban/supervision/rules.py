"""The supervision rules a plan file may carry under `supervision:`; every field has a default."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class SupervisionRules(BaseModel):
    """When items open by themselves, how long units have to answer, and when colours rise."""

    model_config = ConfigDict(extra="forbid")

    far_behind: bool = Field(True, description="Open an item as soon as a target turns 严重滞后.")
    behind_periods: int | None = Field(
        2, ge=1, description="Open an item when a target stays 滞后 this many periods in a row; null: never."
    )
    report_overdue_days: int | None = Field(
        5, ge=0, description="Open an item when a unit's report is this many days overdue; null: never."
    )
    report_red_days: int = Field(15, ge=0, description="A report this many days overdue makes its item red.")
    project_red: bool = Field(True, description="Open an item when a project light turns red.")
    include_aspirations: bool = Field(False, description="Also supervise 力争 (aspirational) targets.")
    reply_days: int = Field(10, ge=1, description="Days the unit has to answer an item.")
    blue_days: int = Field(3, ge=0, description="An item turns blue this many days before its deadline.")
