"""Reading the project ledger page by page (项目库): filtered by the store, judged by the pure lights.

County, 两重 and the text search are SQL conditions; stage and light depend on dates and the
investment completed so far, so they are judged on flat rows (three queries of plain tuples, no ORM
objects) and paged. The whole city's judged ledger is remembered until the ledger changes, so the
first page, paging and the light and stage filters over the city stay cheap; a narrower list (one
county, 两重, a search) is judged per request over the rows the store found.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session, selectinload

from duban.choices import InvestorType, Light, ProjectCategory, ProjectKind, ProjectMilestone, ProjectStage
from duban.persistence.models import OrgUnitRow
from duban.persistence.project_models import ProjectInvestmentRow, ProjectMilestoneRow, ProjectRow
from duban.persistence.readcache import remembered
from duban.persistence.supervision_models import SupervisionItemRow
from duban.projects.explain import light_key, overall_light
from duban.projects.figures import through_month
from duban.projects.lights import ProjectLights, project_lights
from duban.projects.model import Dates, Project
from duban.projects.stages import stage_on
from duban.services.projects import project_from_row

PAGE_SIZE = 50


@dataclass(frozen=True)
class LedgerFilter:
    """What the list is narrowed to; None or empty means no condition."""

    county_id: int | None = None
    stage: ProjectStage | None = None
    light: str = ""  # green, yellow, red or none (no light applies)
    two_major: bool | None = None
    text: str = ""


@dataclass(frozen=True)
class LedgerLine:
    """One project as the list shows it."""

    code: str
    name: str
    county: str
    kind: ProjectKind
    two_major: bool
    provincial_major: bool
    year_plan: Decimal
    completed: Decimal
    stage: ProjectStage
    lights: ProjectLights
    light: Light | None


@dataclass(frozen=True)
class LedgerPage:
    """One page of the filtered ledger, with counts per overall light over every filter but the light."""

    lines: list[LedgerLine]
    total: int
    page: int
    pages: int
    light_counts: dict[str, int]


def ledger_page(
    *, session: Session, plan_id: int, year: int, on: date, where: LedgerFilter, page: int = 1
) -> LedgerPage:
    """The projects matching `where`, judged on `on`, page `page` of PAGE_SIZE, in ledger order."""
    narrowed = dataclasses.replace(where, stage=None, light="")
    if narrowed == LedgerFilter():
        judged = remembered(
            session=session, key=("project ledger", plan_id, on), states=False,
            compute=lambda: _judged(session, plan_id, year, on, narrowed),
        )  # fmt: skip
    else:  # narrowed by the store: few enough to judge per request, and not worth a place in the cache
        judged = _judged(session, plan_id, year, on, narrowed)
    if where.stage is not None:
        judged = [line for line in judged if line.stage is where.stage]
    counts = Counter(light_key(line.light) for line in judged)
    if where.light:
        judged = [line for line in judged if light_key(line.light) == where.light]
    pages = max(1, -(-len(judged) // PAGE_SIZE))
    page = min(max(page, 1), pages)
    shown = judged[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    return LedgerPage(lines=shown, total=len(judged), page=page, pages=pages, light_counts=dict(counts))


def _judged(session: Session, plan_id: int, year: int, on: date, where: LedgerFilter) -> list[LedgerLine]:
    """The projects matching the SQL part of `where`, judged; remembered until the ledger changes."""
    return [
        _judge(project, completed, year, on)
        for project, completed in _flat_projects(session, plan_id, year, on, where)
    ]


def _conditions(plan_id: int, where: LedgerFilter) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = [ProjectRow.plan_id == plan_id]
    if where.county_id is not None:
        found.append(ProjectRow.county_id == where.county_id)
    if where.two_major is not None:
        found.append(ProjectRow.two_major.is_(where.two_major))
    if text := where.text.strip():
        found.append(or_(ProjectRow.name.contains(text, autoescape=True),
                         ProjectRow.code.icontains(text, autoescape=True)))  # fmt: skip
    return found


def _flat_projects(
    session: Session, plan_id: int, year: int, on: date, where: LedgerFilter
) -> list[tuple[Project, Decimal]]:
    """The matching projects as pure models holding just what stages and lights need."""
    conditions = _conditions(plan_id, where)
    columns = (ProjectRow.id, ProjectRow.code, ProjectRow.name, OrgUnitRow.name, ProjectRow.kind,
               ProjectRow.two_major, ProjectRow.provincial_major, ProjectRow.year_plan, ProjectRow.category,
               ProjectRow.owner, ProjectRow.investor, ProjectRow.total_investment)  # fmt: skip
    rows = session.execute(
        select(*columns).join(OrgUnitRow, OrgUnitRow.id == ProjectRow.county_id)
        .where(*conditions).order_by(ProjectRow.position, ProjectRow.id)
    ).all()  # fmt: skip
    milestones: dict[int, dict[ProjectMilestone, Dates]] = {}
    for project_id, milestone, planned, actual in session.execute(
        select(ProjectMilestoneRow.project_id, ProjectMilestoneRow.milestone, ProjectMilestoneRow.planned,
               ProjectMilestoneRow.actual).join(ProjectRow).where(*conditions)
    ):  # fmt: skip
        milestones.setdefault(project_id, {})[ProjectMilestone(milestone)] = Dates(
            planned=planned, actual=actual
        )
    month = through_month(year=year, on=on)
    done = {project_id: amount for project_id, amount in session.execute(
        select(ProjectInvestmentRow.project_id, func.sum(ProjectInvestmentRow.amount))
        .join(ProjectRow).where(*conditions, ProjectInvestmentRow.month <= month)
        .group_by(ProjectInvestmentRow.project_id)
    )}  # fmt: skip
    return [_flat(row, milestones.get(row[0], {}), Decimal(done.get(row[0]) or 0), month) for row in rows]


def _flat(
    row: Any, milestones: dict[ProjectMilestone, Dates], completed: Decimal, month: int
) -> tuple[Project, Decimal]:
    # The investment completed through the judged month, booked on that month, is all the lights read.
    (
        _id,
        code,
        name,
        county,
        kind,
        two_major,
        provincial_major,
        year_plan,
        category,
        owner,
        investor,
        total,
    ) = row
    project = Project(
        code=code, name=name, county=county, kind=ProjectKind(kind), two_major=two_major,
        provincial_major=provincial_major, year_plan=Decimal(year_plan), category=ProjectCategory(category),
        owner=owner, investor=InvestorType(investor), total_investment=Decimal(total),
        monthly={month: completed} if month and completed else {}, milestones=milestones,
    )  # fmt: skip
    return project, completed


def _judge(project: Project, completed: Decimal, year: int, on: date) -> LedgerLine:
    lights = project_lights(project, year=year, on=on)
    return LedgerLine(
        code=project.code, name=project.name, county=project.county, kind=project.kind,
        two_major=project.two_major, provincial_major=project.provincial_major, year_plan=project.year_plan,
        completed=completed, stage=stage_on(project, on), lights=lights, light=overall_light(lights),
    )  # fmt: skip


@dataclass(frozen=True)
class CitingItem:
    """A 督办 item that cites a project."""

    id: int
    title: str
    state: str
    colour: str | None
    deadline: date


@dataclass(frozen=True)
class ProjectRecord:
    """One stored project: the pure model, its county's id and the 督办 items citing it."""

    project: Project
    county_id: int
    items: list[CitingItem]


def project_record(*, session: Session, plan_id: int, code: str) -> ProjectRecord | None:
    """The project `code` of the plan's ledger, or None when there is none."""
    row = session.scalar(
        select(ProjectRow).where(ProjectRow.plan_id == plan_id, ProjectRow.code == code)
        .options(selectinload(ProjectRow.milestones), selectinload(ProjectRow.investments),
                 selectinload(ProjectRow.county))
    )  # fmt: skip
    if row is None:
        return None
    items = session.execute(
        select(SupervisionItemRow.id, SupervisionItemRow.title, SupervisionItemRow.state,
               SupervisionItemRow.colour, SupervisionItemRow.deadline)
        .where(SupervisionItemRow.plan_id == plan_id, SupervisionItemRow.project_code == code)
        .order_by(SupervisionItemRow.id.desc())
    ).all()  # fmt: skip
    return ProjectRecord(project_from_row(row), row.county_id, [CitingItem(*item) for item in items])


def ledger_counties(*, session: Session, plan_id: int) -> list[tuple[int, str]]:
    """The counties that hold projects in the plan's ledger, in the city's order: (id, name)."""
    query = (
        select(OrgUnitRow.id, OrgUnitRow.name)
        .where(OrgUnitRow.id.in_(select(ProjectRow.county_id).where(ProjectRow.plan_id == plan_id)))
        .order_by(OrgUnitRow.position, OrgUnitRow.id)
    )
    return [(unit_id, name) for unit_id, name in session.execute(query)]
