"""Logins, signed-cookie sessions, CSRF tokens and who may touch what.

Sessions live in a signed, HttpOnly, SameSite cookie holding the user id, the account's session
version and a CSRF token; the account is re-read on every request, and logout, a password reset or
disabling the account move the version on, so every earlier cookie stops working at once.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request
from fastapi.responses import RedirectResponse

from duban.choices import Role
from duban.persistence.db import Session, Sessions
from duban.persistence.generation import Generation
from duban.persistence.loopreads import LoopReader
from duban.persistence.storedrows import read_at
from duban.policy import RULES, Action, allowed, is_public, plan_refusal, refuse_if, require
from duban.services import users
from duban.services.locks import Writer
from duban.services.units import unit_path
from duban.services.users import SignedIn
from duban.settings import Settings, SharedKeyMissing, secret_key  # noqa: F401 (the key lives in settings)

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


@dataclass(frozen=True)
class CurrentUser:
    """The signed-in user as the request sees them."""

    id: int
    username: str
    display_name: str
    role: Role
    unit_id: int | None
    unit_name: str | None
    unit_path: str | None = None  # an office's subtree: every unit at or below this path
    region_path: str | None = None  # the user's city (policy.Actor.region_path)
    paths: Callable[[int], str | None] = field(default=lambda _unit: None, compare=False, repr=False)

    def path_of(self, unit: int) -> str | None:
        """The path of the unit `unit`, read in the request's session (policy.Actor.path_of)."""
        return self.paths(unit)

    @property
    def is_admin(self) -> bool:
        """Whether the user is the office (for wording and layout; authorisation asks `duban.policy`)."""
        return self.role is Role.ADMIN


class LoginRequired(Exception):
    """Raised by page dependencies; turned into a redirect to the login page."""


def db_session(request: Request) -> Session:
    """The request's database session, opened by the app's middleware."""
    session: Session = request.state.db
    return session


async def request_db(request: Request) -> Session:
    """`db_session` as a route dependency: on the event loop (a plain `def` costs a worker thread's turn)."""
    return db_session(request)


def csrf_token(request: Request) -> str:
    """The session's CSRF token, created on first use."""
    token = request.session.get(CSRF_FIELD)
    if not token:
        token = secrets.token_urlsafe(32)
        request.session[CSRF_FIELD] = token
    return str(token)


async def csrf_protect(request: Request) -> None:
    """Refuse a state-changing request whose CSRF token (header or form field) is missing or wrong."""
    if request.method not in UNSAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and _is_form(request):
        sent = str((await request.form()).get(CSRF_FIELD) or "")
    expected = request.session.get(CSRF_FIELD) or ""
    if not sent or not expected or not hmac.compare_digest(sent, expected):
        raise HTTPException(status_code=403, detail="安全校验失败（CSRF），请刷新页面后重试")


def _is_form(request: Request) -> bool:
    kind = request.headers.get("content-type", "")
    return kind.startswith(("application/x-www-form-urlencoded", "multipart/form-data"))


def optional_user(request: Request) -> CurrentUser | None:
    """The signed-in, still active user, or None; read once per request."""
    if not hasattr(request.state, "user"):
        request.state.user = _signed_in(request)
    user: CurrentUser | None = request.state.user
    return user


def _signed_in(request: Request) -> CurrentUser | None:
    """The session's user, read on a session of its own whose connection goes back to the pool at once.

    The request's own session would keep its connection while the request waits for a worker thread;
    with every thread waiting for a connection that no running request gives back, the server stalls.
    A request without a login reads nothing and keeps its session (the login form's CSRF token).
    """
    if "user_id" not in request.session:
        return None
    return signed_in_all([request])[0][0]


def signed_in_all(requests: Sequence[Request]) -> list[tuple[CurrentUser | None, Generation]]:
    """For requests of one app, each with a login session: its user (kept on the request, as `optional_user`
    reads it) and the generation counters, in one statement for all of them on a session of its own."""
    return _as_found(requests, *_logins_found(requests))


async def signed_in_on_loop(
    requests: Sequence[Request], reader: LoopReader
) -> list[tuple[CurrentUser | None, Generation]]:
    """`signed_in_all`, read on the event loop (PostgreSQL: `persistence.loopreads`)."""
    logins = _logins(requests)
    return _as_found(
        requests, *await reader.read(lambda c: users.signed_in_all_on(connection=c, logins=logins))
    )


def _logins(requests: Sequence[Request]) -> list[tuple[int, object]]:
    return [(r.session["user_id"], r.session.get("session_version")) for r in requests]


def _as_found(
    requests: Sequence[Request], found: Sequence[SignedIn | None], now: Generation
) -> list[tuple[CurrentUser | None, Generation]]:
    """Per request its user, kept on it (its login session cleared when it no longer signs in), and the counters."""
    answers: list[tuple[CurrentUser | None, Generation]] = []
    for request, signed_in in zip(requests, found, strict=True):
        user = _current(signed_in, request) if signed_in is not None else None
        if user is None:
            request.session.clear()
        request.state.user = user
        request.state.generation = now
        answers.append((user, now))
    return answers


def _logins_found(requests: Sequence[Request]) -> tuple[list[SignedIn | None], Generation]:
    """The users the requests' login sessions name, and the counters, read on a session of its own."""
    sessions: Sessions = requests[0].app.state.sessions
    with sessions() as session:
        # a session for this one read: outside a transaction, one round trip on PostgreSQL (not BEGIN, the
        # read, ROLLBACK); never a request's own session, whose writes must stay in one transaction
        session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        return users.signed_in_all(session=session, logins=_logins(requests))


def _current(found: SignedIn, request: Request) -> CurrentUser:
    return CurrentUser(
        id=found.id, username=found.username, display_name=found.display_name or found.username,
        role=Role(found.role), unit_id=found.unit_id, unit_name=found.unit_name, unit_path=found.unit_path,
        region_path=found.region_path, paths=lambda unit: unit_path(session=db_session(request), unit_id=unit),
    )  # fmt: skip


def login_generation(request: Request) -> Generation | None:
    """The generation counters the request's login read saw (read before anything else of the request), if any."""
    generation: Generation | None = getattr(request.state, "generation", None)
    return generation


def require_user(
    request: Request, user: Annotated[CurrentUser | None, Depends(optional_user)]
) -> CurrentUser:
    """The signed-in user; pages redirect to the login form, the API answers 401."""
    if user is None:
        if request.url.path.startswith("/api/"):
            raise HTTPException(status_code=401, detail="请先登录")
        raise LoginRequired
    return user


PolicyGate = Callable[..., CurrentUser]


@cache
def allow(action: Action, *, plan: bool = True) -> PolicyGate:
    """The route dependency for `action`: the signed-in user, if the policy lets their role take it at all.

    Every route names its action this way (the authorisation tests read it back from `app.routes`); a route
    whose objects belong to a unit then asks `policy.require(user, action, unit_id)` once it knows the unit.
    With `plan` False the route chooses no plan (one figure, file or 督办 item by its id, bound by its unit):
    the gate reads none for it; a plan chosen all the same is checked where it is chosen (pages.common).
    """

    def gate(request: Request) -> CurrentUser:
        # the login read, the policy and the plan on one worker thread's turn, not three (FastAPI runs each
        # plain `def` dependency in a turn of its own, and under load each turn is a wait in the queue)
        user = require_user(request, optional_user(request))
        require(user, action)
        read_at(session=db_session(request), at=login_generation(request))  # its plan and periods, remembered
        request.state.action = (
            action  # the request's plan is checked for it where it is chosen (pages.common)
        )
        if user.unit_id is not None:  # a city's users: their own city's plans, never the deployment's
            if RULES[action].deployment:
                refuse_if(plan_refusal(user, action, None))
            elif plan:
                request.app.state.check_plan(request)  # the plan the route then reads: no second query
                _give_connection_back(request)
        return user

    gate.policy_action = action  # type: ignore[attr-defined]
    gate.reads_plan = plan  # type: ignore[attr-defined]
    gate.__name__ = f"allow_{action.value}"
    return gate


def _give_connection_back(request: Request) -> None:
    """End the gate's read (it writes nothing), so the request holds no connection while it waits for the
    route's own thread turn: once as many requests waited for a turn as the pool has connections, every thread
    waited for a connection (DUBAN_WORKER_THREADS=8 at 80 reporters: save p95 20 s, 115 answers 503). The
    plan read stays loaded (sessions keep their objects on commit)."""
    session = db_session(request)
    if session.in_transaction():
        session.commit()


@cache
def allow_anyone(action: Action) -> Callable[[], None]:
    """The route dependency for a public `action` (no login needed, nothing read): names the action."""
    assert is_public(action), f"{action} needs a login: use allow()"

    def gate() -> None:
        return None

    gate.policy_action = action  # type: ignore[attr-defined]
    gate.__name__ = f"allow_anyone_{action.value}"
    return gate


def allow_internal(request: Request) -> None:
    """/metrics and the API description: from DUBAN_INTERNAL_NETWORKS, or as the policy allows READ_OPS."""
    if not _internal(request):
        user = optional_user(request)
        require(user, Action.READ_OPS)
        refuse_if(plan_refusal(user, Action.READ_OPS, None))  # the whole deployment's: the top office's


allow_internal.policy_action = Action.READ_OPS  # type: ignore[attr-defined]


def writer_for(user: CurrentUser, today: date) -> Writer:
    """The writer the lock rule sees: held to the deadline unless the policy lets the role write after it."""
    return Writer(user_id=user.id, admin=allowed(user, Action.WRITE_AFTER_DEADLINE), today=today)


def require_admin(user: Annotated[CurrentUser, Depends(require_user)]) -> CurrentUser:
    """Office only, for routes not yet naming their action: the authorisation test fails on a route using it."""
    require(user, Action.MANAGE_SETTINGS)
    return user


def _internal(request: Request) -> bool:
    settings: Settings = request.app.state.settings
    try:
        address = ipaddress.ip_address(client_address(request))
    except ValueError:
        return False
    networks = (n.strip() for n in settings.internal_networks.split(",") if n.strip())
    return any(address in ipaddress.ip_network(n, strict=False) for n in networks)


def client_address(request: Request) -> str:
    """The client's address (behind a proxy, uvicorn reads it from X-Forwarded-For of trusted proxies)."""
    return request.client.host if request.client else "unknown"


def login_redirect(request: Request) -> RedirectResponse:
    return RedirectResponse(f"/login?next={quote(str(request.url.path))}", status_code=303)
