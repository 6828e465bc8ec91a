"""The office's review queue: submitted figures to approve, or return to their unit with a reason."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from duban.persistence.db import Session
from duban.persistence.models import EntryRow
from duban.policy import Action
from duban.services.entries import FourEyes, Writer, approve, approve_entries, return_entry
from duban.services.periods import PeriodClosed, WorkflowError, find_period
from duban.services.review import review_lines
from duban.services.review_bulk import approve_previewed, bulk_preview, submitted_count
from duban.web.auth import CurrentUser, allow, csrf_protect, db_session, writer_for
from duban.web.pages.common import keep_plan, page_slice, plan_for_request, render, templates, today_of
from duban.web.params import IdForm, IdQuery, MonthForm, PageQuery, RowId

router = APIRouter(include_in_schema=False)
Reviewer = Annotated[CurrentUser, Depends(allow(Action.REVIEW))]
T = TypeVar("T")


@router.get("/review", response_class=HTMLResponse)
def review_queue(
    request: Request, user: Reviewer, unit: IdQuery = None,
    month: int | None = None, page: PageQuery = 1,
) -> HTMLResponse:  # fmt: skip
    """Submitted figures, oldest submission first, filtered by unit and month."""
    session = db_session(request)
    lines = review_lines(session=session, plan_id=plan_for_request(request).id, unit_id=unit, month=month)
    shown, page, pages = page_slice(lines, page)
    units = sorted({(x.unit.position, x.unit.id, x.unit.name) for x in lines})
    return render(request, "review.html", user, nav="review", lines=shown, total=len(lines), page=page,
                  pages=pages, unit=unit, month=month, units=units,
                  flash=request.session.pop("flash", None))  # fmt: skip


@router.get("/review/bulk", response_class=HTMLResponse)
def review_bulk_preview(
    request: Request, user: Reviewer, unit: IdQuery = None,
    month: int | None = None,
) -> HTMLResponse:  # fmt: skip
    """The preview of a bulk approval: how many figures, of which units and months, before anything changes."""
    preview = bulk_preview(session=db_session(request), plan_id=plan_for_request(request).id, unit_id=unit,
                           month=month)  # fmt: skip
    return render(request, "review_bulk.html", user, nav="review", preview=preview, unit=unit, month=month)


@router.post("/review/bulk", dependencies=[Depends(csrf_protect)])
def review_bulk_approve(
    request: Request, user: Reviewer, ids: Annotated[str, Form()] = "",
    unit: Annotated[str, Form()] = "", month: Annotated[str, Form()] = "",
) -> Response:  # fmt: skip
    """Approve exactly the previewed figures; those approved meanwhile (a double submit) are not approved again."""
    entry_ids = [int(x) for x in ids.split(",") if x.strip().isdecimal() and len(x.strip()) < 10]
    if not entry_ids:
        raise HTTPException(status_code=400, detail="没有选中要审核的数据")
    result = approve_previewed(session=db_session(request), plan_id=plan_for_request(request).id,
                               entry_ids=entry_ids, writer=_writer(request, user))  # fmt: skip
    message = f"已批量审核通过 {len(result.approved)} 项。"
    if result.already:
        message += f"{result.already} 项此前已审核或已退回，未重复处理。"
    if result.refused:
        message += f"{len(result.refused)} 项未能通过：{'；'.join(dict.fromkeys(result.refused))}"
    request.session["flash"] = message
    query = "&".join(
        f"{k}={v}" for k, v in (("unit", unit), ("month", month)) if v.isdecimal() and len(v) < 10
    )
    return RedirectResponse(keep_plan(request, "/review" + (f"?{query}" if query else "")), status_code=303)


@router.post("/review/{entry_id}/approve", dependencies=[Depends(csrf_protect)])
def review_approve(request: Request, entry_id: RowId, user: Reviewer) -> Response:
    """Approve one submitted figure; it becomes official."""
    session = db_session(request)
    entry = _entry(session, entry_id)
    _step(lambda: approve(session=session, entry=entry, writer=_writer(request, user)))
    return _answer(request, session, entry, "已审核通过。")


@router.post("/review/{entry_id}/return", dependencies=[Depends(csrf_protect)])
def review_return(
    request: Request, entry_id: RowId, user: Reviewer,
    reason: Annotated[str, Form()] = "",
) -> Response:  # fmt: skip
    """Send one submitted figure back to its unit; a reason is required."""
    session = db_session(request)
    entry = _entry(session, entry_id)
    _step(
        lambda: return_entry(
            session=session, entry=entry, writer=_writer(request, user), reason=reason.strip()
        )
    )
    return _answer(request, session, entry, f"已退回：{reason.strip()}")


@router.post("/review/approve-unit", dependencies=[Depends(csrf_protect)])
def review_approve_unit(
    request: Request, user: Reviewer,
    unit: IdForm, month: MonthForm,
) -> Response:  # fmt: skip
    """Approve every submitted figure of one unit for one month."""
    session = db_session(request)
    period = find_period(session=session, plan_id=plan_for_request(request).id, month=month)
    if period is None:
        raise HTTPException(status_code=404, detail=f"{month} 月不是报送期")
    done = _step(
        lambda: approve_entries(session=session, unit_id=unit, period=period, writer=_writer(request, user))
    )
    request.session["flash"] = f"已审核通过 {len(done)} 项。"
    return RedirectResponse(keep_plan(request, f"/review?month={month}"), status_code=303)


def _entry(session: Session, entry_id: int) -> EntryRow:
    entry = session.get(EntryRow, entry_id)
    if entry is None:
        raise HTTPException(status_code=404, detail=f"数据编号 {entry_id} 不存在")
    return entry


def _query_id(request: Request, name: str) -> int | None:
    """A filter the review page passed on (its unit or month), when it is a plain number."""
    text = request.query_params.get(name, "")
    return int(text) if text.isdecimal() and len(text) < 10 else None


def _writer(request: Request, user: CurrentUser) -> Writer:
    return writer_for(user, today_of(request))


def _step(action: Callable[[], T]) -> T:
    """A review step; a refusal is a Chinese page (or JSON): 423 locked, 403 four-eyes, 409 already handled."""
    try:
        return action()
    except PeriodClosed as exc:
        raise HTTPException(status_code=423, detail=str(exc)) from None
    except FourEyes as exc:
        raise HTTPException(status_code=403, detail=str(exc)) from None
    except WorkflowError as exc:
        raise HTTPException(status_code=409, detail=str(exc)) from None


def _answer(request: Request, session: Session, entry: EntryRow, message: str) -> Response:
    """The updated row for a fetch call, else back to the queue with a message."""
    if request.headers.get("X-Partial"):
        left = submitted_count(session=session, plan_id=plan_for_request(request).id,
                               unit_id=_query_id(request, "unit"), month=_query_id(request, "month"))  # fmt: skip
        return templates.TemplateResponse(request, "_review_done.html", {"entry": entry, "message": message},
                                          headers={"X-Review-Count": str(left)})  # fmt: skip
    request.session["flash"] = message
    return RedirectResponse(keep_plan(request, "/review"), status_code=303)
