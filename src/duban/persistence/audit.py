"""The audit trail: every change keeps who, when, the old and new values and why.

One mechanism writes it. A service opens `audited(session, actor=..., action=..., reason=...)` around a
change; a session event (after every flush) collects, for each row of an audited table the change
inserted, updated or deleted, the before and after values of its audited columns, and the scope writes
one audit row per record when it ends, in the caller's transaction. A row changed or deleted outside
any scope is still recorded (action `<entity>.change`, no actor): no write path can forget the trail
(rows created outside a scope are part of a larger write, such as loading a plan, audited as a whole).
What no table holds (a reminder sent, a bulletin number, a summary) the service adds as facts of the
scope's subject; `record_event` records a happening that changes no audited row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from duban.persistence.models import AuditRow, EntryRow, PeriodRow, UserRow
from duban.persistence.project_models import ProjectRow
from duban.persistence.reporting_models import EvidenceRow, OfficeSettingRow
from duban.persistence.revision_models import PlanRevisionRow, TargetRevisionRow
from duban.persistence.supervision_models import SupervisionItemRow
from duban.plan.units import exact_number

_SCOPES = "duban.audit.scopes"  # session.info key: the open scopes, innermost last


@dataclass(frozen=True)
class Audited:
    """How one table's rows appear in the trail: under which entity, with which values."""

    entity: str
    columns: Mapping[str, str]  # payload key -> column: the values recorded when they change
    always: tuple[str, ...] = ()  # payload keys recorded in `old` and `new` whether they changed or not
    owner: Callable[[Any], int | None] | None = None  # the entity id, for a row recorded under another's

    def entity_id(self, row: Any) -> int | None:
        """The id the trail files the row's change under."""
        return self.owner(row) if self.owner else _identity(row)[0]


_FIGURE = {"value": "value", "numerator": "numerator", "denominator": "denominator", "stage": "stage",
           "stage_date": "stage_date", "note": "note"}  # fmt: skip
_PROJECT_COLUMNS = ("code", "name", "county_id", "category", "kind", "two_major", "provincial_major", "cluster",
                    "owner", "investor", "total_investment", "year_plan")  # fmt: skip
AUDITED: dict[type, Audited] = {
    EntryRow: Audited("entry", {**_FIGURE, "state": "state"}, always=tuple(_FIGURE)),
    EvidenceRow: Audited(
        "entry",
        {"evidence_id": "id", "filename": "filename", "sha256": "sha256", "size": "size"},
        owner=lambda row: row.entry_id,
    ),
    PeriodRow: Audited("period", {"locked": "locked"}, always=("locked",)),
    UserRow: Audited(
        "user", {key: key for key in ("username", "display_name", "role", "unit_id", "email", "active")}
    ),
    SupervisionItemRow: Audited(
        "supervision_item",
        {
            key: key
            for key in ("key", "cause", "unit_id", "title", "deadline", "colour", "state", "cause_cleared_on")
        },
        always=("state",),
    ),
    OfficeSettingRow: Audited(
        "plan",
        {key: key for key in ("current_month", "include_submitted", "carry_forward")},
        owner=lambda row: row.plan_id,
    ),
    ProjectRow: Audited("project", {key: key for key in _PROJECT_COLUMNS}),
    PlanRevisionRow: Audited(
        "plan_revision", {"effective_month": "effective_month", "state": "state"}, always=("state",)
    ),
    TargetRevisionRow: Audited(
        "target_revision",
        {"target": "new_value", "effective_month": "effective_month", "state": "state"},
        always=("state",),
    ),
}


def _keep_old_value(_row: Any, value: Any, _old: Any, _initiator: Any) -> Any:
    return value


for _model, _spec in AUDITED.items():
    for _column in _spec.columns.values():
        # load the value a change replaces even when the row was expired (by a commit): the trail needs it
        event.listen(getattr(_model, _column), "set", _keep_old_value, active_history=True, retval=True)


@dataclass
class _Change:
    """One record's change within a scope: its values before the scope's first flush and after its last."""

    entity: str
    row: Any = None
    old: dict[str, Any] | None = None
    new: dict[str, Any] | None = None
    inserted: bool = False


@dataclass
class Scope:
    """One audited change: who, what, why; and the facts about its subject no column holds."""

    actor: int | None
    action: str
    reason: str | None
    subject: Any = None  # a row of an audited table, or (entity, id)
    old: dict[str, Any] = field(default_factory=dict)
    new: dict[str, Any] = field(default_factory=dict)
    changes: dict[tuple[type, Any], _Change] = field(default_factory=dict)


@contextmanager
def audited(
    session: Session,
    *,
    actor: int | None,
    action: str,
    reason: str | None = None,
    subject: Any = None,
    old: Mapping[str, Any] | None = None,
    new: Mapping[str, Any] | None = None,
) -> Iterator[Scope]:
    """Record every audited row the block changes as `action` by `actor`, one audit row per record."""
    scope = Scope(actor, action, reason, subject, dict(old or {}), dict(new or {}))
    scopes = session.info.setdefault(_SCOPES, [])
    scopes.append(scope)
    try:
        yield scope
        session.flush()
    finally:
        scopes.remove(scope)
    session.add_all(_audit_rows(scope))


def record_event(
    session: Session,
    *,
    actor: int | None,
    action: str,
    subject: Any,
    reason: str | None = None,
    old: Mapping[str, Any] | None = None,
    new: Mapping[str, Any] | None = None,
) -> None:
    """Record a happening that changes no audited row (a reminder sent, a number issued) about `subject`."""
    session.add_all(_audit_rows(Scope(actor, action, reason, subject, dict(old or {}), dict(new or {}))))


def history(
    *, session: Session, entity: str, entity_id: int, until: datetime | None = None
) -> list[AuditRow]:
    """The changes to one record, oldest first, optionally only those up to `until`."""
    query = select(AuditRow).where(AuditRow.entity == entity, AuditRow.entity_id == entity_id)
    if until is not None:
        query = query.where(AuditRow.at <= until)
    return list(session.scalars(query.order_by(AuditRow.at, AuditRow.id)))


def plain_number(number: Decimal | None) -> str | None:
    """A stored amount as text without trailing zeros ('365', not '365.000000'); None stays None."""
    return None if number is None else exact_number(Decimal(number))


@event.listens_for(Session, "after_flush")
def _collect(session: Session, _context: Any) -> None:
    # the rows' attribute history still holds what the flush changed (reset only after this event)
    scopes = session.info.get(_SCOPES)
    loose: dict[tuple[type, Any], _Change] = {}
    into = scopes[-1].changes if scopes else loose
    for rows, how in ((session.new, "insert"), (session.dirty, "update"), (session.deleted, "delete")):
        for row in rows:
            spec = AUDITED.get(type(row))
            if spec is not None and (scopes or how != "insert"):
                _merge(into, row, spec, how)
    if loose:
        session.add_all(_audit_rows(Scope(None, "", None, changes=loose)))


def _merge(into: dict[tuple[type, Any], _Change], row: Any, spec: Audited, how: str) -> None:
    old, new = _before_after(row, spec, how)
    if old == new:
        return
    change = into.setdefault((type(row), _identity(row)), _Change(spec.entity, inserted=how == "insert"))
    change.row = row
    if how == "delete":
        change.new = None
    else:
        change.new = {**(change.new or {}), **(new or {})}
    if not change.inserted:
        change.old = {**(old or {}), **(change.old or {})}  # the first flush's old values win


def _before_after(row: Any, spec: Audited, how: str) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    if how != "update":
        values = {key: _jsonable(getattr(row, column)) for key, column in spec.columns.items()}
        return (None, values) if how == "insert" else (values, None)
    old: dict[str, Any] = {}
    new: dict[str, Any] = {}
    for key, column in spec.columns.items():
        changed = inspect(row).attrs[column].history
        if changed.has_changes():
            old[key] = _jsonable(changed.deleted[0] if changed.deleted else None)
            new[key] = _jsonable(changed.added[0] if changed.added else None)
    if not new:
        return None, None
    return {**{key: _jsonable(getattr(row, spec.columns[key])) for key in spec.always}, **old}, new


def _audit_rows(scope: Scope) -> list[AuditRow]:
    rows = []
    found = next(
        (key for key, change in scope.changes.items() if _is_subject(scope.subject, key, change)), None
    )
    for index, (key, change) in enumerate(scope.changes.items()):
        rows.append(_audit_row(scope, change, facts=key == found or (scope.subject is None and index == 0)))
    if scope.subject is not None and found is None:
        rows.append(
            _audit_row(scope, _unchanged(scope.subject), facts=True, entity_id=_subject_id(scope.subject))
        )
    return rows


def _is_subject(subject: Any, key: tuple[type, Any], change: _Change) -> bool:
    """Whether a change is of the scope's subject, given as a row or as (entity, id)."""
    if not isinstance(subject, tuple):
        return subject is not None and key == _subject_key(subject)
    spec = AUDITED.get(type(change.row))
    return spec is not None and (change.entity, spec.entity_id(change.row)) == subject


def _unchanged(subject: Any) -> _Change:
    """The subject's row when the scope changed none of its values: its `always` values, before and after."""
    if isinstance(subject, tuple):
        return _Change(subject[0])
    spec = AUDITED[type(subject)]
    always = {key: _jsonable(getattr(subject, spec.columns[key])) for key in spec.always}
    return _Change(spec.entity, subject, old=always or None, new={} if always else None)


def _audit_row(scope: Scope, change: _Change, facts: bool, entity_id: int | None = None) -> AuditRow:
    spec = AUDITED.get(type(change.row))
    old, new = change.old, change.new
    if spec is not None and new is not None:
        new = {**{key: _jsonable(getattr(change.row, spec.columns[key])) for key in spec.always}, **new}
    if facts and scope.old:
        old = {**(old or {}), **_jsonable_dict(scope.old)}
    if facts and scope.new:
        new = {**(new or {}), **_jsonable_dict(scope.new)}
    return AuditRow(
        user_id=scope.actor, action=scope.action or f"{change.entity}.change", entity=change.entity,
        entity_id=spec.entity_id(change.row) if spec is not None else entity_id,
        old=old, new=new, reason=scope.reason,
    )  # fmt: skip


def _subject_key(subject: Any) -> tuple[type, Any] | None:
    if subject is None or isinstance(subject, tuple):
        return None
    return type(subject), _identity(subject)


def _identity(row: Any) -> tuple[Any, ...]:
    # the primary key as the flush set it (the identity key is set only after the flush's events)
    return tuple(inspect(row).mapper.primary_key_from_instance(row))


def _subject_id(subject: Any) -> int | None:
    return subject[1] if isinstance(subject, tuple) else AUDITED[type(subject)].entity_id(subject)


def _jsonable_dict(data: Mapping[str, Any]) -> dict[str, Any]:
    return {key: _jsonable(value) for key, value in data.items()}


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return plain_number(value)
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return _jsonable_dict(value)
    return value if isinstance(value, int | float | str | bool | type(None)) else str(value)
