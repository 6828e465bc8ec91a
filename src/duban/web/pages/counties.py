"""County pages: every target a county holds, its rank and its overdue reports."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse

from duban.choices import ReportState
from duban.plan.levels import ranked_units
from duban.policy import Action
from duban.progress.ranking import rank_changes
from duban.services.overview import IndicatorLine, Overview, UnitLine
from duban.web.auth import CurrentUser, allow
from duban.web.pages.common import overview_of, previous_overview, render

router = APIRouter(include_in_schema=False)


@router.get("/counties", response_class=HTMLResponse)
def county_list(
    request: Request,
    user: Annotated[CurrentUser, Depends(allow(Action.READ_DASHBOARD))],
    month: int | None = None,
) -> HTMLResponse:
    """The counties in ranking order."""
    view = overview_of(request, month)
    before = previous_overview(request, view)
    changes = rank_changes(now=view.rankings, before=before.rankings) if before else {}
    return render(request, "counties.html", user, nav="map", view=view, changes=changes)


@router.get("/counties/{name}", response_class=HTMLResponse)
def county_page(
    request: Request,
    name: str,
    user: Annotated[CurrentUser, Depends(allow(Action.READ_DASHBOARD))],
    month: int | None = None,
) -> HTMLResponse:
    """One unit the plan ranks (a city's county, a province's 州市): each of its targets with status, its rank and
    what it has not reported."""
    view = overview_of(request, month)
    if name not in ranked_units(view.plan):
        raise HTTPException(status_code=404, detail=f"没有名为“{name}”的{view.level.regions}")
    lines = view.county_lines(name)
    ranking = next((r for r in view.rankings if r.unit == name), None)
    before = previous_overview(request, view)
    change = rank_changes(now=view.rankings, before=before.rankings).get(name) if before else None
    reporting = next((r for r in view.reporting if r.unit == name), None)
    return render(request, "county.html", user, nav="map", view=view, county=name, lines=lines,
                  ranking=ranking, change=change, reporting=reporting, overdue=unreported(view=view, county=name),
                  counts=ranking.counts if ranking else {}, no_task=view.no_task(name),
                  aspirations=[line for line, _ in lines if line.indicator.aspiration])  # fmt: skip


def unreported(*, view: Overview, county: str) -> list[tuple[IndicatorLine, UnitLine]]:
    """The county's targets not yet 已审核 for the period: 未报送, 待审核 or 已退回."""
    return [(line, u) for line, u in view.county_lines(county) if u.report is not ReportState.APPROVED]
