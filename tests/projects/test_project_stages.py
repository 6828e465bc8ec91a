"""Stages 储备 → 前期 → 开工 → 入库纳统 → 竣工投产, reached by actual dates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from duban.choices import ProjectStage
from duban.projects.model import Project
from duban.projects.stages import stage_on
from projects.ledger_sample import sample_projects


@pytest.mark.parametrize(
    ("code", "on", "stage"),
    [
        ("P1", date(2026, 1, 19), ProjectStage.RESERVE),
        ("P1", date(2026, 1, 20), ProjectStage.PREPARING),
        ("P1", date(2026, 3, 10), ProjectStage.STARTED),
        ("P1", date(2026, 4, 5), ProjectStage.REGISTERED),
        ("P6", date(2026, 5, 9), ProjectStage.RESERVE),
        ("P6", date(2026, 6, 30), ProjectStage.PREPARING),
        ("P3", date(2026, 1, 1), ProjectStage.REGISTERED),
        ("P7", date(2026, 12, 31), ProjectStage.RESERVE),
    ],
)
def test_stage_on(code: str, on: date, stage: ProjectStage) -> None:
    project = next(p for p in sample_projects() if p.code == code)
    assert stage_on(project, on) is stage


def test_completion_is_the_last_stage() -> None:
    data = sample_projects()[2].model_dump()
    data["milestones"]["completed"] = {"actual": date(2026, 11, 30)}
    project = Project.model_validate(data)
    assert stage_on(project, date(2026, 11, 30)) is ProjectStage.COMPLETED


@pytest.mark.parametrize(
    ("monthly", "message"),
    [({13: Decimal(1)}, "1到12"), ({3: Decimal(-1)}, "负数")],
)
def test_monthly_investment_is_checked(monthly: dict[int, Decimal], message: str) -> None:
    data = sample_projects()[0].model_dump() | {"monthly": monthly}
    with pytest.raises(ValueError, match=message):
        Project.model_validate(data)
