"""A project's lights and money in words, as the 项目库 pages show them.

The lights themselves are judged by `projects.lights`; this module only says why each one is the
colour it is, and lays the year's investment out by month against 序时进度.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from duban.choices import Light, ProjectKind, ProjectMilestone
from duban.plan.model import Profile
from duban.plan.units import rounded_number
from duban.projects.figures import expected_rate, percent, through_month
from duban.projects.lights import REGISTRATION_DAYS, ProjectLights, project_lights
from duban.projects.model import Project

HUNDRED = Decimal(100)
NO_LIGHT = "none"  # the filter value of projects no light applies to (shown grey)


@dataclass(frozen=True)
class LightNote:
    """One light of a project with its name and the reason in Chinese."""

    name: str
    light: Light | None
    reason: str


@dataclass(frozen=True)
class MonthLine:
    """One month of the plan year: completed in the month and so far, against 序时进度."""

    month: int
    done: Decimal | None
    cumulative: Decimal | None
    rate: Decimal | None
    expected: Decimal
    expected_amount: Decimal


def overall_light(lights: ProjectLights) -> Light | None:
    """The worst of the three lights: red over yellow over green; None when no light applies."""
    shown = {lights.start, lights.investment, lights.registration}
    return next((light for light in (Light.RED, Light.YELLOW, Light.GREEN) if light in shown), None)


def light_key(light: Light | None) -> str:
    """The filter value of an overall light: green, yellow, red or none."""
    return light.value if light else NO_LIGHT


def cn_date(day: date) -> str:
    """2026-03-05 → 2026年3月5日."""
    return f"{day.year}年{day.month}月{day.day}日"


def light_notes(project: Project, *, year: int, on: date, profile: Profile | None = None) -> list[LightNote]:
    """The three lights of `project` on `on`, each with why it has that colour."""
    lights = project_lights(project, year=year, on=on, profile=profile)
    return [
        LightNote("开工", lights.start, _start_reason(project, lights.start, on)),
        LightNote("投资", lights.investment, _investment_reason(project, lights, year, on, profile)),
        LightNote("入库", lights.registration, _registration_reason(project, lights.registration, on)),
    ]


def _start_reason(project: Project, light: Light | None, on: date) -> str:
    start = project.dates(ProjectMilestone.START)
    if project.kind is not ProjectKind.NEW:
        return "续建项目，不评开工灯。"
    if start.planned is None:
        return "未填报计划开工日期，不评开工灯。"
    if start.actual is not None and start.actual <= on:
        return f"计划{cn_date(start.planned)}开工，已于{cn_date(start.actual)}开工。"
    if light is Light.GREEN:
        return f"计划{cn_date(start.planned)}开工，尚未到期。"
    return f"计划{cn_date(start.planned)}开工，已逾期{(on - start.planned).days}天未开工。"


def _investment_reason(
    project: Project, lights: ProjectLights, year: int, on: date, profile: Profile | None
) -> str:
    if not project.year_plan:
        return "本年无计划投资，不评投资灯。"
    if lights.gap is None:
        return "尚未开工，不评投资灯。"
    month = through_month(year=year, on=on)
    expected = expected_rate(year=year, month=month, profile=profile or Profile())
    done = expected - lights.gap
    behind = f"落后{_number(lights.gap)}个百分点" if lights.gap > 0 else "不落后于序时进度"
    return f"截至{month}月完成年度计划的{_number(done)}%，序时进度{_number(expected)}%，{behind}。"


def _number(value: Decimal) -> str:
    return rounded_number(Decimal(str(value)))


def _registration_reason(project: Project, light: Light | None, on: date) -> str:
    started = project.dates(ProjectMilestone.START).actual
    if light is None or started is None:
        return "尚未开工，不评入库灯。"
    registered = project.dates(ProjectMilestone.REGISTERED)
    if registered.actual is not None and registered.actual <= on:
        return f"已于{cn_date(registered.actual)}入库纳统。"
    due = registered.planned or started + timedelta(days=REGISTRATION_DAYS)
    if light is Light.GREEN:
        return f"应于{cn_date(due)}前入库纳统，尚未到期。"
    return f"应于{cn_date(due)}前入库纳统，已逾期{(on - due).days}天。"


def month_lines(project: Project, *, year: int, on: date, profile: Profile | None = None) -> list[MonthLine]:
    """Months 1–12: completed investment (through the last month ended by `on`) against 序时进度."""
    ended = through_month(year=year, on=on)
    lines, cumulative = [], Decimal(0)
    for month in range(1, 13):
        expected = expected_rate(year=year, month=month, profile=profile or Profile())
        done = project.monthly.get(month, Decimal(0)) if month <= ended else None
        cumulative += done or 0
        shown = cumulative if done is not None else None
        rate = percent(cumulative, project.year_plan) if done is not None else None
        lines.append(MonthLine(month, done, shown, rate, expected, project.year_plan * expected / HUNDRED))
    return lines
