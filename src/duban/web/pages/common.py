"""What every page shares: the templates, the current plan, the chosen month and rendering."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup
from sqlalchemy.orm import Session

from duban.choices import EntryState, MilestoneStage, Status
from duban.progress.ranking import shown_score
from duban.settings import Settings
from duban.store.generation import current
from duban.store.models import PlanRow
from duban.store.office import Basis, current_month, office_settings
from duban.store.overview import Overview, period_overview
from duban.store.plans import find_plan
from duban.store.readcache import remembered
from duban.web.auth import CurrentUser, csrf_token, db_session
from duban.web.filters import fmt_number, fmt_pct, marked_quote, scope_label

HERE = Path(__file__).resolve().parents[1]
templates = Jinja2Templates(directory=HERE / "templates")
templates.env.filters["fmt"] = fmt_number
templates.env.filters["pct"] = fmt_pct
templates.env.filters["score"] = shown_score  # as the bulletin prints it, and as ties are judged
templates.env.filters["scope"] = scope_label
templates.env.filters["marked"] = marked_quote
templates.env.globals["csrf_token"] = csrf_token
templates.env.globals["Status"] = Status
templates.env.filters["stage"] = lambda code: MilestoneStage(code).label if code else ""
templates.env.filters["state"] = lambda code: EntryState(code).label if code else "未填"
PAGE_SIZE = 30


def render(
    request: Request, name: str, user: CurrentUser | None, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """A page from `name` with the signed-in user and the rest of `context`."""
    context = {"user": user, "status_code": status_code, **context}
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def today_of(request: Request) -> date:
    """Today, or the day DUBAN_TODAY pretends it is."""
    settings = settings_of(request)
    return date.fromisoformat(settings.today) if settings.today else date.today()


def the_plan(session: Session) -> PlanRow:
    """The newest plan; 404 in Chinese when none is loaded yet."""
    row = find_plan(session=session)
    if row is None:
        raise HTTPException(status_code=404, detail="数据库中还没有计划,请先运行 duban plan load")
    return row


@dataclass(frozen=True)
class PagePeriod:
    """The month a page shows, the 当前报送期 and the basis of the figures the office chose."""

    month: int
    current: int
    basis: Basis


def page_period(*, request: Request, session: Session, plan_row: PlanRow, month: int | None) -> PagePeriod:
    """The month asked for (1–12), else the 当前报送期; with the office's basis."""
    if month is not None and not 1 <= month <= 12:
        raise HTTPException(status_code=400, detail=f"月份 {month} 无效,应为 1–12")
    current = current_month(session=session, plan_row=plan_row, today=today_of(request))
    basis = office_settings(session=session, plan_id=plan_row.id).basis
    return PagePeriod(month or current, current, basis)


def overview_of(request: Request, month: int | None) -> Overview:
    """The period overview of the newest plan for the chosen month."""
    session = db_session(request)
    at = current(session=session)
    row = the_plan(session)
    chosen = page_period(request=request, session=session, plan_row=row, month=month)
    today = today_of(request)
    view = remembered(session=session, at=at, key=("overview", row.id, chosen.month, chosen.basis, today),
                      compute=lambda: period_overview(session=session, plan_row=row, month=chosen.month,
                                                      basis=chosen.basis, today=today))  # fmt: skip
    return dataclasses.replace(view, current=chosen.current)


def as_json(data: Any) -> Markup:
    """Data for a <script type="application/json"> block, safe against closing the tag early."""
    text = json.dumps(data, ensure_ascii=False, default=_plain)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def page_slice(items: list[Any], page: int) -> tuple[list[Any], int, int]:
    """One page of `items`, the page number actually shown and the number of pages."""
    pages = max(1, -(-len(items) // PAGE_SIZE))
    page = min(max(page, 1), pages)
    return items[(page - 1) * PAGE_SIZE : page * PAGE_SIZE], page, pages
