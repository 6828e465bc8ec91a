"""Plan pages: the plan tree, and the office's audited editing of a target and its breakdown."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from duban.choices import BreakdownStatus, Comparator
from duban.persistence.db import Session
from duban.persistence.models import IndicatorRow
from duban.plan.model import Indicator, Plan
from duban.plan.planfile import breakdown_fault
from duban.plan.units import display_units, from_display
from duban.policy import Action
from duban.services.plan_edits import EditRefused, apply_edit
from duban.services.plan_revisions import PlanRevisionError, latest_revision, revisions_of, undo_plan_revision
from duban.services.plans import indicator_by_code, indicator_from_row, plan_from_store, retired_indicators
from duban.web.auth import CurrentUser, allow, csrf_protect, db_session
from duban.web.pages.common import keep_plan, plan_for_request, render
from duban.web.params import RowId

router = APIRouter(include_in_schema=False)


@router.get("/plan", response_class=HTMLResponse)
def plan_tree(
    request: Request, user: Annotated[CurrentUser, Depends(allow(Action.READ_DASHBOARD))]
) -> HTMLResponse:
    """Every area, task and indicator with its target, lead unit and county breakdown."""
    session = db_session(request)
    plan_row = plan_for_request(request)
    plan = plan_from_store(session=session, plan_row=plan_row)
    faults = {ind.id: breakdown_fault(ind) for ind in plan.indicators()}
    retired = retired_indicators(session=session, plan_id=plan_row.id)
    return render(request, "plan_tree.html", user, nav="plan", plan=plan, faults=faults, retired=retired,
                  revisions=revisions_of(session=session, plan_id=plan_row.id)[:10],
                  undoable=latest_revision(session=session, plan_id=plan_row.id),
                  flash=request.session.pop("flash", None))  # fmt: skip


@router.post("/plan/revisions/{revision_id}/undo", dependencies=[Depends(csrf_protect)])
def undo_revision(
    request: Request, revision_id: RowId, user: Annotated[CurrentUser, Depends(allow(Action.MANAGE_PLAN))]
) -> Response:
    """Undo the newest plan revision: the plan as it was before, audited."""
    try:
        revision = undo_plan_revision(session=db_session(request), revision_id=revision_id, user_id=user.id)
    except PlanRevisionError as exc:
        request.session["flash"] = f"未撤销：{exc}"
    else:
        request.session["flash"] = f"已撤销计划修订 #{revision.id}：{revision.changes.get('summary', '')}。"
    return RedirectResponse(keep_plan(request, "/plan"), status_code=303)


@router.get("/plan/indicators/{code}/edit", response_class=HTMLResponse)
def edit_form(
    request: Request, code: str, user: Annotated[CurrentUser, Depends(allow(Action.MANAGE_PLAN))]
) -> HTMLResponse:
    """The form for a target, its lead unit and its breakdown to counties."""
    session = db_session(request)
    row = _indicator_row(request, session, code)
    indicator = indicator_from_row(row)
    return _edit_page(request, user, session, indicator, typed=None, error=None)


@router.post("/plan/indicators/{code}/edit", dependencies=[Depends(csrf_protect)])
async def edit_save(
    request: Request, code: str, user: Annotated[CurrentUser, Depends(allow(Action.MANAGE_PLAN))]
) -> Response:
    """Save the edit with its reason in the audit trail; a breakdown that misses the target is refused."""
    session, form = db_session(request), await request.form()
    row = _indicator_row(request, session, code)
    try:
        edited = edited_indicator(indicator=indicator_from_row(row), form=form)
        apply_edit(
            session=session, row=row, edited=edited, user_id=user.id, reason=str(form.get("reason") or "")
        )
    except EditRefused as exc:
        return _edit_page(request, user, session, indicator_from_row(row), typed=form, error=str(exc))
    request.session["flash"] = f"已保存 {code} 的修改。"
    return RedirectResponse(keep_plan(request, f"/indicators/{code}"), status_code=303)


def edited_indicator(*, indicator: Indicator, form: FormData) -> Indicator:
    """The indicator with the form's target, comparator, lead unit and breakdown; EditRefused if invalid."""
    data: dict[str, Any] = indicator.model_dump()
    typed_in = str(form.get("entry_unit") or indicator.unit)  # the unit the form showed its numbers in

    def _amount(raw: object, what: str) -> Decimal:
        return _in_stored_unit(_number(raw, what), indicator=indicator, display_unit=typed_in)

    data["target"] = _amount(form.get("target"), "目标值")
    data["display_unit"] = _chosen_display_unit(
        indicator=indicator, chosen=str(form.get("display_unit") or "")
    )
    data["comparator"] = str(form.get("comparator") or indicator.comparator.value)
    data["lead_unit"] = str(form.get("lead_unit") or "") or None
    data["aspiration"] = form.get("aspiration") == "1"
    targets = {str(k).removeprefix("share."): _amount(v, f"{str(k).removeprefix('share.')}分解目标")
               for k, v in form.multi_items() if str(k).startswith("share.") and str(v).strip()}  # fmt: skip
    data["breakdown"] = {"status": str(form.get("breakdown_status") or "draft"), "basis": form.get("basis") or None,
                         "targets": targets} if targets else None  # fmt: skip
    try:
        edited = Indicator.model_validate(data)
    except ValidationError as exc:
        raise EditRefused("；".join(str(e["msg"]) for e in exc.errors())) from None
    fault = breakdown_fault(edited)
    if fault and edited.breakdown and edited.breakdown.status is BreakdownStatus.CONFIRMED:
        raise EditRefused(f"目标分解未确认：{fault}（可先保存为草案）")
    return edited


def _in_stored_unit(number: Decimal, *, indicator: Indicator, display_unit: str) -> Decimal:
    try:
        return from_display(number, unit=indicator.unit, display_unit=display_unit)
    except ValueError as exc:
        raise EditRefused(str(exc)) from None


def _chosen_display_unit(*, indicator: Indicator, chosen: str) -> str | None:
    """The display unit chosen; None (follow the target's size) while it is the one the plan left to the default."""
    if not chosen or (indicator.display_unit is None and chosen == indicator.shown_unit):
        return indicator.display_unit
    return chosen


def _number(raw: object, what: str) -> Decimal:
    text = str(raw or "").strip().replace(",", "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise EditRefused(f"{what}“{text}”不是数字") from None
    if not number.is_finite():
        raise EditRefused(f"{what}“{text}”不是数字")
    return number


def _indicator_row(request: Request, session: Session, code: str) -> IndicatorRow:
    row = indicator_by_code(session=session, plan_id=plan_for_request(request).id, code=code)
    if row is None:
        raise HTTPException(status_code=404, detail=f"没有编号为“{code}”的指标")
    return row


def _edit_page(
    request: Request, user: CurrentUser, session: Session, indicator: Indicator, typed: FormData | None,
    error: str | None,
) -> HTMLResponse:  # fmt: skip
    plan: Plan = plan_from_store(session=session, plan_row=plan_for_request(request))
    return render(request, "plan_edit.html", user, status_code=422 if error else 200, nav="plan",
                  ind=indicator, plan=plan, typed=typed, error=error, comparators=list(Comparator),
                  statuses=list(BreakdownStatus), fault=breakdown_fault(indicator),
                  display_units=display_units(indicator.unit))  # fmt: skip
