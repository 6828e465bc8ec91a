"""What every page shares: the templates, the current plan, the chosen month and rendering."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

from duban.choices import EntryState, MilestoneStage, OrgKind, Status
from duban.persistence.db import Session, StoreError
from duban.persistence.generation import current
from duban.persistence.models import PlanRow
from duban.persistence.readcache import remembered
from duban.plan.levels import Level, plan_level
from duban.policy import ANY_UNIT, Action, Refused, allowed, plan_refusal, refuse_if
from duban.progress.changes import counts_sentence
from duban.progress.ranking import shown_score
from duban.services.office import Basis, current_month, office_settings
from duban.services.overview import IndicatorView, Overview, indicator_view, period_overview
from duban.services.plans import path_of_region, plan_of_unit, plan_of_year, plan_years, unit_of_region
from duban.services.units import region_level
from duban.settings import Settings
from duban.web.auth import CurrentUser, csrf_token, db_session, optional_user
from duban.web.filters import (
    fmt_amount,
    fmt_entry,
    fmt_number,
    fmt_pct,
    fmt_plain,
    marked_quote,
    scope_label,
    unit_size,
)
from duban.web.pagecache import who_line

HERE = Path(__file__).resolve().parents[1]
templates = Jinja2Templates(directory=HERE / "templates")
templates.env.filters["fmt"] = fmt_number
templates.env.filters["pct"] = fmt_pct
templates.env.filters["amount"] = fmt_amount
templates.env.filters["plain"] = fmt_plain
templates.env.filters["entry"] = fmt_entry
templates.env.filters["unit_size"] = unit_size
templates.env.filters["score"] = shown_score  # as the bulletin prints it, and as ties are judged
templates.env.filters["scope"] = scope_label
templates.env.filters["counts_sentence"] = counts_sentence
templates.env.filters["marked"] = marked_quote
templates.env.globals["csrf_token"] = csrf_token
templates.env.globals["who_line"] = who_line
templates.env.globals["Status"] = Status
templates.env.globals["may"] = lambda user, action, unit=ANY_UNIT: allowed(user, Action(action), unit)
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
    return settings_of(request).current_date()


def plan_for_request(request: Request, *, year: int | None = None) -> PlanRow:
    """The plan a page or API call is about: `?year=2026` (and `?region=` where a year has several plans),
    else `year` (an API period key's), else the plan of today's year (DUBAN_TODAY aware), else the newest plan
    not in the future. 404 in Chinese when there is no such plan. Every page and API route chooses here."""
    return plan_choice(request, year=year).row


@dataclass(frozen=True)
class PlanChoice:
    """The chosen plan and what links within the page keep of the choice ("year=2026", or "" by default)."""

    row: PlanRow
    query: str


def plan_choice(request: Request, *, year: int | None = None) -> PlanChoice:
    """See `plan_for_request`; chosen once per request."""
    asked, region = request.query_params.get("year"), request.query_params.get("region") or None
    if asked is not None and asked.strip():
        if not asked.strip().isdecimal() or not 1900 < int(asked) < 3000:
            raise HTTPException(status_code=400, detail=f"年度“{asked}”无效，应为 2026 这样的年份")
        year = int(asked)
    chosen: dict[tuple[int | None, str | None], PlanChoice] = request.state.__dict__.setdefault("plans", {})
    if (year, region) in chosen:
        return chosen[(year, region)]
    session = db_session(request)
    home = _home_plan(request, year) if region is None else None
    row = (
        home[0] if home else plan_of_year(session=session, today=today_of(request), year=year, region=region)
    )
    if row is None:
        if not plan_years(session=session):
            raise HTTPException(status_code=404, detail="数据库中还没有计划，请先运行 duban plan load")
        raise HTTPException(status_code=404, detail=f"没有{year or ''}年度{region or ''}的计划")
    _refuse_unreached(request, row, home[1] if home else None)
    kept = [("year", str(row.year))] if asked else []
    kept += [("region", region)] if region else []
    chosen[(year, region)] = PlanChoice(row, urlencode(kept))
    if not asked:  # the default plan is also the one its year names (an API period key's year): chosen once
        chosen.setdefault((row.year, region), chosen[(year, region)])
    return chosen[(year, region)]


def _home_plan(request: Request, year: int | None) -> tuple[PlanRow, str] | None:
    """A city's user's default: their city's plan (or the province's above it), not the deployment's; with
    the path of its region's unit."""
    user = optional_user(request)
    if user is None or user.unit_path is None:
        return None
    return plan_of_unit(
        session=db_session(request), today=today_of(request), unit_path=user.unit_path, year=year
    )


def _refuse_unreached(request: Request, row: PlanRow, path: str | None) -> None:
    """The policy's check of the chosen plan for a unit's user (the action their route's gate named): asked
    where a plan is chosen, so a request that chooses none (a save) reads nothing more for it."""
    user = optional_user(request)
    if user is None or user.unit_id is None:
        return
    if path is None:
        path = path_of_region(session=db_session(request), region=row.region)
    refuse_if(plan_refusal(user, getattr(request.state, "action", Action.READ_DASHBOARD), path))


def check_plan(request: Request) -> None:
    """The gate's check of the request's plan for a unit's user (`_refuse_unreached`), choosing the plan the
    route then reads; a missing plan is the route's to answer."""
    try:
        plan_choice(request)
    except HTTPException as exc:
        if exc.status_code != 404:
            raise


def plan_unit(request: Request) -> int | None:
    """The unit the request's plan belongs to (the unit its region names): the top of the lists of its units."""
    return unit_of_region(session=db_session(request), region=plan_for_request(request).region)


def keep_plan(request: Request, url: str) -> str:
    """`url` with the request's choice of plan (`?year=`) kept, for links and redirects within a year."""
    return with_query(url, kept_query(request))


def kept_query(request: Request) -> str:
    """The query the request's links keep: '' by default (no store asked), on an error page and without a store."""
    if not (request.query_params.get("year") or request.query_params.get("region")) or not _has_plans(
        request
    ):
        return ""
    try:
        return plan_choice(request).query
    except (HTTPException, Refused):  # the page says the plan is missing or refused: its links keep none
        return ""


def with_query(url: str, query: str) -> str:
    """`url` with `query` added: '/counties/x?month=6' → '/counties/x?month=6&year=2026' (also before a #)."""
    if not query:
        return url
    base, hash_, fragment = url.partition("#")
    if base.endswith(("?", "&")):  # a pager's base, to which 'page=2' is appended
        return f"{base}{query}&{hash_}{fragment}"
    return f"{base}{'&' if '?' in base else '?'}{query}{hash_}{fragment}"


def _has_plans(request: Request) -> bool:
    return getattr(request.state, "db", None) is not None


def plan_query(context: Context) -> str:
    """What the page's links keep: the template's `plan_query` (a page part rendered without its request), else
    the request's choice (see `keep_plan`)."""
    query = context.get("plan_query")
    if query is None:
        request = context.get("request")
        query = kept_query(request) if request is not None else ""
    return str(query)


@pass_context
def _link(context: Context, url: str) -> Markup:
    """Jinja `{% filter link %}/counties/{{ name }}?month=6{% endfilter %}`: the URL (escaped as written) with
    the page's choice of year kept — the one place links within a year are built."""
    query = plan_query(context)
    return Markup(with_query(str(url), query))  # `query` is url-encoded: nothing in it to escape


@pass_context
def _plan_fields(context: Context) -> Markup:
    """Hidden inputs keeping the page's choice of year in a GET form (a form's action loses its query)."""
    return Markup("".join(f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">'
                          for k, v in parse_qsl(plan_query(context))))  # fmt: skip


def shown_level(request: Request) -> Level:
    """The level of the plan the page shows, whose words the header uses; a city's where the page shows none."""
    if not _has_plans(request):
        return Level(OrgKind.CITY)
    try:
        row = plan_choice(request).row
    except (HTTPException, StoreError, Refused):  # an error page: a city's words rather than a second error
        return Level(OrgKind.CITY)
    return region_level(session=db_session(request), region=row.region)


def year_switch(request: Request) -> list[tuple[str, str, bool]]:
    """The header's year switcher: (label, this page in that year, shown now) per plan; empty with one plan."""
    if not _has_plans(request):
        return []
    try:
        years = _reachable(request, plan_years(session=db_session(request)))
        if len(years) < 2:
            return []
        shown = plan_choice(request).row
    except (HTTPException, StoreError, Refused):  # an error page: no switcher rather than a second error
        return []
    several = len({y for y, _ in years}) < len(years)
    rest = [(k, v) for k, v in request.query_params.multi_items() if k not in ("year", "region", "page")]
    return [(f"{y}年度" + (f"·{r}" if several else ""),
             f"{request.url.path}?{urlencode([*rest, ('year', str(y)), *([('region', r)] if several else [])])}",
             (y, r) == (shown.year, shown.region))
            for y, r in years]  # fmt: skip


def _reachable(request: Request, plans: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """The plans (year, region) whose pages the signed-in user may read: a city's, not its neighbours'."""
    user, session = optional_user(request), db_session(request)
    if user is None or user.unit_id is None:
        return plans
    units = {region: path_of_region(session=session, region=region) for region in {r for _, r in plans}}
    return [(y, r) for y, r in plans if plan_refusal(user, Action.READ_DASHBOARD, units[r]) is None]


templates.env.filters["link"] = _link
templates.env.globals["plan_fields"] = _plan_fields
templates.env.globals["year_switch"] = year_switch
templates.env.globals["shown_level"] = shown_level
templates.env.globals["level_of"] = plan_level


@dataclass(frozen=True)
class PagePeriod:
    """The month a page shows, the 当前报送期 and the basis of the figures the office chose."""

    month: int
    current: int
    basis: Basis


def page_period(*, request: Request, session: Session, plan_row: PlanRow, month: int | None) -> PagePeriod:
    """The month asked for (1–12), else the 当前报送期; with the office's basis."""
    if month is not None and not 1 <= month <= 12:
        raise HTTPException(status_code=400, detail=f"月份 {month} 无效，应为 1–12")
    current = current_month(session=session, plan_row=plan_row, today=today_of(request))
    basis = office_settings(session=session, plan_id=plan_row.id).basis
    return PagePeriod(month or current, current, basis)


def overview_of(request: Request, month: int | None) -> Overview:
    """The period overview of the request's plan for the chosen month, lean: the pages that ask for it (the
    indicator list, the ranked units' pages) show the city's lines and the ranked units' (`period_overview`)."""
    session = db_session(request)
    at = current(session=session)
    row = plan_for_request(request)
    chosen = page_period(request=request, session=session, plan_row=row, month=month)
    today = today_of(request)
    view = remembered(session=session, at=at, key=("overview", row.id, chosen.month, chosen.basis, today),
                      compute=lambda: period_overview(session=session, plan_row=row, month=chosen.month,
                                                      basis=chosen.basis, today=today, lean=True))  # fmt: skip
    return dataclasses.replace(view, current=chosen.current)


def indicator_view_of(request: Request, month: int | None, code: str) -> IndicatorView | None:
    """One indicator of the request's plan in the chosen month (None: the plan has no such indicator then)."""
    session = db_session(request)
    at = current(session=session)
    row = plan_for_request(request)
    chosen = page_period(request=request, session=session, plan_row=row, month=month)
    view = remembered(session=session, at=at, key=("indicator", row.id, chosen.month, chosen.basis, code),
                      compute=lambda: indicator_view(session=session, plan_row=row, month=chosen.month, code=code,
                                                     basis=chosen.basis))  # fmt: skip
    return None if view is None else dataclasses.replace(view, current=chosen.current)


def previous_overview(request: Request, view: Overview) -> Overview | None:
    """The overview of the month before `view`'s, on the same basis (None in January)."""
    return overview_of(request, view.month - 1) if view.month > 1 else None


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
