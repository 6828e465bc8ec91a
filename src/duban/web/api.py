"""The JSON API for progress reporting: periods, figures, review, history, evidence, Excel and 报送情况.

Every route needs a login; every state-changing route also needs the CSRF header and checks on the
server that the user may write the unit concerned. The web pages call the same services.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, HTTPException, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel, Field

from duban.choices import MilestoneStage
from duban.exchange.template import make_template, template_filename
from duban.exchange.upload import ImportRefused, ImportResult, import_workbook
from duban.persistence.db import Session
from duban.persistence.models import EntryRow, OrgUnitRow, PeriodRow, PlanRow
from duban.persistence.reporting_models import EvidenceRow
from duban.policy import Action, allowed, require
from duban.progress.validation import input_mode
from duban.services.entries import (
    ConflictError,
    FourEyes,
    NotReported,
    SheetRow,
    ValidationFailed,
    Writer,
    approve,
    approve_entries,
    cell_history,
    check_confirmed,
    ensure_periods,
    entry_figures,
    figure_as_of,
    plain_number,
    reported_indicator,
    return_entry,
    save_figure,
    submit,
    submit_entries,
    unconfirmed_warnings,
    unit_sheet,
)
from duban.services.evidence import add_evidence, evidence_key, list_evidence, remove_evidence
from duban.services.office import current_month
from duban.services.periods import (
    PeriodClosed,
    UnitReporting,
    WorkflowError,
    closed_reason,
    lock_period,
    period_key,
    period_label,
    periods_of,
    reminder_list,
    reopen_period,
    reporting_status,
    resolve_period,
)
from duban.services.plans import plan_from_store
from duban.services.units import all_units
from duban.settings import Settings
from duban.storage.download import download, fetch, storage_of
from duban.web.auth import (
    CurrentUser,
    allow,
    csrf_protect,
    request_db,
    secret_key,
    writer_for,
)
from duban.web.pages.common import plan_for_request
from duban.web.params import MAX_ROW_ID, RowId


async def plan_params(
    year: Annotated[int | None, Query(description="计划年度，如 2026；缺省为期别所在年度或当前年度")] = None,
    region: Annotated[str | None, Query(description="同一年度有多个计划时的地区")] = None,
) -> None:
    """The `year` and `region` every call may name (read by `plan_for_request`), shown in the API's docs."""


api_router = APIRouter(
    prefix="/api", tags=["进度报送"], dependencies=[Depends(csrf_protect), Depends(plan_params)]
)

DbSession = Annotated[Session, Depends(request_db)]
# The signed-in user, once the policy lets their role take the route's action (`duban.policy`).
Reader = Annotated[CurrentUser, Depends(allow(Action.READ_DASHBOARD))]
FigureReader = Annotated[CurrentUser, Depends(allow(Action.READ_FIGURES))]
Enterer = Annotated[CurrentUser, Depends(allow(Action.ENTER_FIGURES))]
Submitter = Annotated[CurrentUser, Depends(allow(Action.SUBMIT))]
EvidenceEditor = Annotated[CurrentUser, Depends(allow(Action.EDIT_EVIDENCE))]
Reviewer = Annotated[CurrentUser, Depends(allow(Action.REVIEW))]
PeriodManager = Annotated[CurrentUser, Depends(allow(Action.MANAGE_PERIODS))]
Chaser = Annotated[CurrentUser, Depends(allow(Action.CHASE_REPORTS))]
# on one figure or file by its id, or the user's units: bound by the unit, no plan chosen (the gate reads none)
OneFigureReader = Annotated[CurrentUser, Depends(allow(Action.READ_FIGURES, plan=False))]
OneSubmitter = Annotated[CurrentUser, Depends(allow(Action.SUBMIT, plan=False))]
OneReviewer = Annotated[CurrentUser, Depends(allow(Action.REVIEW, plan=False))]
OneEvidenceEditor = Annotated[CurrentUser, Depends(allow(Action.EDIT_EVIDENCE, plan=False))]
UnitReader = Annotated[CurrentUser, Depends(allow(Action.READ_DASHBOARD, plan=False))]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The figure's writes answer their dict as it is: FastAPI checks a plain `def` route's answer against its annotation
# on a worker thread's turn of its own, a wait in the queue at the month-end rush for a check of `dict[str, Any]`.
# The API's description still says they answer a JSON object, as the annotation did.
AS_IS: dict[str, Any] = {
    "response_model": None,
    "responses": {
        200: {"content": {"application/json": {"schema": {"type": "object", "additionalProperties": True}}}}
    },
}


class FigureIn(BaseModel):
    """A figure typed into the web form; numbers may be sent as text and are checked like Excel cells."""

    value: str | float | None = None
    numerator: str | float | None = None
    denominator: str | float | None = None
    stage: str | None = Field(None, description="未启动 / 前期 / 实施中 / 已完成")
    stage_date: date | None = None
    note: str | None = None
    version: int = Field(0, description="The entry's version as read (0 for a new figure)")
    confirmed: bool = Field(False, description="Confirm a figure flagged as far outside the unit's history")
    reason: str | None = Field(None, description="Why an approved figure is changed")


class ReasonIn(BaseModel):
    reason: str = ""


class ReopenIn(BaseModel):
    reason: str
    until: date | None = None
    unit_id: int | None = Field(None, ge=1, le=MAX_ROW_ID, description="Only this unit (none: every unit)")


def today(request: Request) -> date:
    """Today, unless the settings pretend otherwise."""
    settings: Settings = request.app.state.settings
    return settings.current_date()


@contextmanager
def _refusals() -> Iterator[None]:
    """Turn the services' refusals into HTTP answers with Chinese messages."""
    try:
        yield
    except ImportRefused as exc:
        raise HTTPException(
            422, {"message": str(exc).splitlines()[0], "faults": [str(f) for f in exc.faults]}
        ) from None
    except ValidationFailed as exc:
        problems = [{"field": p.field, "label": p.label, "message": p.message, "warning": p.warning}
                    for p in exc.problems]  # fmt: skip
        raise HTTPException(422, {"message": str(exc), "problems": problems}) from None
    except ConflictError as exc:
        raise HTTPException(409, {"message": str(exc), "current": _plain(exc.current)}) from None
    except NotReported as exc:
        raise HTTPException(422, str(exc)) from None
    except FourEyes as exc:
        raise HTTPException(403, str(exc)) from None
    except PeriodClosed as exc:
        raise HTTPException(423, str(exc)) from None
    except WorkflowError as exc:
        raise HTTPException(409, str(exc)) from None


def _plan(request: Request, session: Session, key: str | None = None, *, periods: bool = True) -> PlanRow:
    """The plan of the call: `?year=` (and `?region=`), else the year of the period key ('2026-06'), else
    the current year's (see `plan_for_request`); its periods made if missing (`periods` False: by `_period`
    when it misses one)."""
    year = int(key.strip()[:4]) if key and key.strip()[:4].isdecimal() else None
    plan_row = plan_for_request(request, year=year)
    if periods:
        _ensure_periods(request, session, plan_row)
    return plan_row


def _ensure_periods(request: Request, session: Session, plan_row: PlanRow) -> None:
    settings: Settings = request.app.state.settings
    ensure_periods(session=session, plan=plan_row, cutoff_day=settings.cutoff_day,
                   combine_jan_feb=settings.combine_jan_feb)  # fmt: skip


def _period(session: Session, plan_row: PlanRow, key: str, request: Request | None = None) -> PeriodRow:
    """The period named by `key`; given `request`, the plan's periods are made first if it is missing
    (a save reads its one period, not all twelve, on every call)."""
    try:
        return resolve_period(session=session, plan=plan_row, key=key)
    except WorkflowError as exc:
        if request is None:
            raise HTTPException(404, str(exc)) from None
    _ensure_periods(request, session, plan_row)
    return _period(session, plan_row, key)


def _unit(session: Session, unit_id: int) -> OrgUnitRow:
    unit = session.get(OrgUnitRow, unit_id)
    if unit is None:
        raise HTTPException(404, "单位不存在")
    return unit


def _entry(
    session: Session, user: CurrentUser, entry_id: int, action: Action = Action.READ_FIGURES
) -> EntryRow:
    """The figure, if the policy lets `user` read it and take `action` on its unit."""
    entry = session.get(EntryRow, entry_id)
    if entry is None:
        raise HTTPException(404, "数据不存在")
    require(user, Action.READ_FIGURES, entry.unit_id)
    require(user, action, entry.unit_id)
    return entry


def _writer(request: Request, user: CurrentUser) -> Writer:
    return writer_for(user, today(request))


def _commit(session: Session) -> None:
    """Commit the write now, in the worker thread, rather than after the response has passed the middleware:
    SQLite's write lock (PostgreSQL's row locks) are then held only as long as the write itself."""
    session.commit()


def _plain(data: dict[str, Any]) -> dict[str, Any]:
    return {k: (str(v) if isinstance(v, Decimal | date) else v) for k, v in data.items()}


def _entry_json(entry: EntryRow) -> dict[str, Any]:
    return {"id": entry.id, "indicator_id": entry.indicator_id, "unit_id": entry.unit_id,
            "period_id": entry.period_id, **_plain(entry_figures(entry)),
            "official_numerator": plain_number(entry.official_numerator),
            "official_denominator": plain_number(entry.official_denominator), "official_stage": entry.official_stage,
            "submitted_at": entry.submitted_at, "approved_at": entry.approved_at}  # fmt: skip


def _sheet_json(row: SheetRow) -> dict[str, Any]:
    ind = row.indicator
    return {"indicator_id": row.row.id, "code": ind.id, "name": ind.name, "unit": ind.unit,
            "display_unit": ind.shown_unit,  # what the pages and the template show; figures here stay in `unit`
            "kind": ind.kind.value, "mode": input_mode(ind).value, "target": str(row.target),
            "numerator_label": ind.numerator, "denominator_label": ind.denominator,
            "previous": _entry_json(row.previous) if row.previous else None,
            "entry": _entry_json(row.entry) if row.entry else None}  # fmt: skip


@api_router.get("/units", summary="可见单位")
def units(session: DbSession, user: UnitReader) -> list[dict[str, Any]]:
    """Units the user may see, with whether they may write them."""
    rows = all_units(session=session)  # the session holds them: asking the policy of each reads nothing more
    return [{"id": u.id, "name": u.name, "kind": u.kind, "writable": allowed(user, Action.ENTER_FIGURES, u.id)}
            for u in rows if allowed(user, Action.READ_FIGURES, u.id)]  # fmt: skip


@api_router.get("/periods", summary="报送期列表")
def periods(request: Request, session: DbSession, user: Reader) -> list[dict[str, Any]]:
    """Every period of the current plan with its deadline, whether it is the 当前报送期, and whether it is
    open for the user's unit."""
    plan_row = _plan(request, session)
    rows = periods_of(session=session, plan_id=plan_row.id)
    current = current_month(session=session, plan_row=plan_row, today=today(request))
    return [{"id": p.id, "key": period_key(p, plan_row.year), "label": period_label(p, plan_row.year),
             "deadline": p.deadline, "locked": p.locked, "current": p.month == current,
             "closed_reason": closed_reason(session=session, period=p, unit_id=user.unit_id or 0,
                                            today=today(request), year=plan_row.year)}
            for p in rows]  # fmt: skip


@api_router.get("/periods/{key}/status", summary="报送情况")
def period_status(request: Request, session: DbSession, user: Reader, key: str) -> list[dict[str, Any]]:
    """Per unit: reported on time, late, or not yet, with counts; the office also sees whom to remind."""
    contacts = allowed(user, Action.SEE_CONTACTS)
    return [_status_json(row, contacts=contacts) for row in _status(request, session, key)]


@api_router.get("/periods/{key}/reminders", summary="催报名单")
def reminders(request: Request, session: DbSession, user: Chaser, key: str) -> list[dict[str, Any]]:
    """The units that have not completed their report, to send reminders to."""
    return [_status_json(row) for row in reminder_list(status=_status(request, session, key))]


def _status(request: Request, session: Session, key: str) -> list[UnitReporting]:
    plan_row = _plan(request, session, key)
    period = _period(session, plan_row, key)
    plan = plan_from_store(session=session, plan_row=plan_row, month=period.month)
    return reporting_status(
        session=session, plan_row=plan_row, plan=plan, period=period, today=today(request)
    )


def _status_json(row: UnitReporting, *, contacts: bool = True) -> dict[str, Any]:
    """One unit's line; its contacts (names, e-mail addresses) only for the office."""
    return {"unit_id": row.unit_id, "unit": row.unit, "state": row.state.value, "state_label": row.state.label,
            "expected": row.expected, "submitted": row.submitted, "completed_at": row.completed_at,
            **{state.value: n for state, n in row.counts.items()},
            "overdue": row.overdue, "contacts": list(row.contacts) if contacts else []}  # fmt: skip


@api_router.post("/periods/{key}/lock", summary="锁定报送期")
def lock(
    request: Request, session: DbSession, user: PeriodManager, key: str, body: ReasonIn
) -> dict[str, Any]:
    """Close a period for everyone, e.g. once its figures are approved."""
    period = _period(session, _plan(request, session, key), key)
    lock_period(
        session=session, period=period, user_id=user.id, today=today(request), reason=body.reason or None
    )
    return {"key": key, "locked": True}


@api_router.post("/periods/{key}/reopen", summary="重新开放报送期")
def reopen(
    request: Request, session: DbSession, user: PeriodManager, key: str, body: ReopenIn
) -> dict[str, Any]:
    """Reopen a locked or past-deadline period, for all units or one, until a date, with a reason."""
    period = _period(session, _plan(request, session, key), key)
    if body.unit_id is not None:
        _unit(session, body.unit_id)
    with _refusals():
        row = reopen_period(session=session, period=period, user_id=user.id, reason=body.reason,
                            today=today(request), until=body.until, unit_id=body.unit_id)  # fmt: skip
    return {"key": key, "locked": False, "until": row.until, "unit_id": row.unit_id}


@api_router.get("/periods/{key}/units/{unit_id}/sheet", summary="单位填报表")
def sheet(
    request: Request, session: DbSession, user: FigureReader, key: str, unit_id: RowId
) -> dict[str, Any]:
    """The unit's indicators for the period: target, last period's figure and this period's entry."""
    require(user, Action.READ_FIGURES, unit_id)
    plan_row = _plan(request, session, key)
    period, unit = _period(session, plan_row, key), _unit(session, unit_id)
    rows = unit_sheet(session=session, plan_row=plan_row, unit=unit, period=period)
    return {"unit": unit.name, "period": period_label(period, plan_row.year), "rows": [_sheet_json(r) for r in rows],
            "stages": [s.label for s in MilestoneStage]}  # fmt: skip


@api_router.put("/periods/{key}/units/{unit_id}/indicators/{indicator_id}", summary="填报一项数据", **AS_IS)
def save(
    request: Request, session: DbSession, user: Enterer, key: str, unit_id: RowId, indicator_id: RowId,
    body: FigureIn,
) -> dict[str, Any]:  # fmt: skip
    """Check and save a draft figure; 422 lists every problem, 409 is a conflict with the current figure."""
    require(user, Action.ENTER_FIGURES, unit_id)
    plan_row = _plan(request, session, key, periods=False)
    reported = reported_indicator(
        session=session, plan_id=plan_row.id, indicator_id=indicator_id, unit_id=unit_id
    )
    if reported is None or reported.plan_id != plan_row.id:
        raise HTTPException(404, "指标不存在")
    if reported.unit is None:
        raise HTTPException(404, "单位不存在")
    raw = body.model_dump(include={"value", "numerator", "denominator", "stage", "stage_date", "note"})
    with _refusals():
        entry = save_figure(session=session, plan_row=plan_row, indicator=reported.indicator,
                            indicator_id=reported.id, unit=reported.unit,
                            period=_period(session, plan_row, key, request), raw=raw, writer=_writer(request, user),
                            expected_version=body.version, confirmed=body.confirmed, reason=body.reason)  # fmt: skip
    warnings = unconfirmed_warnings(session=session, entry=entry)
    _commit(session)
    return {**_entry_json(entry), "warnings": [{"field": p.field, "label": p.label, "message": p.message}
                                                for p in warnings]}  # fmt: skip


@api_router.post("/periods/{key}/units/{unit_id}/submit", summary="提交本单位全部数据", **AS_IS)
def submit_unit(
    request: Request, session: DbSession, user: Submitter, key: str, unit_id: RowId, confirmed: bool = False
) -> dict[str, Any]:
    """Submit the unit's draft or returned figures; after the deadline only returned ones (the rest are kept).

    A figure saved with a warning (far outside the unit's history) is submitted only with `confirmed`."""
    require(user, Action.SUBMIT, unit_id)
    plan_row = _plan(request, session, key, periods=False)
    with _refusals():
        done = submit_entries(session=session, plan_row=plan_row, unit_id=unit_id,
                              period=_period(session, plan_row, key, request), writer=_writer(request, user),
                              confirm_all=confirmed)  # fmt: skip
    _commit(session)
    return {"submitted": [e.id for e in done.submitted],
            "kept": [{"id": e.id, "reason": reason} for e, reason in done.kept]}  # fmt: skip


@api_router.post("/periods/{key}/units/{unit_id}/approve", summary="审核通过本单位全部已提交数据", **AS_IS)
def approve_unit(
    request: Request, session: DbSession, user: Reviewer, key: str, unit_id: RowId
) -> dict[str, Any]:
    """Approve every submitted figure of the unit; they become official."""
    require(user, Action.REVIEW, unit_id)
    period = _period(session, _plan(request, session, key), key)
    with _refusals():
        done = approve_entries(session=session, unit_id=unit_id, period=period, writer=_writer(request, user))
    return {"approved": [e.id for e in done]}


@api_router.get("/periods/{key}/units/{unit_id}/template.xlsx", summary="下载 Excel 填报模板",
                response_class=Response, responses={200: {"content": {XLSX: {}}}})  # fmt: skip
def template(request: Request, session: DbSession, user: FigureReader, key: str, unit_id: RowId) -> Response:
    """The unit's protected, signed Excel template for the period."""
    require(user, Action.READ_FIGURES, unit_id)
    plan_row = _plan(request, session, key)
    period, unit = _period(session, plan_row, key), _unit(session, unit_id)
    content = make_template(session=session, plan_row=plan_row, unit=unit, period=period,
                            key=secret_key(request.app.state.settings))  # fmt: skip
    name = quote(template_filename(unit=unit, period=period, year=plan_row.year))
    return Response(
        content, media_type=XLSX, headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}"}
    )


@api_router.post("/periods/{key}/units/{unit_id}/upload", summary="上传填好的 Excel 模板")
async def upload(
    request: Request, session: DbSession, user: Enterer, key: str, unit_id: RowId,
    file: Annotated[UploadFile, File(description="填好的 .xlsx 模板")], submit_now: bool = True,
) -> dict[str, Any]:  # fmt: skip
    """Check every cell and apply all figures (then submit them), or none; 422 lists every fault."""
    require(user, Action.ENTER_FIGURES, unit_id)
    if submit_now:
        require(user, Action.SUBMIT, unit_id)
    settings: Settings = request.app.state.settings
    content = await file.read(settings.upload_max_bytes + 1)
    if len(content) > settings.upload_max_bytes:
        raise HTTPException(413, f"文件超过 {settings.upload_max_bytes // 1024 // 1024} MB 上限")
    # Parsing a workbook takes CPU time: in a worker thread, so other clients are answered meanwhile.
    result = await run_in_threadpool(
        _import_upload, request, session, user, key, unit_id, content, submit_now
    )
    return {"unit": result.unit, "period": result.period, "entries": [e.id for e in result.entries],
            "submitted": result.submitted, "added": result.added, "updated": result.updated,
            "unchanged": result.unchanged, "message": result.summary()}  # fmt: skip


def _import_upload(
    request: Request,
    session: Session,
    user: CurrentUser,
    key: str,
    unit_id: int,
    content: bytes,
    submit_now: bool,
) -> ImportResult:
    plan_row = _plan(request, session, key)
    with _refusals():
        return import_workbook(session=session, content=content, key=secret_key(request.app.state.settings),
                               plan_row=plan_row, writer=_writer(request, user), unit=_unit(session, unit_id),
                               period=_period(session, plan_row, key), submit=submit_now)  # fmt: skip


@api_router.get("/entries/{entry_id}", summary="一项数据")
def entry(session: DbSession, user: OneFigureReader, entry_id: RowId) -> dict[str, Any]:
    """One figure with its state, version and official value."""
    return _entry_json(_entry(session, user, entry_id))


@api_router.post("/entries/{entry_id}/submit", summary="提交一项数据", **AS_IS)
def submit_one(
    request: Request, session: DbSession, user: OneSubmitter, entry_id: RowId, confirmed: bool = False
) -> dict[str, Any]:
    """Submit one draft or returned figure (held to the lock rule); one saved with a warning needs `confirmed`."""
    found = _entry(session, user, entry_id, Action.SUBMIT)
    with _refusals():
        check_confirmed(session=session, entries=[found], confirmed=[found.id] if confirmed else [])
        submit(session=session, entry=found, writer=_writer(request, user))
    _commit(session)
    return _entry_json(found)


@api_router.post("/entries/{entry_id}/approve", summary="审核通过一项数据", **AS_IS)
def approve_one(request: Request, session: DbSession, user: OneReviewer, entry_id: RowId) -> dict[str, Any]:
    """Approve one submitted figure; it becomes official."""
    found = _entry(session, user, entry_id, Action.REVIEW)
    with _refusals():
        approve(session=session, entry=found, writer=_writer(request, user))
    return _entry_json(found)


@api_router.post("/entries/{entry_id}/return", summary="退回一项数据", **AS_IS)
def return_one(
    request: Request, session: DbSession, user: OneReviewer, entry_id: RowId, body: ReasonIn
) -> dict[str, Any]:
    """Return one submitted figure to its unit with a reason."""
    found = _entry(session, user, entry_id, Action.REVIEW)
    with _refusals():
        return_entry(session=session, entry=found, writer=_writer(request, user), reason=body.reason)
    _commit(session)
    return _entry_json(found)


@api_router.get("/entries/{entry_id}/history", summary="单元格修改历史")
def entry_history(session: DbSession, user: OneFigureReader, entry_id: RowId) -> list[dict[str, Any]]:
    """Every change of one figure: when, who, what, old and new values, why."""
    return cell_history(session=session, entry_id=_entry(session, user, entry_id).id)


@api_router.get("/entries/{entry_id}/as-of", summary="某日的数据")
def entry_as_of(
    session: DbSession,
    user: OneFigureReader,
    entry_id: RowId,
    on: date,
    official: Annotated[bool, Query()] = True,
) -> dict[str, Any] | None:
    """The figure as it stood at the end of `on` (official by default, else as last reported)."""
    return figure_as_of(
        session=session, entry_id=_entry(session, user, entry_id).id, on=on, official=official
    )


@api_router.get("/entries/{entry_id}/evidence", summary="佐证材料列表")
def evidence_list(session: DbSession, user: OneFigureReader, entry_id: RowId) -> list[dict[str, Any]]:
    """The evidence files of one figure."""
    rows = list_evidence(session=session, entry_id=_entry(session, user, entry_id).id)
    return [_evidence_json(r) for r in rows]


@api_router.post("/entries/{entry_id}/evidence", summary="上传佐证材料")
async def evidence_add(
    request: Request, session: DbSession, user: OneEvidenceEditor, entry_id: RowId,
    file: Annotated[UploadFile, File(description="照片、PDF 或扫描件")],
) -> dict[str, Any]:  # fmt: skip
    """Attach a photo, PDF or scan; type checked by its first bytes, size by the settings."""
    found = _entry(session, user, entry_id, Action.EDIT_EVIDENCE)
    settings: Settings = request.app.state.settings
    content = await file.read(settings.evidence_max_bytes + 1)
    with _refusals():
        row = add_evidence(session=session, entry=found, filename=file.filename or "file", content=content,
                           storage=storage_of(request), max_bytes=settings.evidence_max_bytes,
                           writer=_writer(request, user), unit_quota=settings.evidence_quota_per_unit)  # fmt: skip
    return _evidence_json(row)


EVIDENCE_KINDS = ("application/pdf", "image/jpeg", "image/png", "image/tiff", "image/webp")
EVIDENCE_TYPES: dict[str, Any] = {"content": {kind: {} for kind in EVIDENCE_KINDS}}


@api_router.get("/evidence/{evidence_id}/file", summary="下载佐证材料", response_class=Response,
                responses={200: EVIDENCE_TYPES})  # fmt: skip
def evidence_file(
    request: Request, session: DbSession, user: OneFigureReader, evidence_id: RowId
) -> Response:
    """The stored file, served with the type its content showed."""
    row = _evidence(session, user, evidence_id)
    content = fetch(storage_of(request), evidence_key(row.sha256))
    return download(content, media_type=row.content_type, filename=row.filename)


@api_router.delete("/evidence/{evidence_id}", summary="删除佐证材料")
def evidence_remove(
    request: Request,
    session: DbSession,
    user: OneEvidenceEditor,
    evidence_id: RowId,
    reason: str | None = None,
) -> dict[str, Any]:
    """Detach an evidence file from its figure (not of an approved figure or a locked period); audited."""
    row = _evidence(session, user, evidence_id, Action.EDIT_EVIDENCE)
    with _refusals():
        remove_evidence(session=session, evidence=row, writer=_writer(request, user), reason=reason)
    return {"removed": evidence_id}


def _evidence(
    session: Session, user: CurrentUser, evidence_id: int, action: Action = Action.READ_FIGURES
) -> EvidenceRow:
    row = session.get(EvidenceRow, evidence_id)
    if row is None:
        raise HTTPException(404, "佐证材料不存在")
    _entry(session, user, row.entry_id, action)
    return row


def _evidence_json(row: EvidenceRow) -> dict[str, Any]:
    return {"id": row.id, "entry_id": row.entry_id, "filename": row.filename, "content_type": row.content_type,
            "size": row.size, "sha256": row.sha256, "uploaded_at": row.uploaded_at}  # fmt: skip
