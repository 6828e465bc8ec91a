"""Download the 督查通报 from the web app: /reports/2026-06.pdf, /reports/2026-06.docx?unit=镇雄县.

Leaders and the office may download any bulletin; a county's reporter only that county's (the city
bulletin is not theirs to take); other reporters none.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from duban.choices import OrgKind
from duban.persistence.db import Session
from duban.persistence.models import OrgUnitRow, PlanRow
from duban.policy import ANY_UNIT, Action, only_unit, require
from duban.reports.files import render
from duban.reports.model import Bulletin
from duban.reports.options import FORMATS, MEDIA_TYPES, ReportError, parse_date, parse_number, parse_period
from duban.reports.service import bulletin_for, file_name
from duban.reports.year_service import year_file_name, year_result_bulletin
from duban.services.bulletins import next_number
from duban.services.office import current_month
from duban.services.plans import unit_of_region
from duban.services.units import counties as county_units
from duban.services.units import region_level, unit_named
from duban.web.auth import CurrentUser, allow, db_session
from duban.web.pages.common import plan_for_request, plan_unit
from duban.web.pages.common import render as render_page

router = APIRouter()
Exporter = Annotated[CurrentUser, Depends(allow(Action.EXPORT_REPORTS))]


def allowed_unit(*, session: Session, user: CurrentUser, unit: str | None) -> str | None:
    """The county whose bulletin `user` may have, given the one asked for (None: the city's); refuse otherwise.

    A user the policy limits to their own unit gets their own county's (asked for or not); the city's
    bulletin, another county's, or any for a unit that is not a county is refused."""
    own_id = only_unit(user, Action.EXPORT_REPORTS)
    if own_id is None:
        asked = unit_named(session=session, name=unit) if unit else None
        require(user, Action.EXPORT_REPORTS, asked.id if asked else ANY_UNIT)  # not another city's county
        return unit
    own = session.get(OrgUnitRow, own_id) if own_id else None
    mine = own is not None and own.kind == OrgKind.COUNTY and unit in (None, own.name)
    require(user, Action.EXPORT_REPORTS, own_id if mine else None)
    assert own is not None
    return own.name


# the formats a download answers with, in the OpenAPI description (schemathesis checks the Content-Type)
FILES: dict[int | str, dict[str, Any]] = {200: {"content": {media: {} for media in MEDIA_TYPES.values()}}}


@router.get("/reports/file", name="report_form_download", include_in_schema=False)  # the web form's target
def report_form_download(
    request: Request, user: Exporter, period: str, fmt: str = "docx",
    unit: str | None = None, number: str | None = None, date: str | None = None,
) -> Response:  # fmt: skip
    """The bulletin the 通报 form asks for, with the office's 文号 and 成文日期."""
    return _download(request, user, period=period, fmt=fmt, unit=unit, number=number, issued=date)


@router.get(
    "/reports/year/{year}.{fmt}", name="year_result_download", response_class=Response, responses=FILES
)
def year_result_download(request: Request, year: str, fmt: str, user: Exporter) -> Response:
    """The 年度通报 / 考核结果 of `year` (county ranking and final statuses) as Word or Excel; the city's only."""
    if fmt not in FORMATS:
        raise HTTPException(status_code=404, detail=f"不支持的格式“{fmt}”")
    if not (
        year.isdecimal() and 1900 <= int(year) <= 2999
    ):  # refused as the month's bulletin refuses a period
        raise HTTPException(status_code=404, detail=f"没有“{year}”年的考核结果")
    region = plan_for_request(request, year=int(year)).region
    # the plan's own document: a county's reporter is refused it, a city's office has its city's
    require(user, Action.EXPORT_REPORTS, unit_of_region(session=db_session(request), region=region))
    try:
        bulletin = year_result_bulletin(session=db_session(request), year=int(year), today=_today(request),
                                        region=region)  # fmt: skip
    except ReportError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc
    return _as_file(bulletin, fmt, year_file_name(bulletin=bulletin, fmt=fmt))


@router.get("/reports/{period}.{fmt}", name="report_download", response_class=Response, responses=FILES)
def report_download(
    request: Request, period: str, fmt: str, user: Exporter,
    unit: str | None = None, number: str | None = None, date: str | None = None,
) -> Response:  # fmt: skip
    """The bulletin of `period` as a file, for the city or `?unit=` a county; `?number=12&date=2026-11-30` optional."""
    return _download(request, user, period=period, fmt=fmt, unit=unit, number=number, issued=date)


def _download(
    request: Request, user: CurrentUser, *, period: str, fmt: str, unit: str | None, number: str | None,
    issued: str | None,
) -> Response:  # fmt: skip
    if fmt not in FORMATS:
        raise HTTPException(status_code=404, detail=f"不支持的格式“{fmt}”")
    session = db_session(request)
    wanted = allowed_unit(session=session, user=user, unit=unit or None)
    try:
        wanted_number, day = parse_number(number), parse_date(issued) if issued else None
    except ReportError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc
    try:
        region = plan_for_request(request, year=parse_period(period)[0]).region  # as every page chooses it
        bulletin = bulletin_for(session=session, period=period, unit=wanted, today=_today(request),
                                number=wanted_number, issued=day, record=False, region=region)  # fmt: skip
    except ReportError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc
    return _as_file(bulletin, fmt, file_name(bulletin=bulletin, fmt=fmt))


def _today(request: Request) -> date:
    return request.app.state.settings.current_date()


@router.get("/reports", response_class=HTMLResponse, include_in_schema=False)
def report_index(request: Request, user: Exporter) -> HTMLResponse:
    """The bulletins that can be downloaded: every month with figures, the plan's and each unit's it ranks
    (a city's counties, a province's 州市)."""
    session = db_session(request)
    try:
        plan_row: PlanRow | None = plan_for_request(request)
    except HTTPException:
        if request.query_params.get("year"):
            raise
        plan_row = None  # no plan yet: the page says there is nothing to download
    months = (
        range(current_month(session=session, plan_row=plan_row, today=_today(request)), 0, -1)
        if plan_row
        else range(0)
    )
    ranked = region_level(session=session, region=plan_row.region).ranked if plan_row else OrgKind.COUNTY
    counties = [unit.name for unit in county_units(session=session, top=plan_unit(request), kind=ranked)]
    city = only_unit(user, Action.EXPORT_REPORTS) is None  # the city's bulletin and every county's
    if not city:
        counties = [c for c in counties if c == user.unit_name]
    periods = [f"{plan_row.year}-{m:02d}" for m in months] if plan_row else []
    upcoming = next_number(session=session, plan_id=plan_row.id) if plan_row else 1
    return render_page(request, "reports_index.html", user, nav="reports", periods=periods, counties=counties,
                       city=city, next_number=upcoming, year=plan_row.year if plan_row else None)  # fmt: skip


def _as_file(bulletin: Bulletin, fmt: str, name: str) -> Response:
    """The bulletin rendered as a file the browser saves under `name`."""
    headers = {"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"}
    return Response(render(bulletin=bulletin, fmt=fmt), media_type=MEDIA_TYPES[fmt], headers=headers)
