"""报送情况 with 催报: who has reported a month, and the office reminding the late units in one click."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from duban.persistence.models import PeriodRow
from duban.policy import Action, allowed
from duban.services.chasing import late_units, remind_late_units, reporting_of
from duban.services.periods import find_period, period_label
from duban.services.supervision_runs import mail_reminders
from duban.web.auth import CurrentUser, allow, csrf_protect, db_session
from duban.web.pages.common import keep_plan, page_period, plan_for_request, render, settings_of, today_of
from duban.web.params import MonthPath

router = APIRouter(include_in_schema=False)


@router.get("/reporting", response_class=HTMLResponse)
def reporting_page(
    request: Request,
    user: Annotated[CurrentUser, Depends(allow(Action.READ_DASHBOARD))],
    month: int | None = None,
) -> HTMLResponse:
    """Every unit's 报送情况 for the month; the office also sees whom a 催报 would reach."""
    session, today = db_session(request), today_of(request)
    plan_row = plan_for_request(request)
    chosen = page_period(request=request, session=session, plan_row=plan_row, month=month)
    period = _period(request, chosen.month)
    status = reporting_of(session=session, plan_row=plan_row, period=period, today=today)
    late = (
        late_units(session=session, plan_row=plan_row, period=period, today=today)
        if allowed(user, Action.CHASE_REPORTS)
        else []
    )
    return render(request, "reporting.html", user, nav="reporting", status=status, late=late, period=period,
                  label=period_label(period, plan_row.year), month=chosen.month, today=today,
                  to_remind=[x for x in late if not x.reminded_today],
                  flash=request.session.pop("flash", None))  # fmt: skip


@router.post("/reporting/{month}/remind", dependencies=[Depends(csrf_protect)])
def reporting_remind(
    request: Request, month: MonthPath, user: Annotated[CurrentUser, Depends(allow(Action.CHASE_REPORTS))],
    background: BackgroundTasks,
) -> Response:  # fmt: skip
    """催报: remind each late unit once today, in the inbox now and by e-mail after the reply."""
    session, today = db_session(request), today_of(request)
    plan_row = plan_for_request(request)
    period = _period(request, month)
    written, skipped = remind_late_units(
        session=session, plan_row=plan_row, period=period, today=today, user_id=user.id
    )
    session.commit()  # the reminders are claimed before any e-mail leaves
    background.add_task(mail_reminders, factory=request.app.state.sessions, settings=settings_of(request),
                        reminders=written, today=today)  # fmt: skip
    message = f"已向 {len(written)} 个单位催报{period_label(period, plan_row.year)}数据"
    message += f"({'、'.join(r.unit for r in written)})。" if written else "。"
    if skipped:
        message += f"{'、'.join(skipped)}今天已催报过，未重复发送。"
    request.session["flash"] = message
    return RedirectResponse(keep_plan(request, f"/reporting?month={month}"), status_code=303)


def _period(request: Request, month: int) -> PeriodRow:
    session = db_session(request)
    period = find_period(session=session, plan_id=plan_for_request(request).id, month=month)
    if period is None:
        raise HTTPException(status_code=404, detail=f"{month} 月不是报送期")
    return period
