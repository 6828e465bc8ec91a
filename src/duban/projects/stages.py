"""Where a project stands on a date: 储备 → 前期 → 开工 → 入库纳统 → 竣工投产.

A stage is reached by its milestone's actual date; 前期 by the first actual date of 用地, 环评 or 立项.
The latest stage reached wins, so a project registered without recorded preparation is still 入库纳统.
"""

from __future__ import annotations

from datetime import date

from duban.choices import ProjectMilestone, ProjectStage
from duban.projects.model import PREPARATION, Project

_STAGE_OF = (
    (ProjectMilestone.COMPLETED, ProjectStage.COMPLETED),
    (ProjectMilestone.REGISTERED, ProjectStage.REGISTERED),
    (ProjectMilestone.START, ProjectStage.STARTED),
)


def stage_on(project: Project, on: date) -> ProjectStage:
    """The furthest stage `project` had actually reached by the end of `on`."""
    for milestone, stage in _STAGE_OF:
        if project.done_by(milestone, on):
            return stage
    if any(project.done_by(m, on) for m in PREPARATION):
        return ProjectStage.PREPARING
    return ProjectStage.RESERVE


def started_in_year(project: Project, year: int, on: date) -> bool:
    """Whether the project actually started in `year`, on or before `on`."""
    actual = project.dates(ProjectMilestone.START).actual
    return actual is not None and actual.year == year and actual <= on


def due_to_start(project: Project, year: int, on: date) -> bool:
    """Whether the project was planned to start in `year`, on or before `on`."""
    planned = project.dates(ProjectMilestone.START).planned
    return planned is not None and planned.year == year and planned <= on
