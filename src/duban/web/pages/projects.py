"""项目库: the project ledger page by page, and one project with its lights, money and 督办 items.

The office and leaders see every county's projects; a reporter only their own unit's.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse

from duban.choices import ItemState, Light, ProjectMilestone, ProjectStage
from duban.policy import Action, only_unit, require
from duban.projects.explain import NO_LIGHT, light_notes, month_lines
from duban.projects.figures import through_month
from duban.projects.stages import stage_on
from duban.services.project_ledger import LedgerFilter, ledger_counties, ledger_page, project_record
from duban.web.auth import CurrentUser, allow, db_session
from duban.web.filters import grouped
from duban.web.pages.common import plan_for_request, render, templates, today_of

router = APIRouter(include_in_schema=False)
User = Annotated[CurrentUser, Depends(allow(Action.READ_PROJECTS))]
LIGHT_CHOICES = {"red": "红灯", "yellow": "黄灯", "green": "绿灯", NO_LIGHT: "未亮灯"}
WAN = Decimal(10_000)


def wan_yuan(value: Decimal | None) -> str:
    """An amount in 元 shown in 万元: 47700000 → 4,770万元; None → —."""
    if value is None:
        return "—"
    return f"{grouped(Decimal(value) / WAN)}万元"


templates.env.filters["wan"] = wan_yuan
templates.env.globals["light_label"] = lambda light: light.label if light else "不评"


@router.get("/projects", response_class=HTMLResponse)
def project_list(
    request: Request, user: User, county: str = "", stage: str = "", light: str = "",
    two_major: str = "", q: str = "", page: int = 1,
) -> HTMLResponse:  # fmt: skip
    """The ledger filtered by county, stage, light, 两重 and name or code, 50 a page."""
    session = db_session(request)
    plan = plan_for_request(request)
    counties = ledger_counties(session=session, plan_id=plan.id)
    county_id = next((unit_id for unit_id, name in counties if name == county), None)
    own = only_unit(user, Action.READ_PROJECTS)
    if own is not None:
        county_id, county = own, user.unit_name or ""
        counties = [(unit_id, name) for unit_id, name in counties if unit_id == own]
    where = LedgerFilter(
        county_id=county_id, stage=ProjectStage(stage) if stage in set(ProjectStage) else None,
        light=light if light in LIGHT_CHOICES else "", two_major={"1": True, "0": False}.get(two_major),
        text=q[:100],
    )  # fmt: skip
    on = today_of(request)
    found = ledger_page(session=session, plan_id=plan.id, year=plan.year, on=on, where=where, page=page)
    query = {"county": county if county_id else "", "stage": where.stage.value if where.stage else "",
             "light": where.light, "two_major": two_major if where.two_major is not None else "", "q": where.text}  # fmt: skip
    return render(
        request, "projects.html", user, nav="projects", found=found, query=query, counties=counties,
        stages=list(ProjectStage), lights=LIGHT_CHOICES, on=on, month=through_month(year=plan.year, on=on),
        base="/projects?" + urlencode({k: v for k, v in query.items() if v}) + "&",
        light_base="/projects?" + urlencode({k: v for k, v in query.items() if v and k != "light"}) + "&",
    )  # fmt: skip


@router.get("/projects/{code}", response_class=HTMLResponse)
def project_page(request: Request, user: User, code: str) -> HTMLResponse:
    """One project: its facts, milestones, investment by month, lights with reasons and 督办 items."""
    session = db_session(request)
    plan = plan_for_request(request)
    record = project_record(session=session, plan_id=plan.id, code=code)
    if record is None:
        raise HTTPException(status_code=404, detail=f"项目库中没有编号为“{code}”的项目")
    require(user, Action.READ_PROJECTS, record.county_id)
    on, project = today_of(request), record.project
    return render(
        request, "project.html", user, nav="projects", project=project, on=on, stage=stage_on(project, on),
        notes=light_notes(project, year=plan.year, on=on), months=month_lines(project, year=plan.year, on=on),
        milestones=[(m, project.dates(m)) for m in ProjectMilestone], items=record.items,
        item_states={s.value: s.label for s in ItemState}, Light=Light,
    )  # fmt: skip
