"""Accounts: argon2-hashed passwords, roles and the unit a reporter may touch."""

from __future__ import annotations

import math
import secrets
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import ColumnElement, Row, Select, bindparam, delete, func, select
from sqlalchemy.orm import Session

from duban.choices import OrgKind, Role
from duban.persistence.audit import audited, record_event
from duban.persistence.generation import Generation, counter_columns
from duban.persistence.loopreads import LoopConnection
from duban.persistence.models import LoginFailureRow, OrgUnitRow, UserRow
from duban.plan.model import Plan
from duban.services.units import city_path_of, unit_named

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 10
WRONG_LOGIN = "用户名或密码错误"
FAILURE_WINDOW = timedelta(hours=1)  # refused logins older than this no longer count


class AccountError(ValueError):
    """A user-facing reason why an account operation was refused."""


class LoginThrottled(AccountError):
    """Too many refused logins from this address or for this name: try again after `wait` seconds."""

    def __init__(self, wait: float) -> None:
        self.wait = max(1, math.ceil(wait))
        super().__init__(f"登录尝试过于频繁，请 {self.wait} 秒后再试")


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
    with audited(session, actor=by, action="user.add", subject=user, new={"unit": unit}):
        session.add(user)
    return user


def authenticate(
    *, session: Session, username: str, password: str, address: str, max_failures: int, longest_wait: int
) -> UserRow:
    """The active user with this password; refused logins slow down the address and the name they tried.

    No account is ever locked: an address without refused logins of its own may still try a
    throttled name, and every wait ends. Unknown names are throttled and answered like known ones.
    """
    now = datetime.now(UTC)
    by_address = _failures(session, LoginFailureRow.address == address)
    by_name = _failures(session, LoginFailureRow.username == username)
    wait = by_address.wait(max_failures, longest_wait, now)
    if by_address.count:
        wait = max(wait, by_name.wait(max_failures, longest_wait, now))
    if wait > 0:
        raise LoginThrottled(wait)
    user = session.scalar(select(UserRow).where(UserRow.username == username))
    if user is None or not user.active or not _verify(user.password_hash, password):
        if user is None:
            _hasher.hash(password)  # spend the same time as a real check, so names cannot be probed
        # the wait starts when the refusal is answered: after the hash, which takes ~0.1–1 s under load
        _record_failure(session, address=address, username=username, now=datetime.now(UTC))
        raise AccountError(WRONG_LOGIN)
    if by_name.count:
        session.execute(delete(LoginFailureRow).where(LoginFailureRow.username == username))
    record_event(session, actor=user.id, action="user.login", subject=("user", user.id))
    return user


@dataclass(frozen=True)
class _Failures:
    """Refused logins of one address or one name within the window: how many and the latest."""

    count: int
    latest: datetime | None

    def wait(self, max_failures: int, longest_wait: int, now: datetime) -> float:
        """Seconds still to wait: none for the first `max_failures`, then 1 s doubling, at most `longest_wait`."""
        if self.latest is None or self.count < max_failures:
            return 0.0
        backoff = min(2.0 ** (self.count - max_failures), float(longest_wait))
        return backoff - (now - _aware(self.latest)).total_seconds()


def _failures(session: Session, which: ColumnElement[bool]) -> _Failures:
    since = datetime.now(UTC) - FAILURE_WINDOW
    query = select(func.count(), func.max(LoginFailureRow.at)).where(which, LoginFailureRow.at > since)
    count, latest = session.execute(query).one()
    return _Failures(int(count), latest)


def _record_failure(session: Session, *, address: str, username: str, now: datetime) -> None:
    session.execute(delete(LoginFailureRow).where(LoginFailureRow.at <= now - FAILURE_WINDOW))
    session.add(LoginFailureRow(address=address, username=username[:100], at=now))


@dataclass(frozen=True)
class SignedIn:
    """A signed-in account as a request sees it: its unit, and the path of its city (`units.city_path_of`)."""

    id: int
    username: str
    display_name: str | None
    role: str
    unit_id: int | None
    unit_name: str | None
    unit_path: str | None
    region_path: str | None


def signed_in_all(
    *, session: Session, logins: Sequence[tuple[int, object]]
) -> tuple[list[SignedIn | None], Generation]:
    """The users several login sessions (user id, session version) name, each with its unit and its city's path
    (None once disabled or signed out everywhere since), and the generation counters: one statement, for every
    request's login and for the page copies' checks asked together."""
    return _found(session.execute(_signed_in_query(), _user_ids(logins)).all(), logins)


async def signed_in_all_on(
    *, connection: LoopConnection, logins: Sequence[tuple[int, object]]
) -> tuple[list[SignedIn | None], Generation]:
    """`signed_in_all` read on the event loop (`persistence.loopreads`), in the same one statement."""
    return _found((await connection.execute(_signed_in_query(), _user_ids(logins))).all(), logins)


def _user_ids(logins: Sequence[tuple[int, object]]) -> dict[str, list[int]]:
    return {"user_ids": sorted({user for user, _ in logins})}


def _found(
    rows: Sequence[Row[Any]], logins: Sequence[tuple[int, object]]
) -> tuple[list[SignedIn | None], Generation]:
    """Per login (in their order) its user as the rows say, and the counters the rows carry."""
    by_id = {row.id: row for row in rows}
    now = _counters(rows[0]) if rows else Generation(-1, -1)
    return [_signed_in(by_id.get(user_id), version) for user_id, version in logins], now


def _counters(row: Row[Any]) -> Generation:
    return Generation(-1 if row.figures is None else row.figures, -1 if row.states is None else row.states)


def _signed_in(found: Row[Any] | None, session_version: object) -> SignedIn | None:
    """The user of the row, unless disabled or signed out everywhere since the login session began."""
    if found is None or not found.active or found.session_version != session_version:
        return None
    return SignedIn(id=found.id, username=found.username, display_name=found.display_name, role=found.role,
                    unit_id=found.unit_id, unit_name=found.unit_name, unit_path=found.unit_path,
                    region_path=found.region_path)  # fmt: skip


@cache
def _signed_in_query() -> Select[*tuple[Any, ...]]:
    """Built once (a statement's construction costs more than its run): columns, not ORM rows."""
    figures, states = counter_columns()
    return (
        select(UserRow.id, UserRow.username, UserRow.display_name, UserRow.role, UserRow.unit_id, UserRow.active,
               UserRow.session_version, OrgUnitRow.name.label("unit_name"), OrgUnitRow.path.label("unit_path"),
               city_path_of(OrgUnitRow.path).label("region_path"), figures.label("figures"), states.label("states"))
        .outerjoin(OrgUnitRow, OrgUnitRow.id == UserRow.unit_id)
        .where(UserRow.id.in_(bindparam("user_ids", expanding=True)))
    )  # fmt: skip


def sign_out(*, session: Session, user_id: int) -> None:
    """Sign the user out everywhere: every session of theirs ends, recorded as user.logout."""
    user = session.get_one(UserRow, user_id)
    with audited(session, actor=user.id, action="user.logout", subject=user):
        end_sessions(session=session, user=user)


def end_sessions(*, session: Session, user: UserRow) -> None:
    """End every session of `user` (logout, password reset, disable): their cookies no longer sign in."""
    user.session_version = (user.session_version or 0) + 1


def set_password(*, session: Session, username: str, password: str, by: int | None = None) -> UserRow:
    """Replace a user's password; every open session of theirs ends."""
    user = _user(session, username)
    _check_password(password)
    with audited(session, actor=by, action="user.reset", subject=user):  # the hash itself is not kept
        user.password_hash = _hasher.hash(password)
        end_sessions(session=session, user=user)
    session.execute(delete(LoginFailureRow).where(LoginFailureRow.username == username))
    return user


def set_active(*, session: Session, username: str, active: bool, by: int | None = None) -> UserRow:
    """Enable or disable an account; either way every open session of theirs ends."""
    user = _user(session, username)
    with audited(session, actor=by, action="user.enable" if active else "user.disable", subject=user):
        user.active = active
        end_sessions(session=session, user=user)
    return user


def new_password() -> str:
    """A random password that meets the length rule."""
    return secrets.token_urlsafe(12)


def ensure_demo_users(*, session: Session, plan: Plan, data_dir: Path) -> Path:
    """Create demo accounts (office, leader, one reporter per county and one for the department leading the
    most indicators) with random passwords, once."""
    target = data_dir / "demo-accounts.txt"
    if target.exists() and session.scalar(select(UserRow).where(UserRow.username == "admin")):
        return target
    lines = ["# duban 演示账号（随机密码，仅用于演示）"]
    wanted: list[tuple[str, Role, str | None, str]] = [
        ("admin", Role.ADMIN, None, "督查室"),
        ("leader", Role.LEADER, None, "市领导"),
    ]
    wanted += [(f"county{i + 1:02d}", Role.REPORTER, c.name, c.name) for i, c in enumerate(plan.counties())]
    wanted += [("dept01", Role.REPORTER, name, name) for name in _busiest_department(plan)]
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


def _busiest_department(plan: Plan) -> list[str]:
    """The department leading the most indicators (the first in the plan's units on a tie), if any."""
    departments = [u.name for u in plan.units if u.kind is OrgKind.DEPARTMENT]
    led = Counter(ind.lead_unit for ind in plan.indicators())
    return sorted(departments, key=lambda name: -led[name])[:1]


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
    unit = unit_named(session=session, name=name)
    if unit is None:
        raise AccountError(f"单位“{name}”不存在")
    return unit


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
