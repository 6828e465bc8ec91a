"""首页: the plan at a glance for one period."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import lru_cache
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup, escape

from duban.choices import Status
from duban.persistence.db import Session
from duban.persistence.generation import Generation, current
from duban.persistence.readcache import lagged, remembered
from duban.policy import Action, Scope, scope
from duban.progress.changes import completion_changes, count_changes
from duban.services.projects import ledger_figures
from duban.services.reported import ReportingLine
from duban.services.summary import CityLine, DashboardSummary, TaskHeading, remembered_summary
from duban.services.todo import reporter_todo
from duban.web.auth import CurrentUser, allow, db_session
from duban.web.pagecache import keep_copy
from duban.web.pages.common import (
    kept_query,
    page_period,
    plan_for_request,
    render,
    templates,
    today_of,
    with_query,
)

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class LivelihoodCard:
    """One 惠民实事: its number, title, headline line and the status shown on the card."""

    number: str
    task: TaskHeading
    lines: list[CityLine]

    @property
    def headline(self) -> CityLine:
        return self.lines[0]

    @property
    def status(self) -> Status:
        """The worst status among the item's targets, so a lagging part is not hidden."""
        order = list(Status)
        return max((line.judgement.status for line in self.lines), key=order.index)


@router.get("/", response_class=HTMLResponse)
def dashboard(
    request: Request,
    user: Annotated[CurrentUser, Depends(allow(Action.READ_DASHBOARD))],
    month: int | None = None,
) -> HTMLResponse:
    """Counts by status, areas, 惠民实事, lagging items, ranking, projects and 报送情况."""
    session = db_session(request)
    at = current(session=session)
    row = plan_for_request(request)
    chosen = page_period(request=request, session=session, plan_row=row, month=month)
    kept = kept_query(request)  # the markup's links keep the year asked for: part of what is remembered
    key = ("dashboard page", row.id, chosen.month, chosen.basis, today_of(request), chosen.current, kept)

    def page() -> Markup:  # the summaries read within, at `at`: the page is filed under what it was made of
        view = summary_of(request, chosen.month, at=at)
        before = summary_of(request, view.month - 1, at=at) if view.month > 1 else None
        return dashboard_main(session=session, view=view, before=before, kept=kept)

    main = remembered(session=session, key=key, at=at, lag_states=True, compute=page)
    todo = None
    if scope(user.role, Action.ENTER_FIGURES) is Scope.OWN and user.unit_id is not None:  # a unit's reporter
        todo = reporter_todo(session=session, plan_row=row, unit_id=user.unit_id,
                             today=today_of(request))  # fmt: skip
    elif not lagged(session=session):  # the same page until the store moves on (a to-do moves with drafts)
        keep_copy(request, made_at=at)
    return render(request, "dashboard.html", user, nav="dashboard", main=main, todo=todo)


def dashboard_main(
    *, session: Session, view: DashboardSummary, before: DashboardSummary | None = None, kept: str = ""
) -> Markup:
    """The page's content: the same for every user, so rendered once per judged period, not per request.
    With `before` (the month before), each count and lagging line says what changed since."""
    ledger = ledger_figures(session=session, plan_id=view.plan_id, on=view.on)
    counts = view.status_counts()
    html = templates.get_template("_dashboard_main.html").render(
        view=view, counts=counts, ledger=ledger, cards=livelihood_cards(view=view),
        count_changes=count_changes(now=counts, before=before.status_counts()) if before else {},
        changes=completion_changes(now=view.indicators, before=before.indicators) if before else {},
        lagging=view.lagging(), projects=project_lines(view=view), late=[r for r in view.reporting if r.late],
        horizons=[line for line in view.indicators if line.indicator.horizon], plan_query=kept,
        reporting_rows=reporting_rows(view=view, kept=kept),
    )  # fmt: skip
    return Markup(html)


def reporting_rows(*, view: DashboardSummary, kept: str) -> Markup:
    """报送情况's table rows, each kept by what it shows: after an approval one row is made anew, not 1,500.

    Rendered by Jinja, the province's 1,500 townships' rows took ~25 ms of the first dashboard after an approval
    (of ~28 for the whole page's markup; bench/README, session 17, "Approve → visible on the province")."""
    ranked = view.level.ranked
    return Markup(
        "".join(_reporting_row(line, line.kind == ranked, view.month, kept) for line in view.reporting)
    )


@lru_cache(maxsize=16384)  # a few plans' and months' units: short strings
def _reporting_row(line: ReportingLine, linked: bool, month: int, kept: str) -> str:
    """One row as the template wrote it (`_dashboard_main.html` before 2026-12-07), byte for byte."""
    unit = escape(line.unit)
    href = Markup(with_query(f"/counties/{unit}?month={month}", kept))  # `kept` is url-encoded
    name = Markup('<a href="{}">{}</a>').format(href, unit) if linked else unit
    late, error, overdue = ('class="late"', "error", " 逾期") if line.late else ("", "", "")
    return (
        f'\n    <tr {late}><td>{name}</td>\n      <td class="num">{line.expected}</td><td class="num">'
        f'{line.submitted}</td><td class="num">{line.approved}</td>\n      <td class="num">{line.returned}</td>'
        f'<td class="num {error}">{line.missing}{overdue}</td></tr>\n    '
    )


def summary_of(request: Request, month: int | None, *, at: Generation | None = None) -> DashboardSummary:
    """The dashboard summary of the newest plan for the chosen month (vectorised: fast for a province)."""
    session = db_session(request)
    at = at or current(session=session)
    row = plan_for_request(request)
    chosen = page_period(request=request, session=session, plan_row=row, month=month)
    today = today_of(request)
    view = remembered_summary(session=session, plan_row=row, month=chosen.month, today=today, basis=chosen.basis,
                              at=at)  # fmt: skip
    return dataclasses.replace(view, current=chosen.current)


def livelihood_cards(*, view: DashboardSummary) -> list[LivelihoodCard]:
    """The 惠民实事 as cards, one per item, in the plan's order."""
    by_task: dict[TaskHeading, list[CityLine]] = {}
    for line in (x for x in view.indicators if x.livelihood):
        by_task.setdefault(line.task, []).append(line)
    return [LivelihoodCard(str(task.number), task, lines) for task, lines in by_task.items()]


def project_lines(*, view: DashboardSummary) -> list[CityLine]:
    """The project-campaign figures: the indicators the plan feeds from the project ledger."""
    return [line for line in view.indicators if line.indicator.feed]
