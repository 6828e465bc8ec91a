"""Who may do what: one table of role × action × unit scope, asked by every route and service check.

A role reaches an action over ALL units, the SUBTREE under its unit (all of them for a user without a unit:
the province office; a city's office reaches its city and everything below), only its OWN unit, or NONE.
A plan's pages belong to the plan's unit (the unit its region names): a city's office reaches only its own
city's plans (`plan_refusal`), and actions of the whole deployment (accounts, settings) only without a unit. The web layer asks `require` (or the
`allow(action)` dependency built on it) before it acts; list pages ask `only_unit` for the unit they are
limited to, or ask `allowed` of each unit they may list. A reporter or leader of a city is bound to its
units (`Actor.region_path`) as its office is. A refusal is one error, `Refused`, answered with 403 and its Chinese message.

Changing who may do what means changing `RULES` here: the authorisation test matrix
(tests/security/test_authorisation.py) derives what it expects of every route and role from this table.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from duban.choices import ItemAction, Role


class Scope(StrEnum):
    """How far a role's reach goes for one action."""

    NONE = "none"
    OWN = "own"  # the user's own unit only
    SUBTREE = "subtree"  # the user's unit and every unit below it; every unit for a user without one
    ALL = "all"


class Action(StrEnum):
    """Everything the app lets someone do, named once."""

    SIGN_IN = "sign_in"  # the login form, health checks: no login needed
    SIGN_OUT = "sign_out"  # ends the caller's own sessions (a no-op for a visitor)
    CHECK_HEALTH = "check_health"  # /healthz and /readyz, for load balancers: no login needed
    READ_OPS = "read_ops"  # /metrics and the API description (the internal network may too)
    READ_DASHBOARD = (
        "read_dashboard"  # city-wide standing: dashboard, map, indicators, counties, plan, 报送情况
    )
    READ_FIGURES = "read_figures"  # a unit's figures, drafts, history, evidence files, its Excel template
    ENTER_FIGURES = "enter_figures"  # the entry form: type, check, save, upload a template
    SUBMIT = "submit"  # submit figures for review
    EDIT_EVIDENCE = "edit_evidence"  # add or remove evidence files of a figure
    WRITE_AFTER_DEADLINE = "write_after_deadline"  # held only to the lock, not to the deadline
    REVIEW = "review"  # approve or return figures, the review queue
    MANAGE_PERIODS = "manage_periods"  # lock and reopen reporting periods
    CHASE_REPORTS = "chase_reports"  # 催报: whom to remind, sending reminders
    SEE_CONTACTS = "see_contacts"  # units' contact people in 报送情况
    MANAGE_PLAN = "manage_plan"  # import, edit and revise the plan and its targets
    MANAGE_SETTINGS = "manage_settings"  # the office's settings page
    MANAGE_USERS = "manage_users"  # accounts: create, disable, reset passwords
    READ_SUPERVISION = "read_supervision"  # 督办 items, their replies and files
    READ_INBOX = "read_inbox"  # a unit's 督办 inbox and reminders (mark them read)
    HANDLE_SUPERVISION = "handle_supervision"  # 签收 and 反馈 a 督办 item
    DECIDE_SUPERVISION = "decide_supervision"  # 退回 and 办结 a 督办 item
    OPEN_SUPERVISION = "open_supervision"  # 立项交办 a 督办 item by hand
    READ_PROJECTS = "read_projects"  # the project ledger (项目库)
    EXPORT_REPORTS = "export_reports"  # download 督查通报 bulletins
    OPERATE_STORE = "operate_store"  # the command line's upgrade, backup, restore, demo and serve


_A, _S, _O, _N = Scope.ALL, Scope.SUBTREE, Scope.OWN, Scope.NONE
OFFICE_ONLY = "只有督查室可以进行此操作"
READ_ONLY_LEADER = "领导账号为只读，不能修改数据"
OTHER_REGION = "只能查看和办理本地区及所属单位的数据"


@dataclass(frozen=True)
class Rule:
    """How far each role reaches for one action, and what a refused user is told."""

    admin: Scope
    reporter: Scope
    leader: Scope
    other_unit: str = "只能查看本单位的数据"  # reaching past one's own unit
    no_role: str = OFFICE_ONLY  # the role has no reach at all
    public: bool = False  # allowed without signing in
    deployment: bool = False  # about the whole deployment, not a plan: a subtree reaches it only from the top

    def scope(self, role: Role) -> Scope:
        return {Role.ADMIN: self.admin, Role.REPORTER: self.reporter, Role.LEADER: self.leader}[role]


_WRITE = "只能填报和修改本单位的数据"
RULES: dict[Action, Rule] = {
    Action.SIGN_IN: Rule(_A, _A, _A, public=True),
    Action.SIGN_OUT: Rule(_A, _A, _A, public=True),
    Action.CHECK_HEALTH: Rule(_A, _A, _A, public=True),
    Action.READ_OPS: Rule(_S, _N, _N, no_role="只有督查室或内部网络可以访问", deployment=True),
    Action.READ_DASHBOARD: Rule(_S, _A, _A),
    Action.READ_FIGURES: Rule(_S, _O, _A),
    Action.ENTER_FIGURES: Rule(_S, _O, _N, other_unit=_WRITE, no_role=READ_ONLY_LEADER),
    Action.SUBMIT: Rule(_S, _O, _N, other_unit=_WRITE, no_role=READ_ONLY_LEADER),
    Action.EDIT_EVIDENCE: Rule(_S, _O, _N, other_unit=_WRITE, no_role=READ_ONLY_LEADER),
    Action.WRITE_AFTER_DEADLINE: Rule(_S, _N, _N),
    Action.REVIEW: Rule(_S, _N, _N),
    Action.MANAGE_PERIODS: Rule(_S, _N, _N),
    Action.CHASE_REPORTS: Rule(_S, _N, _N),
    Action.SEE_CONTACTS: Rule(_S, _N, _N),
    Action.MANAGE_PLAN: Rule(_S, _N, _N),
    Action.MANAGE_SETTINGS: Rule(_S, _N, _N, deployment=True),
    Action.MANAGE_USERS: Rule(_S, _N, _N, deployment=True),
    Action.READ_SUPERVISION: Rule(_S, _O, _A, other_unit="只能查看本单位的督办单"),
    Action.READ_INBOX: Rule(_S, _O, _A, other_unit="只能查看本单位的督办单"),
    Action.HANDLE_SUPERVISION: Rule(
        _S, _O, _N, other_unit="只有被督办单位可以签收和反馈", no_role="只有被督办单位可以签收和反馈"
    ),
    Action.DECIDE_SUPERVISION: Rule(_S, _N, _N),
    Action.OPEN_SUPERVISION: Rule(_S, _N, _N),
    Action.READ_PROJECTS: Rule(_S, _O, _A, other_unit="只能查看本县（市、区）的项目"),
    Action.EXPORT_REPORTS: Rule(_S, _O, _A, other_unit="只能下载本县（市、区）的督查通报"),
    Action.OPERATE_STORE: Rule(_A, _N, _N),  # the command line: whoever runs it on the server
}


# Which action each step on a 督办 item is: the unit signs and answers, the office returns and closes.
ITEM_STEPS: dict[ItemAction, Action] = {
    ItemAction.OPEN: Action.OPEN_SUPERVISION,
    ItemAction.SIGN: Action.HANDLE_SUPERVISION,
    ItemAction.ANSWER: Action.HANDLE_SUPERVISION,
    ItemAction.RETURN: Action.DECIDE_SUPERVISION,
    ItemAction.CLOSE: Action.DECIDE_SUPERVISION,
}


class Actor(Protocol):
    """Whoever asks: the signed-in user as the web layer knows them.

    Where a user reaches is held as paths of unit codes (530000/530600/530602), never as lists of unit ids:
    a unit is reached when its path is the user's path or starts with it (`within`)."""

    @property
    def role(self) -> Role: ...

    @property
    def unit_id(self) -> int | None: ...

    @property
    def unit_path(self) -> str | None:
        """The path of the user's unit (None: no unit): an office's subtree is every path below it."""
        ...

    @property
    def region_path(self) -> str | None:
        """The path of the user's city (the nearest province or city at or above their unit): all a user of
        a city ever reaches lies at or below it (None: no unit, or a unit under no city)."""
        ...

    def path_of(self, unit: int) -> str | None:
        """The path of the unit `unit` (None: no such unit), asked only when a unit is not the user's own."""
        ...


def within(path: str | None, top: str | None) -> bool:
    """Whether the unit at `path` is the unit at `top` or below it: one path is a prefix of the other."""
    return path is not None and top is not None and (path == top or path.startswith(f"{top}/"))


class Refused(Exception):
    """The policy refuses the action; the message (Chinese) is for the user. Answered with 403."""


ANY_UNIT = object()  # `unit` not given: the action as a whole, whatever unit it will touch


def scope(role: Role, action: Action) -> Scope:
    """How far `role` reaches for `action`."""
    return RULES[action].scope(role)


def is_public(action: Action) -> bool:
    """Whether the action needs no login."""
    return RULES[action].public


def refusal(user: Actor | None, action: Action, unit: int | object | None = ANY_UNIT) -> str | None:
    """Why `user` may not take `action` (on `unit`'s objects; None: city-wide ones), or None if they may.

    Without `unit`, whether the role may take the action at all (the route's gate before the unit is known).
    """
    rule = RULES[action]
    if user is None:
        return None if rule.public else "请先登录"
    reach = rule.scope(user.role)
    if reach is Scope.NONE:
        return rule.no_role
    if isinstance(unit, int) and not _reaches(user, unit, user.region_path):
        return OTHER_REGION  # another city's unit, whatever the role's reach within a city
    if reach is Scope.ALL or unit is ANY_UNIT or (reach is Scope.SUBTREE and user.unit_id is None):
        return None
    if reach is Scope.SUBTREE:
        return None if isinstance(unit, int) and _reaches(user, unit, user.unit_path) else OTHER_REGION
    return None if unit is not None and unit == user.unit_id else rule.other_unit


def _reaches(user: Actor, unit: int, top: str | None) -> bool:
    """Whether `unit` lies at or below the path `top` (None: no bound); the user's own unit always does."""
    return top is None or unit == user.unit_id or within(user.path_of(unit), top)


def bound_to_subtree(user: Actor | None, action: Action) -> bool:
    """Whether `user` reaches `action` only within the subtree of a unit (a city's office)."""
    return user is not None and user.unit_id is not None and RULES[action].scope(user.role) is Scope.SUBTREE


def plan_refusal(user: Actor | None, action: Action, plan_path: str | None) -> str | None:
    """Why `user` may not take `action` on a plan whose region is the unit at `plan_path` (None: no unit),
    or on the deployment as a whole; None if they may.

    A city's office reaches the plans of its subtree, and the deployment only from the top; a city's users
    reach their city's plans, and a plan above their city (the province's, broken down to it) only for what
    the role does on its own unit (a reporter's figures, a unit's 督办 inbox)."""
    if bound_to_subtree(user, action):
        assert user is not None
        if RULES[action].deployment or not within(plan_path, user.unit_path):
            return refusal(user, action, None)
        return None
    if user is None or user.region_path is None or RULES[action].public or plan_path is None:
        return None
    if within(plan_path, user.region_path):
        return None
    if within(user.region_path, plan_path) and scope(user.role, action) is Scope.OWN:
        return None
    return OTHER_REGION


def allowed(user: Actor | None, action: Action, unit: int | object | None = ANY_UNIT) -> bool:
    """Whether `user` may take `action` (on `unit`'s objects, when given)."""
    return refusal(user, action, unit) is None


def require(user: Actor | None, action: Action, unit: int | object | None = ANY_UNIT) -> None:
    """Raise Refused unless `user` may take `action` (on `unit`'s objects, when given)."""
    reason = refusal(user, action, unit)
    if reason is not None:
        raise Refused(reason)


def refuse_if(reason: str | None) -> None:
    """Raise Refused with `reason`, if there is one."""
    if reason is not None:
        raise Refused(reason)


def only_unit(user: Actor, action: Action) -> int | None:
    """The one unit a list for `action` is limited to (0: a unit's user without a unit), or None for a list
    of several units (each asked with `allowed`: an office's subtree, a city's units, or all)."""
    require(user, action)
    return (user.unit_id or 0) if scope(user.role, action) is Scope.OWN else None
