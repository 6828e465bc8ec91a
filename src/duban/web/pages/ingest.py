"""Ingest review: each target read from an uploaded plan document beside its highlighted source sentence.

The office accepts, edits or rejects each target before the draft is loaded as a plan, and where the
region has last year's plan, confirms which of last year's indicators each continues (proposed by name,
`plan.lineage`): that indicator's figures give the forecast its monthly pattern and the pages 同比. Between the
upload and the decision the draft is kept through the evidence storage (the data folder, or the object
store shared by every app server) under `ingest/<token>/`.
"""

from __future__ import annotations

import re
import secrets
import tempfile
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, HTTPException, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup, escape
from pydantic import ValidationError
from starlette.datastructures import FormData

from duban.choices import Comparator
from duban.ingest.errors import IngestError
from duban.ingest.service import IngestResult, ingest_document
from duban.persistence.models import PlanRow
from duban.plan.lineage import NEW, propose_above, propose_last_year
from duban.plan.model import Indicator, Plan
from duban.plan.revision import ChangeKind, overlay_draft
from duban.policy import Action
from duban.services.plan_loading import save_plan
from duban.services.plan_revisions import PlanRevisionError, apply_plan_revision, preview_plan_revision
from duban.services.plans import UnitError, find_plan, plan_above, plan_from_store
from duban.services.revisions import RevisionError
from duban.storage import EvidenceStorage, MissingFile
from duban.web.auth import CurrentUser, allow, csrf_protect, db_session
from duban.web.pages.common import render, settings_of, today_of

router = APIRouter(include_in_schema=False)
TOKEN = re.compile(r"^[0-9a-f]{16}$")
SUFFIXES = (".txt", ".docx", ".pdf")
REVIEW_BELOW = 0.85  # confidence under which a target is shown among those to check first


@dataclass(frozen=True)
class TargetReview:
    """One extracted target with its source sentence, the target's words highlighted."""

    indicator: Indicator
    area: str
    task: str
    source: Markup


@router.get("/plan/ingest", response_class=HTMLResponse)
def ingest_form(
    request: Request, user: Annotated[CurrentUser, Depends(allow(Action.MANAGE_PLAN))]
) -> HTMLResponse:
    """The upload form for a plan document."""
    return render(request, "ingest.html", user, nav="ingest", error=None)


@router.post("/plan/ingest", response_class=HTMLResponse, dependencies=[Depends(csrf_protect)])
async def ingest_upload(
    request: Request,
    user: Annotated[CurrentUser, Depends(allow(Action.MANAGE_PLAN))],
    file: Annotated[UploadFile, File()],
) -> Response:
    """Read the uploaded document into a draft and open its review page."""
    settings = settings_of(request)
    name = Path(file.filename or "plan.txt").name
    if not name.lower().endswith(SUFFIXES):
        return render(request, "ingest.html", user, status_code=400, nav="ingest",
                      error=f"“{name}”不是可读取的计划文档（只接受 .txt、.docx、.pdf）")  # fmt: skip
    content = await file.read(settings.upload_max_bytes + 1)
    if len(content) > settings.upload_max_bytes:
        return render(request, "ingest.html", user, status_code=413, nav="ingest",
                      error=f"“{name}”超过 {_megabytes(settings.upload_max_bytes)} MB 上限，未读取；"
                            "请删去图片等附件后重新上传")  # fmt: skip
    with tempfile.TemporaryDirectory() as scratch:
        (Path(scratch) / name).write_bytes(content)
        try:
            result = await run_in_threadpool(
                ingest_document, path=Path(scratch) / name
            )  # CPU time: off the loop
        except IngestError as exc:
            return render(request, "ingest.html", user, status_code=400, nav="ingest", error=str(exc))
    token = secrets.token_hex(8)
    save_draft(storage=request.app.state.evidence_storage, token=token, result=result)
    return RedirectResponse(f"/plan/ingest/{token}", status_code=303)


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:g}"


@router.get("/plan/ingest/{token}", response_class=HTMLResponse)
def ingest_review(
    request: Request, token: str, user: Annotated[CurrentUser, Depends(allow(Action.MANAGE_PLAN))]
) -> HTMLResponse:
    """Every extracted target beside its source sentence, to accept, edit or reject."""
    plan, source = reviewed_draft(request=request, token=token)
    return _review_page(request, user, token, plan, source, error=None)


def reviewed_draft(*, request: Request, token: str) -> tuple[Plan, str]:
    """The draft as the office reviews it: read over the stored plan of its region and year, if there is one."""
    draft, source = load_draft(storage=request.app.state.evidence_storage, token=token)
    stored = find_plan(session=db_session(request), region=draft.region, year=draft.year)
    if stored is None:
        return draft, source
    return overlay_draft(
        stored=plan_from_store(session=db_session(request), plan_row=stored), draft=draft
    ), source


@router.post("/plan/ingest/{token}", dependencies=[Depends(csrf_protect)])
async def ingest_load(
    request: Request, token: str, user: Annotated[CurrentUser, Depends(allow(Action.MANAGE_PLAN))]
) -> Response:
    """Load the accepted (and edited) targets as a new plan, or show the revision of the stored plan."""
    session, form = db_session(request), await request.form()
    plan, source = reviewed_draft(request=request, token=token)
    try:
        chosen = decided_plan(plan=plan, form=form)
    except ValueError as exc:
        return _review_page(request, user, token, plan, source, form=form, error=str(exc))
    stored = find_plan(session=session, region=plan.region, year=plan.year)
    if stored is not None:
        storage = request.app.state.evidence_storage
        storage.put(f"ingest/{token}/decided.json", chosen.model_dump_json().encode(), "application/json")
        return RedirectResponse(f"/plan/ingest/{token}/revision", status_code=303)
    try:
        save_plan(session=session, plan=chosen, user_id=user.id)
    except UnitError as exc:
        session.rollback()  # nothing of the plan is kept
        return _review_page(request, user, token, plan, source, form=form, error=f"{exc}；未导入任何内容。")
    request.session["flash"] = (
        f"已导入{chosen.region}{chosen.year}年计划：{len(chosen.indicators())} 个指标。"
    )
    return RedirectResponse("/plan", status_code=303)


@router.get("/plan/ingest/{token}/revision", response_class=HTMLResponse)
def revision_preview(
    request: Request, token: str, user: Annotated[CurrentUser, Depends(allow(Action.MANAGE_PLAN))]
) -> HTMLResponse:
    """What the reviewed draft would change in the stored plan, to confirm before anything is written."""
    return _revision_page(request, user, token, error=None)


@router.post("/plan/ingest/{token}/revision", dependencies=[Depends(csrf_protect)])
async def revision_apply(
    request: Request, token: str, user: Annotated[CurrentUser, Depends(allow(Action.MANAGE_PLAN))]
) -> Response:
    """Apply the previewed revision once the office has confirmed it; audited and undoable on the plan page."""
    session, form = db_session(request), await request.form()
    if form.get("confirm") != "1":
        return _revision_page(
            request, user, token, error="请勾选“确认按以上差异修订计划”后再提交；计划未更改。"
        )
    plan, stored = _decided(request, token)
    try:
        revision = apply_plan_revision(session=session, plan_row=stored, plan=plan, user_id=user.id,
                                       reason=str(form.get("reason") or ""), today=today_of(request),
                                       effective_month=_month(form.get("effective_month")),
                                       keep=[str(code) for code in form.getlist("keep")])  # fmt: skip
    except (PlanRevisionError, RevisionError, UnitError) as exc:
        session.rollback()
        return _revision_page(request, user, token, error=str(exc))
    summary = revision.changes["summary"] if revision else "与数据库中的计划相同，没有变化"
    request.session["flash"] = f"已修订{plan.region}{plan.year}年计划：{summary}。"
    return RedirectResponse("/plan", status_code=303)


def _decided(request: Request, token: str) -> tuple[Plan, PlanRow]:
    load_draft(storage=request.app.state.evidence_storage, token=token)  # checks the token
    try:
        plan = Plan.model_validate_json(
            request.app.state.evidence_storage.get(f"ingest/{token}/decided.json")
        )
    except (MissingFile, ValidationError):
        raise HTTPException(status_code=404, detail="尚未核对导入的目标，请先在核对页面导入") from None
    stored = find_plan(session=db_session(request), region=plan.region, year=plan.year)
    if stored is None:
        raise HTTPException(status_code=404, detail="数据库中已没有该计划，请重新导入")
    return plan, stored


def _month(raw: object) -> int | None:
    text = str(raw or "").strip()
    return int(text) if text.isdecimal() and 1 <= int(text) <= 12 else None


def _revision_page(request: Request, user: CurrentUser, token: str, error: str | None) -> HTMLResponse:
    plan, stored = _decided(request, token)
    preview = preview_plan_revision(
        session=db_session(request), plan_row=stored, plan=plan, today=today_of(request)
    )
    return render(request, "ingest_revision.html", user, status_code=422 if error else 200, nav="ingest",
                  token=token, preview=preview, kinds=ChangeKind, error=error)  # fmt: skip


def save_draft(*, storage: EvidenceStorage, token: str, result: IngestResult) -> None:
    """Keep the draft plan and the document's text for the review, where every app server finds them."""
    storage.put(f"ingest/{token}/draft.json", result.plan.model_dump_json().encode(), "application/json")
    storage.put(f"ingest/{token}/source.txt", result.source_text.encode(), "text/plain; charset=utf-8")


def load_draft(*, storage: EvidenceStorage, token: str) -> tuple[Plan, str]:
    """The kept draft plan and document text."""
    if not TOKEN.match(token):
        raise HTTPException(status_code=404, detail="导入草案不存在")
    try:
        plan = Plan.model_validate_json(storage.get(f"ingest/{token}/draft.json"))
        return plan, storage.get(f"ingest/{token}/source.txt").decode("utf-8")
    except (MissingFile, ValidationError):
        raise HTTPException(status_code=404, detail="导入草案不存在或已失效，请重新上传文档") from None


def decided_plan(*, plan: Plan, form: FormData) -> Plan:
    """The draft with rejected targets dropped and edits applied; ValueError names the bad target."""
    data = plan.model_dump()
    for area in data["areas"]:
        for task in area["tasks"]:
            task["indicators"] = [_edited(ind, form, plan.year) for ind in task["indicators"]
                                  if form.get(f"{ind['id']}.decision", "accept") != "reject"]  # fmt: skip
        area["tasks"] = [t for t in area["tasks"] if t["indicators"]]
    data["areas"] = [a for a in data["areas"] if a["tasks"]]
    parent = str(form.get("parent") or "").strip()
    for unit in data["units"]:
        unit["parent"] = parent if parent and unit["name"] == plan.region else unit["parent"]
    if not any(a["tasks"] for a in data["areas"]):
        raise ValueError("没有接受任何目标，未导入")
    try:
        return Plan.model_validate(data)
    except ValidationError as exc:
        raise ValueError(
            "修改后的目标有误：" + "；".join(f"{e['loc'][-1]} {e['msg']}" for e in exc.errors())
        ) from None


def _edited(ind: dict[str, Any], form: FormData, year: int) -> dict[str, Any]:
    code = ind["id"]
    name = str(form.get(f"{code}.name") or ind["name"]).strip()
    value = _number(form.get(f"{code}.target") or ind["target"], f"{code} 的目标值")
    horizon = _horizon(ind.get("horizon"), form, code, value=value, year=year)
    unit = str(form.get(f"{code}.unit") or ind["unit"]).strip()
    return {
        **ind,
        "name": name,
        "target": horizon["milestones"].get(year, value) if horizon else value,
        "horizon": horizon,
        "unit": unit,
        "display_unit": ind.get("display_unit") if unit == ind["unit"] else None,  # 亿元 no longer fits 个
        "comparator": _comparator(form.get(f"{code}.comparator"), ind["comparator"], code),
        "last_year": str(form.get(f"{code}.last_year") or ind["last_year"] or "").strip() or None,
        "above": str(form.get(f"{code}.above") or ind["above"] or "").strip() or None,
    }


def _horizon(
    horizon: dict[str, Any] | None, form: FormData, code: str, *, value: Decimal, year: int
) -> dict[str, Any] | None:
    """A later year's target takes the value read; the year's milestone, when the office gives it, is the year's target."""
    if not horizon:
        return None
    given = str(form.get(f"{code}.milestone") or "").strip()
    milestones = {year: _number(given, f"{code} 的{year}年节点")} if given else {}
    return {**horizon, "target": value, "milestones": {**horizon["milestones"], **milestones}}


def _number(raw: object, what: str) -> Decimal:
    text = str(raw).strip()
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise ValueError(f"{what}“{text}”不是数字") from None


def _comparator(raw: object, current: Comparator, code: str) -> Comparator:
    if not raw:
        return current
    try:
        return Comparator(str(raw))
    except ValueError:
        raise ValueError(f"{code} 的比较方式“{raw}”无效") from None


def highlighted_source(*, source: str, indicator: Indicator) -> Markup:
    """The source line the target came from, escaped, with the target's quote marked."""
    lines = source.splitlines()
    line = lines[indicator.line - 1] if indicator.line and 0 < indicator.line <= len(lines) else ""
    quote = (indicator.quote or "").replace("**", "")
    if not line:
        return Markup("<mark>{}</mark>").format(quote)
    if quote and quote in line:
        before, _, after = line.partition(quote)
        return Markup("{}<mark>{}</mark>{}").format(before, quote, after)
    return escape(line)


def _review_page(
    request: Request, user: CurrentUser, token: str, plan: Plan, source: str, error: str | None,
    form: FormData | None = None,
) -> HTMLResponse:  # fmt: skip
    reviews = [
        TargetReview(ind, area.name, task.title, highlighted_source(source=source, indicator=ind))
        for area in plan.areas for task in area.tasks for ind in task.indicators
    ]  # fmt: skip
    reviews.sort(key=lambda r: not needs_review(r.indicator))  # the doubtful ones first, in document order
    revising = find_plan(session=db_session(request), region=plan.region, year=plan.year) is not None
    doubtful = sum(1 for r in reviews if needs_review(r.indicator))
    last = last_years_plan(request=request, plan=plan)
    proposed = propose_last_year(plan=plan, last=last) if last else {}
    parent = str(form.get("parent") or "").strip() if form else ""
    above = plan_above_draft(request=request, plan=plan, parent=parent)
    return render(request, "ingest_review.html", user, status_code=422 if error else 200, nav="ingest",
                  token=token, plan=plan, reviews=reviews, error=error, typed=form, revising=revising,
                  doubtful=doubtful, comparators=list(Comparator), needs_review=needs_review, last=last,
                  proposed=proposed, new=NEW, parent=parent, above=above,
                  proposed_above=propose_above(plan=plan, above=above) if above else {})  # fmt: skip


def plan_above_draft(*, request: Request, plan: Plan, parent: str) -> Plan | None:
    """The stored plan of the same year of the province the draft's region belongs to (or `parent` names),
    whose indicators the draft's may roll up into."""
    session = db_session(request)
    row = plan_above(session=session, region=plan.region, year=plan.year, parent=parent or None)
    return plan_from_store(session=session, plan_row=row) if row else None


def last_years_plan(*, request: Request, plan: Plan) -> Plan | None:
    """The stored plan of the draft's region for the year before, whose indicators the draft may continue."""
    row = find_plan(session=db_session(request), region=plan.region, year=plan.year - 1)
    return plan_from_store(session=db_session(request), plan_row=row) if row else None


def needs_review(indicator: Indicator) -> bool:
    """Targets the reader was unsure of: flagged, or read with low confidence."""
    return bool(indicator.flags) or (indicator.confidence is not None and indicator.confidence < REVIEW_BELOW)
