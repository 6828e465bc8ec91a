"""Indicator pages: the filterable list, and one indicator with its chart, counties and history."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse

from duban.choices import Accumulation, IndicatorKind
from duban.months import month_end
from duban.plan.units import to_display
from duban.policy import Action, only_unit
from duban.progress.changes import completion_changes
from duban.progress.expected import expected_share
from duban.services.change_history import ACTIONS, indicator_history
from duban.services.overview import IndicatorLine, Overview
from duban.web.auth import CurrentUser, allow, db_session
from duban.web.pages.common import (
    as_json,
    indicator_view_of,
    overview_of,
    page_slice,
    previous_overview,
    render,
)
from duban.web.params import PageQuery

router = APIRouter(include_in_schema=False)


@router.get("/indicators", response_class=HTMLResponse)
def indicator_list(
    request: Request, user: Annotated[CurrentUser, Depends(allow(Action.READ_DASHBOARD))], month: int | None = None,
    status: str = "", area: str = "", q: str = "", page: PageQuery = 1,
) -> HTMLResponse:  # fmt: skip
    """Every indicator with its city status, filtered by status, area or words in its name."""
    view = overview_of(request, month)
    lines = filter_lines(view=view, status=status, area=area, q=q)
    shown, page, pages = page_slice(lines, page)
    before = previous_overview(request, view)
    changes = completion_changes(now=shown, before=before.indicators) if before else {}
    return render(request, "indicators.html", user, nav="indicators", view=view, lines=shown, page=page,
                  pages=pages, total=len(lines), status=status, area=area, q=q, changes=changes)  # fmt: skip


def filter_lines(*, view: Overview, status: str, area: str, q: str) -> list[IndicatorLine]:
    """The overview's lines matching the status, the area code and the search words."""
    lines = view.indicators
    if status:
        lines = [x for x in lines if x.judgement.status.value == status]
    if area:
        lines = [x for x in lines if x.area.code == area]
    if q.strip():
        words = q.strip()
        lines = [
            x for x in lines if words in x.indicator.name or words in x.indicator.id or words in x.task_title
        ]
    return lines


@router.get("/indicators/{code}", response_class=HTMLResponse)
def indicator_page(
    request: Request, code: str, user: Annotated[CurrentUser, Depends(allow(Action.READ_DASHBOARD))], month: int | None = None,
    page: PageQuery = 1,
) -> HTMLResponse:  # fmt: skip
    """Chart against 序时进度 and target, each unit's standing, the audit trail and the source."""
    view = indicator_view_of(request, month, code)
    if view is None:
        raise HTTPException(status_code=404, detail=f"没有编号为“{code}”的指标")
    line = view.line
    own = only_unit(user, Action.READ_FIGURES)  # as the API: a reporter sees their unit's drafts and reasons
    trail, page, pages = page_slice(
        indicator_history(session=db_session(request), indicator_id=line.row_id, unit_id=own), page
    )
    return render(request, "indicator.html", user, nav="indicators", view=view, line=line, history=trail,
                  page=page, pages=pages, chart=as_json(chart_data(line=line, year=view.plan.year)),
                  actions=ACTIONS)  # fmt: skip


def chart_data(*, line: IndicatorLine, year: int) -> dict[str, Any]:
    """Monthly actual figures, the 序时进度 line, the target, the year-end forecast range and last year's line,
    in the indicator's display unit (亿元)."""
    ind = line.indicator

    def shown(value: Decimal | float) -> float:
        return float(to_display(Decimal(str(value)), unit=ind.unit, display_unit=ind.shown_unit))

    target = shown(ind.target)
    pro_rated = ind.accumulation is Accumulation.CUMULATIVE or ind.kind is IndicatorKind.MILESTONE
    expected = [
        round(float(expected_share(profile=ind.profile, year=year, on=month_end(year, m), due=ind.due))
              * target, 4) if pro_rated else target
        for m in range(1, 13)
    ]  # fmt: skip
    data: dict[str, Any] = {"unit": ind.shown_unit, "target": target, "expected": expected,
                            "actual": [[m, shown(v)] for m, v in line.series], "forecast": None,
                            "last_year": None}  # fmt: skip
    if line.last_year:
        data["last_year"] = {"year": year - 1, "points": [[m, shown(v)] for m, v in line.last_year]}
    if line.forecast and line.series:
        last_month, last_value = line.series[-1]
        data["forecast"] = {"from": [last_month, shown(last_value)], "point": shown(line.forecast.point),
                            "low": shown(line.forecast.low), "high": shown(line.forecast.high)}  # fmt: skip
    return data
