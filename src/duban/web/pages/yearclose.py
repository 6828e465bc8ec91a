"""年终考核: the office previews and confirms the close of a year, reopens it, and corrects a final figure."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from duban.choices import FinalStatus, ItemFate
from duban.persistence.models import PlanRow
from duban.policy import Action
from duban.services.entries import ValidationFailed, Writer
from duban.services.periods import WorkflowError, ensure_periods
from duban.services.yearclose import close_preview, close_year, correct_year_figure, reopen_year
from duban.web.auth import CurrentUser, allow, csrf_protect, db_session
from duban.web.pages.common import keep_plan, plan_for_request, render, settings_of, today_of

router = APIRouter(include_in_schema=False)
Admin = Annotated[CurrentUser, Depends(allow(Action.MANAGE_PERIODS))]
PAGE = "/year-close"


@router.get(PAGE, response_class=HTMLResponse)
def year_close_page(request: Request, user: Admin) -> HTMLResponse:
    """What closing the year does (periods, figures not final, results, 督办 items) and the forms to act."""
    preview = close_preview(
        session=db_session(request), plan_row=plan_for_request(request), today=today_of(request)
    )
    return render(request, "year_close.html", user, nav="periods", preview=preview, statuses=list(FinalStatus),
                  fates=list(ItemFate), flash=request.session.pop("flash", None),
                  flash_error=request.session.pop("flash_error", None))  # fmt: skip


@router.post(PAGE, dependencies=[Depends(csrf_protect)])
async def year_close_confirm(request: Request, user: Admin) -> Response:
    """Close the year as previewed, each open 督办 item carried or closed as chosen (`fate-<id>`); audited."""
    form = await request.form()
    fates = {int(k[5:]): ItemFate(str(v)) for k, v in form.items() if k.startswith("fate-") and k[5:].isdecimal()
             and str(v) in set(ItemFate)}  # fmt: skip
    plan_row = _with_periods(request)
    try:
        done = close_year(session=db_session(request), plan_row=plan_row, user_id=user.id, today=today_of(request),
                          reason=str(form.get("reason") or ""), fates=fates)  # fmt: skip
    except WorkflowError as exc:
        return _back(request, f"未关闭：{exc}", error=True)
    return _back(
        request,
        f"已年终考核关闭{plan_row.year}年度。" if done else f"{plan_row.year}年度此前已关闭，未作改动。",
    )


@router.post(f"{PAGE}/reopen", dependencies=[Depends(csrf_protect)])
def year_close_reopen(request: Request, user: Admin, reason: Annotated[str, Form()] = "") -> Response:
    """Reopen the closed year with a reason; the periods the close locked are unlocked; audited."""
    plan_row = plan_for_request(request)
    try:
        done = reopen_year(session=db_session(request), plan_row=plan_row, user_id=user.id, today=today_of(request),
                           reason=reason)  # fmt: skip
    except WorkflowError as exc:
        return _back(request, f"未重新开放：{exc}", error=True)
    return _back(
        request, f"已重新开放{plan_row.year}年度。" if done else f"{plan_row.year}年度未关闭，未作改动。"
    )


@router.post(f"{PAGE}/correct", dependencies=[Depends(csrf_protect)])
def year_close_correct(
    request: Request, user: Admin, code: Annotated[str, Form()] = "", unit: Annotated[str, Form()] = "",
    month: Annotated[int, Form(ge=1, le=12)] = 12, value: Annotated[str, Form()] = "",
    numerator: Annotated[str, Form()] = "", denominator: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:  # fmt: skip
    """An admin's correction of a final figure of the closed year, with a reason; audited."""
    writer = Writer(user_id=user.id, admin=True, today=today_of(request))
    raw = {"value": value, "numerator": numerator, "denominator": denominator}
    try:
        correct_year_figure(session=db_session(request), plan_row=plan_for_request(request), code=code.strip(),
                            unit=unit.strip(), month=month, raw=raw, writer=writer, reason=reason)  # fmt: skip
    except (WorkflowError, ValidationFailed) as exc:
        return _back(request, f"未更正：{exc}", error=True)
    return _back(request, f"已更正{unit}{code}的{month}月数据（已记录理由）。")


def _with_periods(request: Request) -> PlanRow:
    """The request's plan with all its periods made, so that the close locks every one."""
    plan_row, settings = plan_for_request(request), settings_of(request)
    ensure_periods(session=db_session(request), plan=plan_row, cutoff_day=settings.cutoff_day,
                   combine_jan_feb=settings.combine_jan_feb)  # fmt: skip
    return plan_row


def _back(request: Request, message: str, error: bool = False) -> Response:
    request.session["flash_error" if error else "flash"] = message
    return RedirectResponse(keep_plan(request, PAGE), status_code=303)
