"""Data entry for reporters: their own unit's form for a period, inline checks, evidence, draft and submit."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import partial
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from starlette.datastructures import FormData

from duban.choices import EntryState, MilestoneStage
from duban.exchange.template import make_template, template_filename
from duban.exchange.upload import ImportRefused, import_workbook
from duban.persistence.db import Session
from duban.persistence.models import EntryRow, OrgUnitRow, PeriodRow, PlanRow
from duban.persistence.reporting_models import EvidenceRow
from duban.plan.assignments import asked_of_units, reporting_units
from duban.plan.model import Indicator, Plan
from duban.plan.units import exact_number, to_display
from duban.policy import Action, only_unit, require
from duban.progress.validation import FIELD_LABELS, InputMode, Problem, input_mode, read_figure
from duban.projects.figures import differs_from_ledger
from duban.services.entries import (
    SheetRow,
    ValidationFailed,
    Writer,
    check_entry,
    save_figure,
    submit_entries,
    unconfirmed_warnings,
    unit_entries,
    unit_sheet,
)
from duban.services.evidence import add_evidence, evidence_key, list_evidence
from duban.services.locks import Step, lock_refusal, reopened_by_return
from duban.services.periods import (
    PeriodClosed,
    WorkflowError,
    closed_reason,
    closed_year_reason,
    ensure_periods,
    find_period,
    locked_reason,
    period_end,
    period_label,
)
from duban.services.plans import indicator_codes, indicator_from_row, plan_from_store
from duban.services.projects import unit_ledger_figures
from duban.services.units import units_below_city
from duban.storage.download import download, fetch, storage_of
from duban.web.auth import CurrentUser, allow, csrf_protect, db_session, secret_key, writer_for
from duban.web.pages.common import keep_plan, plan_for_request, plan_unit, render, settings_of, today_of
from duban.web.params import MonthPath, RowId

router = APIRouter(include_in_schema=False)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FIELDS = ("value", "numerator", "denominator", "stage", "stage_date", "note")
Enterer = Annotated[CurrentUser, Depends(allow(Action.ENTER_FIGURES))]
EvidenceEditor = Annotated[CurrentUser, Depends(allow(Action.EDIT_EVIDENCE))]
FigureReader = Annotated[CurrentUser, Depends(allow(Action.READ_FIGURES))]


@dataclass
class FormRow:
    """One indicator on the form: the sheet row, what was typed, problems found, evidence files, and why the
    lock rule keeps the figure (`closed`) or its evidence (`evidence_closed`) from changing, if it does."""

    sheet: SheetRow
    mode: InputMode
    typed: dict[str, str]
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)  # saved as a draft, to be confirmed on submitting
    evidence: list[EvidenceRow] = field(default_factory=list)
    closed: str | None = None
    evidence_closed: str | None = None
    ledger: Decimal | None = None  # the project ledger's figure, for an indicator checked against it

    @property
    def ledger_differs(self) -> bool:
        """The reported (or typed) figure is further from the ledger's than the plan's tolerance."""
        tolerance = self.sheet.indicator.ledger_check
        figure, problems = read_figure(
            indicator=self.sheet.indicator, raw=self.typed, display_unit=self.sheet.indicator.shown_unit
        )  # typed, else as stored
        reported = None if problems else figure.value
        if self.ledger is None or tolerance is None or reported is None:
            return False
        return differs_from_ledger(reported=reported, ledger=self.ledger, tolerance=tolerance)

    @property
    def editable(self) -> bool:
        entry = self.sheet.entry
        return self.closed is None and (
            entry is None or entry.state in (EntryState.DRAFT, EntryState.RETURNED)
        )

    @property
    def reopened(self) -> bool:
        return reopened_by_return(self.sheet.entry)

    @property
    def code(self) -> str:
        return self.sheet.indicator.id


@dataclass(frozen=True)
class EntryPlace:
    """Where a form lives: the plan, the unit and the period, as the store holds them."""

    plan_row: PlanRow
    plan: Plan
    unit: OrgUnitRow
    period: PeriodRow


@router.get("/entry", response_class=HTMLResponse)
def entry_start(request: Request, user: Enterer, month: int | None = None) -> Response:
    """Reporters go straight to their unit's form; the office picks a unit."""
    session = db_session(request)
    chosen = month or default_month(request, plan_for_request(request))
    own = only_unit(user, Action.ENTER_FIGURES)
    if own is not None:
        return RedirectResponse(keep_plan(request, f"/entry/{own}?month={chosen}"), status_code=303)
    units = units_below_city(session=session, top=plan_unit(request))
    return render(request, "entry_units.html", user, nav="entry", units=units, month=chosen)


@router.get("/entry/{unit_id}", response_class=HTMLResponse)
def entry_form(
    request: Request,
    unit_id: RowId,
    user: Enterer,
    month: int | None = None,
) -> HTMLResponse:
    """The unit's form for the period: last month's figures, this month's, state and evidence."""
    require(user, Action.ENTER_FIGURES, unit_id)
    place = entry_place(request, unit_id, month)
    rows = form_rows(session=db_session(request), place=place, typed={}, writer=writer_of(request, user))
    return _form_page(request, user, place, rows)


@router.post("/entry/{unit_id}/{month}", response_class=HTMLResponse, dependencies=[Depends(csrf_protect)])
async def entry_save(request: Request, unit_id: RowId, month: MonthPath, user: Enterer) -> Response:
    """Save every changed row as a draft, then submit if asked; nothing is saved if any row is wrong.

    Reporters submit their unit's figures; the office, submitting on a unit's behalf, only the rows it ticks.
    """
    require(user, Action.ENTER_FIGURES, unit_id)
    place = entry_place(request, unit_id, month)
    session, form, writer = db_session(request), await request.form(), writer_of(request, user)
    rows = form_rows(session=session, place=place, typed=typed_fields(form), writer=writer)
    saved = sum(save_row(session=session, place=place, row=row, writer=writer, form=form) for row in rows)
    if any(r.problems for r in rows):
        closed = closed_year_reason(place.plan_row)  # the whole form is refused: 423, as on every write path
        return _form_page(request, user, place, rows, status_code=423 if closed else 422,
                          error=f"未保存：{closed}" if closed else "未保存：请先改正标出的问题。")  # fmt: skip
    flash, failed = f"已保存 {saved} 项草稿。{_warned(rows)}", False
    if form.get("action") == "submit":
        require(user, Action.SUBMIT, unit_id)
        on_behalf = user.unit_id != unit_id
        ticked = [r.code for r in rows if form.get(f"{r.code}.send")] if on_behalf else None
        confirmed = _entry_ids(session, place, [r.code for r in rows if _confirmed(form, r.code)])
        flash, failed = _submit(session, place, writer, ticked, saved, confirmed)
    request.session["flash_error" if failed else "flash"] = flash
    return RedirectResponse(keep_plan(request, f"/entry/{unit_id}?month={month}"), status_code=303)


@router.post(
    "/entry/{unit_id}/{month}/check", response_class=HTMLResponse, dependencies=[Depends(csrf_protect)]
)
async def entry_check(request: Request, unit_id: RowId, month: MonthPath, user: Enterer) -> HTMLResponse:
    """Inline validation of one row while the reporter types: the problems as a small HTML fragment."""
    require(user, Action.ENTER_FIGURES, unit_id)
    place = entry_place(request, unit_id, month)
    form = await request.form()
    code = str(form.get("code") or "")
    rows = form_rows(session=db_session(request), place=place, typed=typed_fields(form),
                     writer=writer_of(request, user))  # fmt: skip
    row = next((r for r in rows if r.code == code), None)
    if row is None:
        raise HTTPException(status_code=404, detail=f"本单位没有需要填报的指标“{code}”")
    row.problems = row_problems(
        session=db_session(request), place=place, row=row, confirmed=_confirmed(form, code)
    )
    return HTMLResponse(problem_fragment(row.problems, checked=_filled(row)))


@router.post("/entry/{unit_id}/{month}/evidence", dependencies=[Depends(csrf_protect)])
async def evidence_upload(
    request: Request, unit_id: RowId, month: MonthPath, user: EvidenceEditor,
    code: Annotated[str, Form()], file: Annotated[UploadFile, File()],
) -> Response:  # fmt: skip
    """Attach a photo or PDF to the unit's saved figure for one indicator."""
    require(user, Action.EDIT_EVIDENCE, unit_id)
    place = entry_place(request, unit_id, month)
    session, settings = db_session(request), settings_of(request)
    entry = _entry_of(session, place, code)
    content = await file.read(settings.evidence_max_bytes + 1)
    try:
        add_evidence(session=session, entry=entry, filename=file.filename or "file", content=content,
                     storage=storage_of(request), max_bytes=settings.evidence_max_bytes,
                     writer=writer_of(request, user), unit_quota=settings.evidence_quota_per_unit)  # fmt: skip
    except PeriodClosed as exc:
        raise HTTPException(status_code=423, detail=str(exc)) from None
    except WorkflowError as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from None
    request.session["flash"] = f"已上传佐证材料“{file.filename}”。"
    return RedirectResponse(keep_plan(request, f"/entry/{unit_id}?month={month}#row-{code}"), status_code=303)


@router.get("/evidence/{evidence_id}")
def evidence_download(request: Request, evidence_id: RowId, user: FigureReader) -> Response:
    """One evidence file, for the office, leaders and the unit that uploaded it."""
    session = db_session(request)
    evidence = session.get(EvidenceRow, evidence_id)
    entry = session.get(EntryRow, evidence.entry_id) if evidence else None
    if evidence is None or entry is None:
        raise HTTPException(status_code=404, detail="佐证材料不存在")
    require(user, Action.READ_FIGURES, entry.unit_id)
    content = fetch(storage_of(request), evidence_key(evidence.sha256))
    return download(content, media_type=evidence.content_type, filename=evidence.filename)


@router.get("/entry/{unit_id}/{month}/template.xlsx")
def template_download(request: Request, unit_id: RowId, month: MonthPath, user: Enterer) -> Response:
    """The unit's Excel template for the period, with targets and last month's figures filled in."""
    require(user, Action.ENTER_FIGURES, unit_id)
    place = entry_place(request, unit_id, month)
    content = make_template(session=db_session(request), plan_row=place.plan_row, unit=place.unit,
                            period=place.period, key=secret_key(settings_of(request)))  # fmt: skip
    name = template_filename(unit=place.unit, period=place.period, year=place.plan_row.year)
    return Response(
        content,
        media_type=XLSX,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"},
    )


@router.post(
    "/entry/{unit_id}/{month}/upload", response_class=HTMLResponse, dependencies=[Depends(csrf_protect)]
)
async def template_upload(
    request: Request, unit_id: RowId, month: MonthPath, user: Enterer,
    file: Annotated[UploadFile, File()],
) -> Response:  # fmt: skip
    """Check a filled template as a whole and save (and submit) its figures, or list every fault."""
    require(user, Action.ENTER_FIGURES, unit_id)
    require(user, Action.SUBMIT, unit_id)  # the form's upload saves and submits
    place = entry_place(request, unit_id, month)
    settings, session = settings_of(request), db_session(request)
    content = await file.read(settings.upload_max_bytes + 1)
    if len(content) > settings.upload_max_bytes:
        raise HTTPException(
            status_code=413, detail=f"文件超过 {settings.upload_max_bytes // 1024 // 1024} MB 上限"
        )
    writer = writer_of(request, user)
    try:  # parsing takes CPU time: in a worker thread, so other clients are answered meanwhile
        result = await run_in_threadpool(
            partial(import_workbook, session=session, content=content, key=secret_key(settings),
                    plan_row=place.plan_row, writer=writer, unit=place.unit, period=place.period)
        )  # fmt: skip
    except ImportRefused as exc:
        rows = form_rows(session=session, place=place, typed={}, writer=writer)
        faults = [str(f) for f in exc.faults]
        return _form_page(request, user, place, rows, status_code=422, error="Excel 未导入：", faults=faults)
    except PeriodClosed as exc:
        raise HTTPException(status_code=423, detail=str(exc)) from None
    except WorkflowError as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from None
    request.session["flash"] = result.summary()
    return RedirectResponse(keep_plan(request, f"/entry/{unit_id}?month={month}"), status_code=303)


def default_month(request: Request, plan_row: PlanRow) -> int:
    """The period reporters are filling now: the first whose deadline has not passed, else December."""
    today, cutoff = today_of(request), settings_of(request).cutoff_day
    if today.year < plan_row.year:
        return 1
    if today.year > plan_row.year:
        return 12
    return today.month if today.day <= cutoff else min(today.month + 1, 12)


def entry_place(request: Request, unit_id: int, month: int | None) -> EntryPlace:
    """The plan, unit and period of a form; the plan's periods are created on first use."""
    session, settings = db_session(request), settings_of(request)
    plan_row = plan_for_request(request)
    unit = session.get(OrgUnitRow, unit_id)
    if unit is None:
        raise HTTPException(status_code=404, detail=f"单位编号 {unit_id} 不存在")
    ensure_periods(session=session, plan=plan_row, cutoff_day=settings.cutoff_day,
                   combine_jan_feb=settings.combine_jan_feb)  # fmt: skip
    period = find_period(
        session=session, plan_id=plan_row.id, month=month or default_month(request, plan_row)
    )
    if period is None:
        raise HTTPException(status_code=404, detail=f"{month} 月不是报送期")
    return EntryPlace(
        plan_row, plan_from_store(session=session, plan_row=plan_row, month=period.month), unit, period
    )


def writer_of(request: Request, user: CurrentUser) -> Writer:
    """The signed-in user as a writer, on today's date (or the one DUBAN_TODAY pretends)."""
    return writer_for(user, today_of(request))


def form_rows(
    *, session: Session, place: EntryPlace, typed: dict[str, dict[str, str]], writer: Writer
) -> list[FormRow]:
    """The form's rows: every indicator the unit reports, with what was typed, its evidence and its locks."""
    sheet = unit_sheet(session=session, plan=place.plan, plan_row=place.plan_row, unit=place.unit,
                       period=place.period)  # fmt: skip
    checks = _ledger_figures(session, place, checked=True)
    rows = []
    for line in sheet:
        shown = typed.get(line.indicator.id) or _stored_fields(line.entry, line.indicator)
        evidence = list_evidence(session=session, entry_id=line.entry.id) if line.entry else []
        rows.append(FormRow(line, input_mode(line.indicator), shown, evidence=evidence,
                            closed=_refusal(session, place, line.entry, writer, Step.EDIT),
                            evidence_closed=_refusal(session, place, line.entry, writer, Step.EVIDENCE),
                            ledger=checks.get(line.indicator.id)))  # fmt: skip
    return rows


def _ledger_figures(session: Session, place: EntryPlace, *, checked: bool) -> dict[str, Decimal]:
    """The ledger's figures for the unit at the end of the form's month (none read for a plan without them)."""
    if not any(
        ind.checked_against_ledger if checked else ind.fed_by_ledger for ind in place.plan.indicators()
    ):
        return {}
    on = period_end(place.period, place.plan_row.year)
    return unit_ledger_figures(session=session, plan_id=place.plan_row.id, unit=place.unit.name, on=on,
                               checked=checked)  # fmt: skip


def _refusal(
    session: Session, place: EntryPlace, entry: EntryRow | None, writer: Writer, step: Step
) -> str | None:
    return lock_refusal(session=session, period=place.period, unit_id=place.unit.id, entry=entry, writer=writer,
                        step=step, year=place.plan_row.year)  # fmt: skip


def typed_fields(form: FormData) -> dict[str, dict[str, str]]:
    """Form fields named `<code>.<field>` grouped by indicator code."""
    typed: dict[str, dict[str, str]] = {}
    for key, value in form.multi_items():
        code, _, name = str(key).rpartition(".")
        if code and name in FIELDS and isinstance(value, str):
            typed.setdefault(code, {})[name] = value
    return typed


def save_row(*, session: Session, place: EntryPlace, row: FormRow, writer: Writer, form: FormData) -> bool:
    """Save one filled, changed row as a draft; its problems are kept on the row instead of raised.

    A row that may not change (sent from a page opened before the deadline, say) is a problem, not dropped."""
    if not _filled(row) or not _changed(row):
        return False
    if not row.editable:
        typed = "、".join(v for v in row.typed.values() if v.strip())
        row.problems = [
            Problem("value", f"所填“{typed}”未保存：{row.closed or '该数据已提交或已审核，不能在此修改'}")
        ]
        return False
    version = str(form.get(f"{row.code}.version") or "")
    try:
        entry = save_figure(session=session, plan_row=place.plan_row, indicator=indicator_from_row(row.sheet.row),
                            indicator_id=row.sheet.row.id, unit=place.unit, period=place.period, raw=row.typed,
                            writer=writer,
                            expected_version=int(version) if version.isdecimal() else None,
                            confirmed=_confirmed(form, row.code),
                            display_unit=row.sheet.indicator.shown_unit)  # fmt: skip
        row.warnings = unconfirmed_warnings(session=session, entry=entry)
    except ValidationFailed as exc:
        row.problems = exc.problems
    except WorkflowError as exc:
        row.problems = [Problem("value", str(exc))]
    return not row.problems


def row_problems(*, session: Session, place: EntryPlace, row: FormRow, confirmed: bool) -> list[Problem]:
    """What is wrong with the row as typed (reading first, then the checks on the unit's history)."""
    if not _filled(row):
        return []
    figure, problems = read_figure(
        indicator=row.sheet.indicator, raw=row.typed, display_unit=row.sheet.indicator.shown_unit
    )
    if problems:
        return problems
    return check_entry(session=session, plan_row=place.plan_row, indicator=indicator_from_row(row.sheet.row),
                       indicator_id=row.sheet.row.id, unit=place.unit, period=place.period, figure=figure,
                       confirmed=confirmed)  # fmt: skip


def problem_fragment(problems: list[Problem], *, checked: bool) -> str:
    """The problems as escaped HTML: errors in red, warnings in amber, or a tick when all is well."""
    if not problems:
        return '<span class="ok">✓ 校验通过</span>' if checked else ""
    parts = [
        Markup('<span class="{}" role="alert">{}：{}</span>').format(
            "warn" if p.warning else "error", FIELD_LABELS.get(p.field, p.field), p.message
        )
        for p in problems
    ]
    return str(Markup("<br>").join(parts))


def _warned(rows: list[FormRow]) -> str:
    """What the saved drafts' warnings ask of the reporter before submitting."""
    warned = [r for r in rows if r.warnings]
    if not warned:
        return ""
    words = "；".join(f"{r.code} {p.message}" for r in warned for p in r.warnings)
    return f"其中 {len(warned)} 项需在提交时确认：{words}"


def _submit(
    session: Session, place: EntryPlace, writer: Writer, ticked: list[str] | None, saved: int,
    confirmed: list[int],
) -> tuple[str, bool]:  # fmt: skip
    """Submit (only the ticked rows' figures when given); the message says truthfully what happened."""
    ids = None if ticked is None else _entry_ids(session, place, ticked)
    before = f"已保存 {saved} 项草稿，但" if saved else ""
    try:
        done = submit_entries(session=session, plan_row=place.plan_row, unit_id=place.unit.id,
                              period=place.period, writer=writer, entry_ids=ids, confirmed=confirmed)  # fmt: skip
    except WorkflowError as exc:
        return f"{before}未提交：{exc}", True
    message = f"已提交 {len(done.submitted)} 项数据（{_codes(session, done.submitted)}），等待督查室审核。"
    if done.kept:
        kept = [entry for entry, _ in done.kept]
        message += f"另有 {len(kept)} 项未提交（{_codes(session, kept)}）：{done.kept[0][1]}"
    return message, bool(done.kept)


def _entry_ids(session: Session, place: EntryPlace, codes: list[str]) -> list[int]:
    return [entry.id for entry in unit_entries(session=session, plan_id=place.plan_row.id, unit_id=place.unit.id,
                                               period_id=place.period.id, codes=codes)]  # fmt: skip


def _codes(session: Session, entries: list[EntryRow]) -> str:
    return "、".join(indicator_codes(session=session, indicator_ids=[e.indicator_id for e in entries]))


def _form_page(
    request: Request, user: CurrentUser, place: EntryPlace, rows: list[FormRow], status_code: int = 200,
    error: str | None = None, faults: list[str] | None = None,
) -> HTMLResponse:  # fmt: skip
    session, today, year = db_session(request), today_of(request), place.plan_row.year
    unit_id, period = place.unit.id, place.period
    closed = closed_reason(
        session=session, period=period, unit_id=unit_id, today=today, year=year
    )  # reporters
    locked = locked_reason(
        session=session, period=period, unit_id=unit_id, today=today, year=year
    )  # everyone
    return render(request, "entry.html", user, status_code=status_code, nav="entry", place=place, rows=rows,
                  label=period_label(place.period, year), closed=closed, locked=locked, error=error,
                  flash=request.session.pop("flash", None), flash_error=request.session.pop("flash_error", None),
                  stages=list(MilestoneStage), fragment=problem_fragment, modes=InputMode, faults=faults or [],
                  editable=any(r.editable for r in rows), today=today, fed=_ledger_fed(session, place))  # fmt: skip


def _ledger_fed(session: Session, place: EntryPlace) -> list[tuple[Indicator, Decimal | None]]:
    """The unit's indicators the project ledger feeds, with the ledger's figure: shown, not asked."""
    fed = [ind for ind in place.plan.indicators() if not asked_of_units(indicator=ind)
           and place.unit.name in reporting_units(indicator=ind, plan=place.plan)]  # fmt: skip
    figures = _ledger_figures(session, place, checked=False) if fed else {}
    return [(ind, figures.get(ind.id)) for ind in fed]


def _entry_of(session: Session, place: EntryPlace, code: str) -> EntryRow:
    entry = next(iter(unit_entries(session=session, plan_id=place.plan_row.id, unit_id=place.unit.id,
                                   period_id=place.period.id, codes=[code])), None)  # fmt: skip
    if entry is None:
        raise HTTPException(status_code=400, detail="请先保存该项数据，再上传佐证材料")
    return entry


def _stored_fields(entry: EntryRow | None, indicator: Indicator) -> dict[str, str]:
    """The stored figure as the form shows it, the value in the indicator's display unit (3653.3493 万元)."""
    if entry is None:
        return {}
    value = entry.value
    if value is not None:
        value = to_display(value, unit=indicator.unit, display_unit=indicator.shown_unit)
    values: dict[str, Any] = {"value": value, "numerator": entry.numerator,
                              "denominator": entry.denominator, "stage": entry.stage,
                              "stage_date": entry.stage_date, "note": entry.note}  # fmt: skip
    return {k: _plain(v) for k, v in values.items() if v is not None}


def _plain(value: Any) -> str:
    if isinstance(value, date):
        return value.isoformat()
    return exact_number(value) if isinstance(value, Decimal) else str(value)  # a note stays as typed


def _changed(row: FormRow) -> bool:
    typed = {k: v.strip() for k, v in row.typed.items() if v.strip()}
    return typed != _stored_fields(row.sheet.entry, row.sheet.indicator)


def _filled(row: FormRow) -> bool:
    return any(v.strip() for k, v in row.typed.items() if k != "note")


def _confirmed(form: FormData, code: str) -> bool:
    return form.get(f"{code}.confirm") in ("1", "on", "true")
