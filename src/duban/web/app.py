"""The web application: server-rendered pages in Chinese over the same services as the CLI."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from duban.plan.model import Plan
from duban.settings import Settings
from duban.store.db import make_engine, session_factory
from duban.store.plans import find_plan, plan_from_store
from duban.web.filters import fmt_number, scope_label

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
templates.env.filters["fmt"] = fmt_number
templates.env.filters["scope"] = scope_label


def create_app(settings: Settings) -> FastAPI:
    """A FastAPI app bound to the store that `settings` names."""
    app = FastAPI(title="duban 督办", docs_url="/api/docs", openapi_url="/api/openapi.json")
    app.state.settings = settings
    app.state.sessions = session_factory(make_engine(settings.sqlalchemy_url()))
    app.mount("/static", StaticFiles(directory=HERE / "static", check_dir=False), name="static")
    app.add_api_route("/", plan_tree, methods=["GET"], response_class=HTMLResponse)
    return app


def plan_tree(request: Request) -> HTMLResponse:
    """The plan at a glance: every area, task and indicator with its target and county breakdown."""
    factory = request.app.state.sessions
    with factory() as session:
        plan = _current_plan(session)
    return templates.TemplateResponse(request, "plan_tree.html", {"plan": plan})


def _current_plan(session: Session) -> Plan | None:
    row = find_plan(session=session)
    return plan_from_store(session=session, plan_row=row) if row else None
