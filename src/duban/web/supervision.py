"""督办 pages and API: the office's list by colour and unit, each unit's inbox, the item page and its steps.

Every route needs a login; state changes need the CSRF token; units see and handle only their own items
(checked here on the server), and only the office returns or closes an item.
"""

from __future__ import annotations

import secrets
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from duban.choices import Colour, ItemAction, ItemCause, ItemState
from duban.persistence.db import ConcurrentChange, Session
from duban.persistence.models import OrgUnitRow, PlanRow
from duban.persistence.supervision_models import SupervisionItemRow, SupervisionReplyRow
from duban.policy import ITEM_STEPS, Action, allowed, only_unit, require
from duban.services.office import current_month
from duban.services.plans import indicator_names
from duban.services.supervision import (
    LEVELS,
    OPEN_STATES,
    Evidence,
    ItemSummary,
    ManualItem,
    answer,
    close,
    counts_by_colour,
    get_item,
    inbox,
    item_history,
    list_items,
    mark_read,
    open_manual_item,
    reply_content_type,
    reply_evidence_key,
    return_item,
    sign,
)
from duban.services.units import unit_named, units_below_city
from duban.settings import Settings
from duban.storage.download import download, fetch, storage_of
from duban.supervision.workflow import ItemError, StepRefused
from duban.web.auth import CurrentUser, allow, csrf_protect, db_session
from duban.web.pages.common import keep_plan, plan_for_request, plan_unit, templates
from duban.web.params import MAX_ROW_ID, RowId

router = APIRouter()
api = APIRouter(prefix="/api/supervision", tags=["督办"])
# The signed-in user, once the policy lets their role take the route's action (`duban.policy`).
User = Annotated[CurrentUser, Depends(allow(Action.READ_SUPERVISION))]
InboxUser = Annotated[CurrentUser, Depends(allow(Action.READ_INBOX))]
# on one item by its id: bound by its unit, no plan chosen (the gate reads none)
ItemReader = Annotated[CurrentUser, Depends(allow(Action.READ_SUPERVISION, plan=False))]
Handler = Annotated[CurrentUser, Depends(allow(Action.HANDLE_SUPERVISION, plan=False))]
Decider = Annotated[CurrentUser, Depends(allow(Action.DECIDE_SUPERVISION, plan=False))]
Admin = Annotated[CurrentUser, Depends(allow(Action.OPEN_SUPERVISION))]
CSRF = [Depends(csrf_protect)]
ACTION_LABELS = {f"supervision.{a.value}": a.label for a in ItemAction} | {
    "supervision.colour": "颜色变化", "supervision.remind": "发送提醒",
    "supervision.cause_cleared": "督办原因已消除，待办结", "supervision.cause_back": "督办原因再次出现",
}  # fmt: skip


# ── Pages ────────────────────────────────────────────────────────────────────


@router.get("/supervision", response_class=HTMLResponse, include_in_schema=False)
def office_list(
    request: Request, user: User, colour: str = "", unit: str = "", state: str = "open"
) -> Response:
    """The office's list of items, grouped by colour and then by unit."""
    if only_unit(user, Action.READ_SUPERVISION) is not None:  # a unit's user: their own inbox
        return RedirectResponse(keep_plan(request, "/supervision/inbox"), status_code=303)
    session, plan = _session_and_plan(request)
    states = OPEN_STATES if state == "open" else (ItemState.CLOSED.value,)
    items = list_items(session=session, plan_id=plan.id, states=states, colour=_colour(colour))
    items = [i for i in items if not unit or i.unit == unit]
    context = {"user": user, "groups": _by_colour_and_unit(items), "counts": counts_by_colour(session=session, plan_id=plan.id),
               "colour": colour, "unit": unit, "state": state, "units": sorted({i.unit for i in items})}  # fmt: skip
    return _render(request, "supervision_list.html", context)


@router.get("/supervision/new", response_class=HTMLResponse, include_in_schema=False)
def new_item_form(
    request: Request, user: Admin, unit: str = "", indicator: str = "", project: str = ""
) -> Response:
    """新建督办: the office writes an item by hand, for a unit, on an indicator, a project or a free matter."""
    unit_row = unit_named(session=db_session(request), name=unit) if unit else None
    values = {"unit_id": str(unit_row.id) if unit_row else "", "indicator": indicator, "project": project,
              "level": Colour.YELLOW.value, "title": "", "ask": "", "deadline": ""}  # fmt: skip
    return _new_page(request, user, values)


@router.post("/supervision/new", include_in_schema=False, dependencies=CSRF)
def new_item_save(
    request: Request, user: Admin, unit_id: Annotated[str, Form()] = "", title: Annotated[str, Form()] = "",
    ask: Annotated[str, Form()] = "", deadline: Annotated[str, Form()] = "", level: Annotated[str, Form()] = "",
    indicator: Annotated[str, Form()] = "", project: Annotated[str, Form()] = "", token: Annotated[str, Form()] = "",
) -> Response:  # fmt: skip
    """Open the item (audited) and show it; a form sent twice opens one item."""
    values = {"unit_id": unit_id, "title": title, "ask": ask, "deadline": deadline, "level": level,
              "indicator": indicator, "project": project, "token": token}  # fmt: skip
    try:
        item = _open_manual(request, user, values)
    except ItemError as exc:
        db_session(request).rollback()
        return _new_page(request, user, values, str(exc), 400)
    return RedirectResponse(keep_plan(request, f"/supervision/items/{item.id}"), status_code=303)


@router.get("/supervision/inbox", response_class=HTMLResponse, include_in_schema=False)
def unit_inbox(request: Request, user: InboxUser, unit: str = "") -> Response:
    """A unit's inbox: its open items and its reminders (the office and leaders may pick the unit)."""
    session, plan = _session_and_plan(request)
    unit_id = _inbox_unit(session, user, unit)
    items = list_items(session=session, plan_id=plan.id, unit_id=unit_id) if unit_id else []
    reminders = inbox(session=session, unit_id=unit_id) if unit_id else []
    context = {"user": user, "items": items, "reminders": reminders, "unit_name": _unit_name(session, unit_id),
               "unread": sum(1 for r in reminders if r.read_at is None)}  # fmt: skip
    return _render(request, "supervision_inbox.html", context)


@router.post("/supervision/inbox/read", include_in_schema=False, dependencies=CSRF)
def read_inbox(request: Request, user: InboxUser) -> Response:
    """Mark the unit's reminders read."""
    if user.unit_id is not None:
        mark_read(session=db_session(request), unit_id=user.unit_id)
    return RedirectResponse(keep_plan(request, "/supervision/inbox"), status_code=303)


@router.get("/supervision/items/{item_id}", response_class=HTMLResponse, include_in_schema=False)
def item_page(request: Request, user: ItemReader, item_id: RowId) -> Response:
    """One item: what is asked, its replies, its history and the forms its state allows."""
    item = _visible_item(request, user, item_id)
    return _item_page(request, user, item)


@router.post("/supervision/items/{item_id}/sign", include_in_schema=False, dependencies=CSRF)
def sign_form(request: Request, user: Handler, item_id: RowId) -> Response:
    return _page_step(request, user, item_id, ItemAction.SIGN, {})


@router.post("/supervision/items/{item_id}/answer", include_in_schema=False, dependencies=CSRF)
async def answer_form(
    request: Request, user: Handler, item_id: RowId, text: Annotated[str, Form()] = "",
    evidence: Annotated[UploadFile | None, File()] = None,
) -> Response:  # fmt: skip
    upload = await _evidence(request, evidence)
    return _page_step(request, user, item_id, ItemAction.ANSWER, {"text": text, "evidence": upload})


@router.post("/supervision/items/{item_id}/return", include_in_schema=False, dependencies=CSRF)
def return_form(
    request: Request, user: Decider, item_id: RowId, reason: Annotated[str, Form()] = ""
) -> Response:
    return _page_step(request, user, item_id, ItemAction.RETURN, {"text": reason})


@router.post("/supervision/items/{item_id}/close", include_in_schema=False, dependencies=CSRF)
def close_form(
    request: Request, user: Decider, item_id: RowId, note: Annotated[str, Form()] = ""
) -> Response:
    return _page_step(request, user, item_id, ItemAction.CLOSE, {"text": note})


@router.get("/supervision/items/{item_id}/evidence/{reply_id}", include_in_schema=False)
def evidence_file(request: Request, user: ItemReader, item_id: RowId, reply_id: RowId) -> Response:
    """An evidence file of a reply, to those who may see the item."""
    item = _visible_item(request, user, item_id)
    reply = db_session(request).get(SupervisionReplyRow, reply_id)
    if reply is None or reply.item_id != item.id or not reply.evidence_sha256:
        raise HTTPException(status_code=404, detail="证明材料不存在")
    name = reply.evidence_name or "evidence"
    content = fetch(storage_of(request), reply_evidence_key(reply.evidence_sha256))
    return download(content, media_type=reply_content_type(content), filename=name)


# ── JSON API ─────────────────────────────────────────────────────────────────


@api.get("/items")
def api_items(request: Request, user: User, colour: str = "", state: str = "open") -> list[dict[str, Any]]:
    """Open (or closed) items the user may see, most urgent first."""
    session, plan = _session_and_plan(request)
    unit_id = only_unit(user, Action.READ_SUPERVISION)
    states = OPEN_STATES if state == "open" else (ItemState.CLOSED.value,)
    items = list_items(
        session=session, plan_id=plan.id, unit_id=unit_id, states=states, colour=_colour(colour)
    )
    return [_summary_json(i) for i in items]


@api.post("/items", dependencies=CSRF, status_code=201)
def api_open_item(
    request: Request, user: Admin, unit_id: Annotated[int, Body(ge=1, le=MAX_ROW_ID)],
    title: Annotated[str, Body(max_length=500)], ask: Annotated[str, Body(max_length=5000)],
    deadline: Annotated[date, Body()], level: Annotated[str, Body()] = Colour.YELLOW.value,
    indicator: Annotated[str, Body(max_length=100)] = "", project: Annotated[str, Body(max_length=100)] = "",
    request_id: Annotated[str, Body(max_length=64)] = "",
) -> dict[str, Any]:  # fmt: skip
    """新建督办: open an item by hand (level blue 提醒, yellow 督办, red 挂牌督办); the same request_id opens one."""
    values = {"unit_id": str(unit_id), "title": title, "ask": ask, "deadline": deadline.isoformat(),
              "level": level, "indicator": indicator, "project": project, "token": request_id}  # fmt: skip
    try:
        item = _open_manual(request, user, values)
    except ItemError as exc:
        db_session(request).rollback()
        raise HTTPException(status_code=400, detail=str(exc)) from exc
    return _item_json(db_session(request), item)


@api.get("/counts")
def api_counts(request: Request, user: User) -> dict[str, int]:
    """Open items by colour, for the dashboard (a reporter sees their unit's)."""
    session, plan = _session_and_plan(request)
    unit_id = only_unit(user, Action.READ_SUPERVISION)
    return counts_by_colour(session=session, plan_id=plan.id, unit_id=unit_id)


@api.get("/items/{item_id}")
def api_item(request: Request, user: ItemReader, item_id: RowId) -> dict[str, Any]:
    """One item with its replies and history."""
    item = _visible_item(request, user, item_id)
    return _item_json(db_session(request), item)


@api.post("/items/{item_id}/{action}", dependencies=CSRF)
def api_step(
    request: Request, user: Handler, item_id: RowId, action: str, text: Annotated[str, Body(embed=True)] = ""
) -> dict[str, Any]:
    """签收 (sign), 反馈 (answer, with "text"), 退回 (return, "text" is the reason) or 办结 (close)."""
    if action not in {a.value for a in ItemAction} - {ItemAction.OPEN.value}:
        raise HTTPException(status_code=404, detail=f"未知的操作“{action}”")
    item = _visible_item(request, user, item_id)
    try:
        _step(request, user, item, ItemAction(action), {"text": text})
    except ItemError as exc:
        db_session(request).rollback()
        raise HTTPException(status_code=_status_of(exc), detail=str(exc)) from exc
    return _item_json(db_session(request), item)


# ── Helpers ──────────────────────────────────────────────────────────────────


def _open_manual(request: Request, user: CurrentUser, values: dict[str, str]) -> SupervisionItemRow:
    """Open the hand-written item the form or the API describes."""
    session, plan = _session_and_plan(request)
    today = _today(request)
    unit_id = values["unit_id"]
    if not (unit_id.isdecimal() and len(unit_id) < 10):
        raise ItemError("请选择督办对象（单位）")
    draft = ManualItem(unit_id=int(unit_id), title=values["title"], ask=values["ask"],
                       deadline=_form_date(values["deadline"]), level=values["level"],
                       indicator=values["indicator"], project=values["project"])  # fmt: skip
    month = current_month(session=session, plan_row=plan, today=today)
    return open_manual_item(session=session, plan_id=plan.id, month=month, draft=draft, today=today,
                            user_id=user.id, token=values.get("token") or None)  # fmt: skip


def _form_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip()) if text.strip() else None
    except ValueError:
        raise ItemError(f"办理期限“{text}”不是有效日期") from None


def _new_page(request: Request, user: CurrentUser, values: dict[str, str], error: str | None = None,
              status_code: int = 200) -> Response:  # fmt: skip
    session, plan = _session_and_plan(request)
    units = units_below_city(session=session, top=plan_unit(request))
    indicators = indicator_names(session=session, plan_id=plan.id)
    context = {"user": user, "values": values | {"token": values.get("token") or secrets.token_urlsafe(16)},
               "units": list(units), "indicators": list(indicators), "levels": LEVELS, "error": error,
               "today": _today(request), "nav": "supervision"}  # fmt: skip
    return _render(request, "supervision_new.html", context, status_code)


def _render(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> Response:
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def _session_and_plan(request: Request) -> tuple[Session, PlanRow]:
    session = db_session(request)
    return session, plan_for_request(request)


def _today(request: Request) -> date:
    settings: Settings = request.app.state.settings
    return settings.current_date()


def _colour(text: str) -> Colour | None:
    return Colour(text) if text in {c.value for c in Colour} else None


def _by_colour_and_unit(
    items: list[ItemSummary],
) -> list[tuple[Colour | None, list[tuple[str, list[ItemSummary]]]]]:
    groups: dict[Colour | None, dict[str, list[ItemSummary]]] = {}
    for item in items:  # already sorted by colour, then unit
        groups.setdefault(item.colour, {}).setdefault(item.unit, []).append(item)
    return [(colour, list(units.items())) for colour, units in groups.items()]


def _inbox_unit(session: Session, user: CurrentUser, unit: str) -> int | None:
    if only_unit(user, Action.READ_INBOX) is not None or not unit:
        return user.unit_id
    row = unit_named(session=session, name=unit)
    return row.id if row else None


def _unit_name(session: Session, unit_id: int | None) -> str | None:
    row = session.get(OrgUnitRow, unit_id) if unit_id else None
    return row.name if row else None


def _visible_item(request: Request, user: CurrentUser, item_id: int) -> SupervisionItemRow:
    """The item, if this user may see it: the office and leaders all, a reporter only their unit's."""
    try:
        item = get_item(session=db_session(request), item_id=item_id)
    except ItemError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc
    require(user, Action.READ_SUPERVISION, item.unit_id)
    return item


def _step(request: Request, user: CurrentUser, item: SupervisionItemRow, action: ItemAction,
          data: dict[str, Any]) -> None:  # fmt: skip
    """Take one step on the item as `user`."""
    require(user, ITEM_STEPS[action], item.unit_id)
    session, today, text = db_session(request), _today(request), str(data.get("text") or "")
    settings: Settings = request.app.state.settings
    try:
        if action is ItemAction.SIGN:
            sign(session=session, item=item, user_id=user.id, today=today)
        elif action is ItemAction.ANSWER:
            answer(session=session, item=item, user_id=user.id, text=text, evidence=data.get("evidence"),
                   storage=storage_of(request), max_bytes=settings.evidence_max_bytes, today=today)  # fmt: skip
        elif action is ItemAction.RETURN:
            return_item(session=session, item=item, user_id=user.id, reason=text, today=today)
        else:
            close(session=session, item=item, user_id=user.id, note=text, today=today)
    except ConcurrentChange as exc:
        raise StepRefused("该督办单刚被他人处理，您的操作未生效，请刷新后查看") from exc


def _status_of(exc: ItemError) -> int:
    """409 for a step the item no longer allows (a repeated or concurrent click), 400 for missing input."""
    return 409 if isinstance(exc, StepRefused) else 400


def _page_step(request: Request, user: CurrentUser, item_id: int, action: ItemAction,
               data: dict[str, Any]) -> Response:  # fmt: skip
    item = _visible_item(request, user, item_id)
    try:
        _step(request, user, item, action, data)
    except ItemError as exc:
        db_session(request).rollback()
        return _item_page(
            request, user, get_item(session=db_session(request), item_id=item_id), str(exc), _status_of(exc)
        )
    return RedirectResponse(keep_plan(request, f"/supervision/items/{item_id}"), status_code=303)


async def _evidence(request: Request, upload: UploadFile | None) -> Evidence | None:
    if upload is None or not upload.filename:
        return None
    settings: Settings = request.app.state.settings
    content = await upload.read(settings.evidence_max_bytes + 1)
    return Evidence(name=upload.filename, content=content)


def _item_page(request: Request, user: CurrentUser, item: SupervisionItemRow, error: str | None = None,
               status_code: int = 200) -> Response:  # fmt: skip
    session = db_session(request)
    context = {
        "user": user, "item": item, "error": error, "state": ItemState(item.state), "cause": ItemCause(item.cause),
        "colour": Colour(item.colour) if item.colour else None, "steps": item_history(session=session, item_id=item.id),
        "may_unit": allowed(user, Action.HANDLE_SUPERVISION, item.unit_id),
        "may_decide": allowed(user, Action.DECIDE_SUPERVISION, item.unit_id), "action_labels": ACTION_LABELS,
    }  # fmt: skip
    return _render(request, "supervision_item.html", context, status_code)


def _summary_json(item: ItemSummary) -> dict[str, Any]:
    return {
        "id": item.id, "title": item.title, "unit": item.unit, "cause": item.cause.value,
        "cause_label": item.cause.label, "state": item.state.value, "state_label": item.state.label,
        "colour": item.colour.value if item.colour else None, "deadline": item.deadline.isoformat(),
        "flagged": item.flagged, "indicator": item.indicator,
    }  # fmt: skip


def _item_json(session: Session, item: SupervisionItemRow) -> dict[str, Any]:
    steps = item_history(session=session, item_id=item.id)
    return {
        "id": item.id, "title": item.title, "unit": item.unit.name, "ask": item.ask, "cause": item.cause,
        "state": item.state, "colour": item.colour, "deadline": item.deadline.isoformat(),
        "cause_cleared_on": item.cause_cleared_on.isoformat() if item.cause_cleared_on else None,
        "return_reason": item.return_reason, "returns": item.returns,
        "replies": [{"text": r.text, "evidence": r.evidence_name, "at": r.at.isoformat()} for r in item.replies],
        "history": [{"action": s.action, "by": who, "at": s.at.isoformat(), "reason": s.reason} for s, who in steps],
    }  # fmt: skip
