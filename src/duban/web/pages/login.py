"""Signing in and out: the login form, the login, and logout everywhere."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from duban.policy import Action
from duban.services.users import AccountError, LoginThrottled, authenticate, sign_out
from duban.settings import Settings
from duban.web.auth import allow_anyone, client_address, csrf_protect, csrf_token, db_session, optional_user
from duban.web.pages.common import templates

router = APIRouter()


@router.get(
    "/login",
    response_class=HTMLResponse,
    include_in_schema=False,
    dependencies=[Depends(allow_anyone(Action.SIGN_IN))],
)
def login_form(request: Request, next: str = "/") -> Response:
    return templates.TemplateResponse(request, "login.html", {"next": _safe_next(next), "error": None})


@router.post(
    "/login", response_class=HTMLResponse, include_in_schema=False,
    dependencies=[Depends(csrf_protect), Depends(allow_anyone(Action.SIGN_IN))],
)  # fmt: skip
def login(
    request: Request,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    settings: Settings = request.app.state.settings
    session = db_session(request)
    try:
        user = authenticate(session=session, username=username.strip(), password=password, address=client_address(request),
                            max_failures=settings.login_max_failures, longest_wait=settings.login_lockout_seconds)  # fmt: skip
    except AccountError as exc:
        session.commit()  # keep the refused login even though the response is an error
        context = {"next": _safe_next(next), "error": str(exc), "username": username}
        wait = exc.wait if isinstance(exc, LoginThrottled) else None
        return templates.TemplateResponse(request, "login.html", context, status_code=401 if wait is None else 429,
                                          headers=None if wait is None else {"Retry-After": str(wait)})  # fmt: skip
    request.session.clear()
    request.session.update(user_id=user.id, session_version=user.session_version)
    csrf_token(request)
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post(
    "/logout",
    include_in_schema=False,
    dependencies=[Depends(csrf_protect), Depends(allow_anyone(Action.SIGN_OUT))],
)
def logout(request: Request) -> Response:
    """Sign out everywhere: every session of the user ends, copied cookies included."""
    user = optional_user(request)
    if user is not None:
        sign_out(session=db_session(request), user_id=user.id)
    request.session.clear()
    request.state.user = None
    return RedirectResponse("/login", status_code=303)


def _safe_next(target: str) -> str:
    """Only same-site paths, so the login form cannot be used to redirect elsewhere."""
    return target if target.startswith("/") and not target.startswith("//") else "/"
