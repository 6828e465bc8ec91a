"""Project lights, as development-and-reform commissions use them (e.g. 银川).

Three lights per project, each green, yellow or red:
- start (开工): judged for 新开工 projects with a planned start date. Green once started, or while the
  planned date has not passed; yellow when it is 1–30 days overdue; red when more than 30 days overdue.
- investment (投资): judged for projects with this year's planned investment that have started.
  The gap is 序时进度 minus the completion rate, in percentage points: green below 10, yellow from
  10 to 30, red above 30 (the 银川 rule).
- 入库 (registration): judged for started projects. Due on its planned 入库 date, else 30 days after
  the actual start; green once registered or not yet due, yellow 1–30 days overdue, red beyond.
A light that does not apply is None (shown grey).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from duban.choices import Light, ProjectKind, ProjectMilestone
from duban.plan.model import Profile
from duban.projects.figures import expected_rate, percent, through_month
from duban.projects.model import Project

YELLOW_FROM = Decimal(10)
RED_ABOVE = Decimal(30)
GRACE_DAYS = 30
REGISTRATION_DAYS = 30


@dataclass(frozen=True)
class ProjectLights:
    """The three lights of one project on one date, with the investment gap behind the second."""

    start: Light | None
    investment: Light | None
    registration: Light | None
    gap: Decimal | None

    @property
    def red(self) -> bool:
        return Light.RED in (self.start, self.investment, self.registration)


def gap_light(gap: Decimal) -> Light:
    """Green below 10 percentage points behind 序时进度, yellow from 10 to 30, red beyond 30."""
    if gap > RED_ABOVE:
        return Light.RED
    return Light.YELLOW if gap >= YELLOW_FROM else Light.GREEN


def deadline_light(*, due: date, done: date | None, on: date) -> Light:
    """Green if done by `on` or not yet due; yellow up to 30 days overdue; red beyond."""
    if (done is not None and done <= on) or on <= due:
        return Light.GREEN
    return Light.RED if (on - due).days > GRACE_DAYS else Light.YELLOW


def start_light(project: Project, on: date) -> Light | None:
    """The 开工 light of a new-start project (None for continuing projects or no planned date)."""
    start = project.dates(ProjectMilestone.START)
    if project.kind is not ProjectKind.NEW or start.planned is None:
        return None
    return deadline_light(due=start.planned, done=start.actual, on=on)


def registration_light(project: Project, on: date) -> Light | None:
    """The 入库 light of a started project (None before it starts)."""
    started = project.dates(ProjectMilestone.START).actual
    if started is None or started > on:
        return None
    registered = project.dates(ProjectMilestone.REGISTERED)
    due = registered.planned or started + timedelta(days=REGISTRATION_DAYS)
    return deadline_light(due=due, done=registered.actual, on=on)


def investment_gap(
    project: Project, *, year: int, on: date, profile: Profile | None = None
) -> Decimal | None:
    """序时进度 minus the completion of this year's planned investment, in percentage points."""
    if not project.year_plan or not project.done_by(ProjectMilestone.START, on):
        return None
    month = through_month(year=year, on=on)
    done = percent(project.completed_through(month), project.year_plan) or Decimal(0)
    return expected_rate(year=year, month=month, profile=profile or Profile()) - done


def project_lights(project: Project, *, year: int, on: date, profile: Profile | None = None) -> ProjectLights:
    """All three lights of `project` on `on`."""
    gap = investment_gap(project, year=year, on=on, profile=profile)
    return ProjectLights(
        start=start_light(project, on),
        investment=None if gap is None else gap_light(gap),
        registration=registration_light(project, on),
        gap=gap,
    )


@dataclass(frozen=True)
class RedProject:
    project: Project
    lights: ProjectLights

    @property
    def reasons(self) -> list[str]:
        """The Chinese names of the lights that are red."""
        named = (
            ("开工", self.lights.start),
            ("投资", self.lights.investment),
            ("入库", self.lights.registration),
        )
        return [name for name, light in named if light is Light.RED]


def red_projects(projects: Iterable[Project], *, year: int, on: date) -> list[RedProject]:
    """Projects with at least one red light, by county then owner unit then code."""
    judged = [RedProject(p, project_lights(p, year=year, on=on)) for p in projects]
    red = [r for r in judged if r.lights.red]
    return sorted(red, key=lambda r: (r.project.county, r.project.owner, r.project.code))
