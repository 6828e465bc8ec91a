"""The office's reporting periods: deadlines, locking, and reopening a period for every unit or one."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from duban.persistence.models import OrgUnitRow, PeriodRow
from duban.policy import Action
from duban.services.periods import (
    WorkflowError,
    end_reopening,
    ensure_periods,
    find_period,
    lock_period,
    period_label,
    reopen_period,
    reopenings,
)
from duban.services.units import units_below_city
from duban.web.auth import CurrentUser, allow, csrf_protect, db_session
from duban.web.pages.common import keep_plan, plan_for_request, plan_unit, render, settings_of, today_of
from duban.web.params import MonthPath, RowId

router = APIRouter(include_in_schema=False)
Admin = Annotated[CurrentUser, Depends(allow(Action.MANAGE_PERIODS))]


@router.get("/periods", response_class=HTMLResponse)
def period_list(request: Request, user: Admin) -> HTMLResponse:
    """Every period with its deadline, whether it is locked, and its reopenings; forms to lock and reopen."""
    session, settings = db_session(request), settings_of(request)
    plan_row = plan_for_request(request)
    periods = ensure_periods(session=session, plan=plan_row, cutoff_day=settings.cutoff_day,
                             combine_jan_feb=settings.combine_jan_feb)  # fmt: skip
    units = units_below_city(session=session, top=plan_unit(request))
    names = {u.id: u.name for u in units}
    lines = [(p, period_label(p, plan_row.year), reopenings(session=session, period=p)) for p in periods]
    return render(request, "periods.html", user, nav="periods", lines=lines, units=units, names=names,
                  today=today_of(request), flash=request.session.pop("flash", None),
                  flash_error=request.session.pop("flash_error", None))  # fmt: skip


@router.post("/periods/{month}/reopen", dependencies=[Depends(csrf_protect)])
def period_reopen(
    request: Request, month: MonthPath, user: Admin, reason: Annotated[str, Form()] = "",
    until: Annotated[str, Form()] = "", unit_id: Annotated[str, Form()] = "", next: Annotated[str, Form()] = "",
) -> Response:  # fmt: skip
    """Reopen the period for one unit (or every unit) until a date, with a reason; audited."""
    session, period = db_session(request), _period(request, month)
    unit = _unit(request, unit_id)
    try:
        row = reopen_period(session=session, period=period, user_id=user.id, reason=reason,
                            today=today_of(request), until=_date(until), unit_id=unit.id if unit else None)  # fmt: skip
    except WorkflowError as exc:
        return _back(request, next, f"未重新开放：{exc}", error=True)
    who = unit.name if unit else "全部单位"
    return _back(
        request,
        next,
        f"已为{who}重新开放{period_label(period, plan_for_request(request).year)}报送，至 {row.until}。",
    )


@router.post("/periods/{month}/reopenings/{reopen_id}/end", dependencies=[Depends(csrf_protect)])
def period_reopening_end(
    request: Request, month: MonthPath, reopen_id: RowId, user: Admin, reason: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:  # fmt: skip
    """End one running reopening now: the unit it opened the period for is locked out again; audited."""
    session, period = db_session(request), _period(request, month)
    try:
        row = end_reopening(session=session, period=period, reopen_id=reopen_id, user_id=user.id,
                            today=today_of(request), reason=reason)  # fmt: skip
    except WorkflowError as exc:
        return _back(request, next, f"未结束：{exc}", error=True)
    unit = session.get(OrgUnitRow, row.unit_id) if row.unit_id else None
    label = period_label(period, plan_for_request(request).year)
    return _back(
        request, next, f"已结束{unit.name if unit else '全部单位'}{label}的重新开放，恢复锁定/截止状态。"
    )


@router.post("/periods/{month}/lock", dependencies=[Depends(csrf_protect)])
def period_lock(
    request: Request, month: MonthPath, user: Admin, reason: Annotated[str, Form()] = "", next: Annotated[str, Form()] = ""
) -> Response:  # fmt: skip
    """Lock the period for everyone; running reopenings end."""
    session, period = db_session(request), _period(request, month)
    lock_period(
        session=session, period=period, user_id=user.id, today=today_of(request), reason=reason or None
    )
    return _back(request, next, f"已锁定{period_label(period, plan_for_request(request).year)}报送期。")


def _period(request: Request, month: int) -> PeriodRow:
    period = find_period(session=db_session(request), plan_id=plan_for_request(request).id, month=month)
    if period is None:
        raise HTTPException(status_code=404, detail=f"{month} 月不是报送期")
    return period


def _unit(request: Request, unit_id: str) -> OrgUnitRow | None:
    if not unit_id.strip():
        return None
    unit = (
        db_session(request).get(OrgUnitRow, int(unit_id))
        if unit_id.isdecimal() and len(unit_id) < 10
        else None
    )
    if unit is None:
        raise HTTPException(status_code=404, detail=f"单位编号 {unit_id} 不存在")
    return unit


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text.strip() else None
    except ValueError:
        raise HTTPException(status_code=422, detail=f"开放截止日期“{text}”不是有效日期") from None


def _back(request: Request, next_url: str, message: str, error: bool = False) -> Response:
    """Back to the page the form was on (a path on this site only), with the message."""
    request.session["flash_error" if error else "flash"] = message
    target = (
        next_url
        if next_url.startswith("/") and not next_url.startswith("//")
        else keep_plan(request, "/periods")
    )
    return RedirectResponse(target, status_code=303)
