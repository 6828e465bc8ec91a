"""设置: the office sets the 当前报送期 every page shows and whether figures awaiting review count."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from duban.policy import Action
from duban.services.office import due_month, office_settings, save_office_settings
from duban.web.auth import CurrentUser, allow, csrf_protect, db_session
from duban.web.pages.common import keep_plan, plan_for_request, render, today_of

router = APIRouter(include_in_schema=False)


@router.get("/settings", response_class=HTMLResponse)
def settings_page(
    request: Request, user: Annotated[CurrentUser, Depends(allow(Action.MANAGE_SETTINGS))]
) -> HTMLResponse:
    """The 当前报送期 (by deadline, or a month the office sets) and the basis of the figures."""
    session = db_session(request)
    row = plan_for_request(request)
    return render(request, "office.html", user, nav="settings", chosen=office_settings(session=session, plan_id=row.id),
                  due=due_month(session=session, plan_row=row, today=today_of(request)),
                  flash=request.session.pop("flash", None))  # fmt: skip


@router.post("/settings", dependencies=[Depends(csrf_protect)])
def settings_save(
    request: Request, user: Annotated[CurrentUser, Depends(allow(Action.MANAGE_SETTINGS))],
    current: Annotated[str, Form()] = "", include_submitted: Annotated[str, Form()] = "",
    carry_forward: Annotated[str, Form()] = "",
) -> Response:  # fmt: skip
    """Save the office's choices (audited); every page, the API and the bulletin follow them at once."""
    session = db_session(request)
    if current and not (current.isdecimal() and 1 <= int(current) <= 12):
        raise HTTPException(
            status_code=400, detail=f"当前报送期“{current}”无效，应为 1–12 月或“按截止日自动”"
        )
    save_office_settings(session=session, plan_id=plan_for_request(request).id, current=int(current) if current else None,
                         include_submitted=bool(include_submitted), carry_forward=bool(carry_forward),
                         user_id=user.id)  # fmt: skip
    request.session["flash"] = "设置已保存，所有页面、接口与通报即时按新设置显示。"
    return RedirectResponse(keep_plan(request, "/settings"), status_code=303)
