"""Accounts: argon2-hashed passwords, roles and the unit a reporter may touch."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from duban.choices import Role
from duban.plan.model import Plan
from duban.store.audit import record_change
from duban.store.models import OrgUnitRow, UserRow

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 10


class AccountError(ValueError):
    """A user-facing reason why an account operation was refused."""


def add_user(
    *, session: Session, username: str, password: str, role: Role, unit: str | None = None,
    display_name: str | None = None, email: str | None = None, by: int | None = None,
) -> UserRow:  # fmt: skip
    """Create an account; reporters must belong to a unit."""
    if session.scalar(select(UserRow).where(UserRow.username == username)):
        raise AccountError(f"用户名“{username}”已存在")
    _check_password(password)
    unit_row = _unit(session, unit)
    if role is Role.REPORTER and unit_row is None:
        raise AccountError("填报员必须指定所属单位")
    user = UserRow(username=username, password_hash=_hasher.hash(password), role=role.value, unit=unit_row,
                   display_name=display_name, email=email)  # fmt: skip
    session.add(user)
    session.flush()
    record_change(session=session, user_id=by, action="user.add", entity="user", entity_id=user.id,
                  new={"username": username, "role": role.value, "unit": unit})  # fmt: skip
    return user


def authenticate(
    *, session: Session, username: str, password: str, max_failures: int, lockout_seconds: int
) -> UserRow:
    """The active user with this password; failures count towards a temporary lock-out."""
    user = session.scalar(select(UserRow).where(UserRow.username == username))
    now = datetime.now(UTC)
    if user is None or not user.active:
        _hasher.hash(password)  # spend the same time as a real check, so names cannot be probed
        raise AccountError("用户名或密码错误")
    if user.locked_until and _aware(user.locked_until) > now:
        raise AccountError("登录失败次数过多,请稍后再试")
    if not _verify(user.password_hash, password):
        user.failed_logins += 1
        if user.failed_logins >= max_failures:
            user.locked_until, user.failed_logins = now + timedelta(seconds=lockout_seconds), 0
        raise AccountError("用户名或密码错误")
    user.failed_logins, user.locked_until = 0, None
    return user


def set_password(*, session: Session, username: str, password: str, by: int | None = None) -> UserRow:
    """Replace a user's password."""
    user = _user(session, username)
    _check_password(password)
    user.password_hash, user.failed_logins, user.locked_until = _hasher.hash(password), 0, None
    record_change(session=session, user_id=by, action="user.reset", entity="user", entity_id=user.id)
    return user


def set_active(*, session: Session, username: str, active: bool, by: int | None = None) -> UserRow:
    """Enable or disable an account."""
    user = _user(session, username)
    user.active = active
    record_change(session=session, user_id=by, action="user.enable" if active else "user.disable",
                  entity="user", entity_id=user.id)  # fmt: skip
    return user


def new_password() -> str:
    """A random password that meets the length rule."""
    return secrets.token_urlsafe(12)


def ensure_demo_users(*, session: Session, plan: Plan, data_dir: Path) -> Path:
    """Create demo accounts (office, leader, one reporter per county) with random passwords, once."""
    target = data_dir / "demo-accounts.txt"
    if target.exists() and session.scalar(select(UserRow).where(UserRow.username == "admin")):
        return target
    lines = ["# duban 演示账号(随机密码,仅用于演示)"]
    wanted: list[tuple[str, Role, str | None, str]] = [
        ("admin", Role.ADMIN, None, "督查室"),
        ("leader", Role.LEADER, None, "市领导"),
    ]
    wanted += [(f"county{i + 1:02d}", Role.REPORTER, c.name, c.name) for i, c in enumerate(plan.counties())]
    for username, role, unit, label in wanted:
        password = new_password()
        existing = session.scalar(select(UserRow).where(UserRow.username == username))
        if existing:
            set_password(session=session, username=username, password=password)
        else:
            add_user(
                session=session,
                username=username,
                password=password,
                role=role,
                unit=unit,
                display_name=label,
            )
        lines.append(f"{username}\t{password}\t{role.label}\t{label}")
    data_dir.mkdir(parents=True, exist_ok=True)
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    target.chmod(0o600)
    return target


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"密码至少需要 {MIN_PASSWORD_LENGTH} 个字符")


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _user(session: Session, username: str) -> UserRow:
    user = session.scalar(select(UserRow).where(UserRow.username == username))
    if user is None:
        raise AccountError(f"用户“{username}”不存在")
    return user


def _unit(session: Session, name: str | None) -> OrgUnitRow | None:
    if name is None:
        return None
    unit = session.scalar(select(OrgUnitRow).where(OrgUnitRow.name == name))
    if unit is None:
        raise AccountError(f"单位“{name}”不存在")
    return unit


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
