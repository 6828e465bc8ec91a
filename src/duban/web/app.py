"""The web application: server-rendered pages in Chinese over the same services as the CLI."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session
from starlette.middleware.sessions import SessionMiddleware

from duban.plan.model import Plan
from duban.settings import Settings
from duban.store.db import make_engine, session_factory
from duban.store.plans import find_plan, plan_from_store
from duban.web import auth
from duban.web.auth import CurrentUser, LoginRequired, csrf_token, db_session, login_redirect, optional_user
from duban.web.filters import fmt_number, scope_label

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
templates.env.filters["fmt"] = fmt_number
templates.env.filters["scope"] = scope_label
templates.env.globals["csrf_token"] = csrf_token


def create_app(settings: Settings) -> FastAPI:
    """A FastAPI app bound to the store that `settings` names."""
    app = FastAPI(title="duban 督办", docs_url="/api/docs", openapi_url="/api/openapi.json")
    app.state.settings = settings
    app.state.sessions = session_factory(make_engine(settings.sqlalchemy_url()))
    app.middleware("http")(_database_session)
    app.add_middleware(
        SessionMiddleware, secret_key=auth.secret_key(settings), session_cookie="duban_session",
        max_age=settings.session_max_age, same_site="lax", https_only=settings.secure_cookies,
    )  # fmt: skip
    app.add_exception_handler(LoginRequired, _to_login)
    app.mount("/static", StaticFiles(directory=HERE / "static", check_dir=False), name="static")
    app.include_router(auth.router)
    app.add_api_route(
        "/plan", plan_tree, methods=["GET"], response_class=HTMLResponse, include_in_schema=False
    )
    app.add_api_route("/", plan_tree, methods=["GET"], response_class=HTMLResponse, include_in_schema=False)
    return app


async def _database_session(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    """One session per request: committed when the response succeeds, rolled back otherwise."""
    with request.app.state.sessions() as session:
        request.state.db = session
        response = await call_next(request)
        if response.status_code < 400:
            session.commit()
        else:
            session.rollback()
        return response


async def _to_login(request: Request, _exc: Exception) -> Response:
    return login_redirect(request)


def plan_tree(request: Request, user: Annotated[CurrentUser | None, Depends(optional_user)]) -> HTMLResponse:
    """The plan at a glance: every area, task and indicator with its target and county breakdown."""
    plan = _current_plan(db_session(request))
    return templates.TemplateResponse(request, "plan_tree.html", {"plan": plan, "user": user})


def _current_plan(session: Session) -> Plan | None:
    row = find_plan(session=session)
    return plan_from_store(session=session, plan_row=row) if row else None
