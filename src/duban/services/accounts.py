"""The office's user management: list accounts, add one, disable or enable it, reset its password; audited.

Passwords are hashed with argon2 by `duban.services.users`; a new or reset password is shown to the office
once and never stored in clear. Every message names the field it is about, in Chinese.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from duban.choices import Role
from duban.persistence.models import OrgUnitRow, UserRow
from duban.services.users import (
    MIN_PASSWORD_LENGTH,
    AccountError,
    add_user,
    new_password,
    set_active,
    set_password,
)

_USERNAME = re.compile(r"^[A-Za-z0-9_.-]{3,50}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class NewAccount:
    """What the office typed to add an account."""

    username: str
    role: str
    unit_id: str = ""
    display_name: str = ""
    email: str = ""
    password: str = ""


def list_accounts(*, session: Session) -> list[UserRow]:
    """Every account with its unit, active ones first, then by role and name."""
    rows = session.scalars(select(UserRow).options(joinedload(UserRow.unit)))
    order = [r.value for r in Role]
    return sorted(
        rows, key=lambda u: (not u.active, order.index(u.role) if u.role in order else 9, u.username)
    )


def create_account(*, session: Session, account: NewAccount, by: int | None) -> tuple[UserRow, str]:
    """Check the form field by field, add the account (audited); the account and its first password."""
    username = account.username.strip()
    if not username:
        raise AccountError("用户名：不能为空")
    if not _USERNAME.match(username):
        raise AccountError("用户名：只能用 3–50 个字母、数字、下划线、点或连字符")
    if account.role not in {r.value for r in Role}:
        raise AccountError("角色：请选择督查室、填报员或领导")
    role = Role(account.role)
    unit = _unit(session, account.unit_id)
    if role is Role.REPORTER and unit is None:
        raise AccountError("所属单位：填报员必须指定所属单位")
    email = account.email.strip()
    if email and not _EMAIL.match(email):
        raise AccountError(f"邮箱：“{email}”不是有效的邮箱地址")
    password = account.password or new_password()
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"初始密码：至少需要 {MIN_PASSWORD_LENGTH} 个字符（留空则自动生成）")
    if session.scalar(select(UserRow.id).where(UserRow.username == username)):
        raise AccountError(f"用户名：“{username}”已存在")
    user = add_user(session=session, username=username, password=password, role=role,
                    unit=unit.name if unit is not None and role is not Role.ADMIN else None,
                    display_name=account.display_name.strip()[:100] or None, email=email[:200] or None, by=by)  # fmt: skip
    return user, password


def reset_account_password(*, session: Session, user_id: int, by: int | None) -> tuple[UserRow, str]:
    """Give the account a new random password (its sessions end; audited); the account and the password."""
    user = _account(session, user_id)
    password = new_password()
    return set_password(session=session, username=user.username, password=password, by=by), password


def set_account_active(*, session: Session, user_id: int, active: bool, by: int | None) -> UserRow:
    """Disable or enable an account (its sessions end; audited); nobody disables their own account."""
    user = _account(session, user_id)
    if not active and user.id == by:
        raise AccountError("不能停用自己正在使用的账号")
    if user.active == active:
        return user  # a repeated click: nothing to change, nothing to audit
    return set_active(session=session, username=user.username, active=active, by=by)


def _account(session: Session, user_id: int) -> UserRow:
    user = session.get(UserRow, user_id)
    if user is None:
        raise AccountError(f"账号编号 {user_id} 不存在")
    return user


def _unit(session: Session, unit_id: str) -> OrgUnitRow | None:
    text = unit_id.strip()
    if not text:
        return None
    unit = session.get(OrgUnitRow, int(text)) if text.isdecimal() and len(text) < 10 else None
    if unit is None:
        raise AccountError("所属单位：所选单位不存在")
    return unit
