"""用户管理: the office lists accounts, adds one with a role and unit, disables or enables it, resets its password."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from duban.choices import Role
from duban.policy import Action
from duban.services.accounts import (
    NewAccount,
    create_account,
    list_accounts,
    reset_account_password,
    set_account_active,
)
from duban.services.units import all_units
from duban.services.users import AccountError
from duban.web.auth import CurrentUser, allow, csrf_protect, db_session
from duban.web.pages.common import render
from duban.web.params import RowId

router = APIRouter(include_in_schema=False)
Admin = Annotated[CurrentUser, Depends(allow(Action.MANAGE_USERS))]
CSRF = [Depends(csrf_protect)]


@router.get("/users", response_class=HTMLResponse)
def users_page(request: Request, user: Admin) -> HTMLResponse:
    """Every account with its role, unit and state; the form to add one."""
    return _page(request, user, flash=request.session.pop("flash", None))


@router.post("/users", response_class=HTMLResponse, dependencies=CSRF)
def users_add(
    request: Request, user: Admin, username: Annotated[str, Form()] = "", role: Annotated[str, Form()] = "",
    unit_id: Annotated[str, Form()] = "", display_name: Annotated[str, Form()] = "",
    email: Annotated[str, Form()] = "", password: Annotated[str, Form()] = "",
) -> HTMLResponse:  # fmt: skip
    """Add an account (audited); its first password is shown once, on this answer only."""
    account = NewAccount(username=username, role=role, unit_id=unit_id, display_name=display_name,
                         email=email, password=password)  # fmt: skip
    try:
        row, secret = create_account(session=db_session(request), account=account, by=user.id)
    except AccountError as exc:
        db_session(request).rollback()
        return _page(request, user, error=str(exc), values=account, status_code=400)
    shown = secret if not password else None
    return _page(request, user, flash=f"已添加账号“{row.username}”（{Role(row.role).label}）。", password=shown,
                 password_for=row.username)  # fmt: skip


@router.post("/users/{user_id}/reset", response_class=HTMLResponse, dependencies=CSRF)
def users_reset(request: Request, user: Admin, user_id: RowId) -> Response:
    """Give the account a new random password, shown once; every session of theirs ends."""
    try:
        row, secret = reset_account_password(session=db_session(request), user_id=user_id, by=user.id)
    except AccountError as exc:
        return _back(request, str(exc))
    return _page(request, user, flash=f"已重置“{row.username}”的密码，其已登录的会话全部失效。", password=secret,
                 password_for=row.username)  # fmt: skip


@router.post("/users/{user_id}/disable", dependencies=CSRF)
def users_disable(request: Request, user: Admin, user_id: RowId) -> Response:
    """Disable the account; it can no longer sign in and its sessions end."""
    return _set_active(request, user, user_id, active=False)


@router.post("/users/{user_id}/enable", dependencies=CSRF)
def users_enable(request: Request, user: Admin, user_id: RowId) -> Response:
    """Enable a disabled account again."""
    return _set_active(request, user, user_id, active=True)


def _set_active(request: Request, user: CurrentUser, user_id: int, *, active: bool) -> Response:
    try:
        row = set_account_active(session=db_session(request), user_id=user_id, active=active, by=user.id)
    except AccountError as exc:
        return _back(request, str(exc))
    return _back(request, f"已{'启用' if active else '停用'}账号“{row.username}”。")


def _back(request: Request, message: str) -> Response:
    request.session["flash"] = message
    return RedirectResponse("/users", status_code=303)


def _page(request: Request, user: CurrentUser, status_code: int = 200, **context: Any) -> HTMLResponse:
    session = db_session(request)
    units = all_units(session=session)  # a city's office or leader is an account of the city
    values = context.pop("values", None) or NewAccount(username="", role=Role.REPORTER.value)
    return render(request, "users.html", user, status_code=status_code, nav="users", accounts=list_accounts(session=session),
                  units=list(units), roles=list(Role), role_labels={r.value: r.label for r in Role}, values=values, **context)  # fmt: skip
