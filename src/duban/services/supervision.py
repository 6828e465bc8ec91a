"""Supervision items in the store: opened by the rules, handled step by step, every step audited.

A situation (subject + episode) is stored under a unique key, so running the rules twice, or on two
servers at once, never opens the same item twice. An episode ends when a run finds the subject's
cause gone; an open item whose cause has gone is flagged for the office, never closed by itself.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections import Counter, defaultdict
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from duban.choices import Colour, ItemAction, ItemCause, ItemState
from duban.persistence.audit import Scope, audited, history, record_event
from duban.persistence.models import AuditRow, IndicatorRow, OrgUnitRow, PeriodRow, PlanRow, UserRow, utcnow
from duban.persistence.supervision_models import (
    SupervisionItemRow,
    SupervisionReminderRow,
    SupervisionReplyRow,
)
from duban.services.overview import Overview, period_overview
from duban.services.plans import rules_of, save_rules  # noqa: F401 (the rules are stored with the plan)
from duban.storage import EvidenceStorage, LocalStorage
from duban.supervision.colours import UNIT_TURN, item_colour
from duban.supervision.rules import SupervisionRules
from duban.supervision.situations import (
    Assessment,
    MissingReport,
    ProjectAlert,
    Situation,
    Standing,
    lag_situations,
    project_situations,
    report_situations,
)
from duban.supervision.workflow import ItemError, next_state, require_text

ENTITY = "supervision_item"
OPEN_STATES = (ItemState.PENDING.value, ItemState.HANDLING.value, ItemState.ANSWERED.value)
REPLY_TYPES = ((b"%PDF-", "application/pdf"), (b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png"),
               (b"PK\x03\x04", "application/octet-stream"), (b"\xd0\xcf\x11\xe0", "application/octet-stream"))  # fmt: skip
EVIDENCE_SIGNATURES = tuple(magic for magic, _ in REPLY_TYPES)
EVIDENCE_KINDS = "PDF、JPG、PNG、Word/Excel/WPS 文档"


@dataclass
class RuleRun:
    """What one run of the rules did."""

    month: int
    opened: list[int] = field(default_factory=list)
    flagged: list[int] = field(default_factory=list)
    unflagged: list[int] = field(default_factory=list)
    recoloured: list[int] = field(default_factory=list)
    fired: int = 0


@dataclass(frozen=True)
class Evidence:
    """An uploaded evidence file."""

    name: str
    content: bytes


# ── Rules ────────────────────────────────────────────────────────────────────


# ── Running the rules ────────────────────────────────────────────────────────


def apply_rules(
    *,
    session: Session,
    plan_row: PlanRow,
    month: int,
    today: date,
    projects: list[ProjectAlert] | None = None,
) -> RuleRun:
    """Open items for new situations in `month`, flag items whose cause has gone, refresh colours."""
    rules = rules_of(session=session, plan_id=plan_row.id)
    assessment = assess(session=session, plan_row=plan_row, month=month, today=today, rules=rules)
    assessment = assessment.merge(project_situations(alerts=projects or [], month=month, rules=rules))
    run = RuleRun(month=month, fired=len(assessment.fired))
    for situation in assessment.fired:
        item = open_item(session=session, plan_id=plan_row.id, situation=situation, today=today, rules=rules)
        if item is not None:
            run.opened.append(item.id)
    _update_flags(session, plan_row.id, assessment, month, today, run)
    run.recoloured = refresh_colours(session=session, plan_id=plan_row.id, today=today)
    return run


def assess(
    *, session: Session, plan_row: PlanRow, month: int, today: date, rules: SupervisionRules
) -> Assessment:
    """The lagging targets and late reports of `month`, judged from the period overviews."""
    months = _window(session, plan_row.id, month, rules.behind_periods or 1)
    overviews = {m: period_overview(session=session, plan_row=plan_row, month=m, today=today) for m in months}
    found = lag_situations(standings=_standings(overviews, month), month=month, rules=rules)
    deadlines = _deadlines(session, plan_row.id)
    missing = [
        MissingReport(unit=line.unit, month=m, deadline=deadlines[m], missing=line.missing)
        for m, overview in overviews.items() if m in deadlines for line in overview.reporting
    ]  # fmt: skip
    return found.merge(report_situations(missing=missing, today=today, rules=rules))


def _window(session: Session, plan_id: int, month: int, size: int) -> list[int]:
    """The last `size` reporting periods up to `month`."""
    stored = session.scalars(
        select(PeriodRow.month).where(PeriodRow.plan_id == plan_id, PeriodRow.month <= month)
    )
    months = sorted(set(stored) | {month})
    return months[-size:]


def _deadlines(session: Session, plan_id: int) -> dict[int, date]:
    rows = session.execute(select(PeriodRow.month, PeriodRow.deadline).where(PeriodRow.plan_id == plan_id))
    return {m: d for m, d in rows}


def _standings(overviews: dict[int, Overview], month: int) -> list[Standing]:
    statuses: defaultdict[tuple[str, str], dict[int, Any]] = defaultdict(dict)
    for m, overview in overviews.items():
        for line in overview.indicators:
            for unit in line.units:
                statuses[(line.indicator.id, unit.unit)][m] = unit.judgement.status
    return [
        Standing(indicator=line.indicator.id, name=line.indicator.name, unit=unit.unit,
                 statuses=statuses[(line.indicator.id, unit.unit)], aspiration=line.indicator.aspiration)
        for line in overviews[month].indicators for unit in line.units
    ]  # fmt: skip


def open_item(
    *, session: Session, plan_id: int, situation: Situation, today: date, rules: SupervisionRules,
    user_id: int | None = None,
) -> SupervisionItemRow | None:  # fmt: skip
    """Open an item for `situation` unless its current episode already has one; None when not opened."""
    latest = _latest_item(session, situation.subject)
    if latest is not None and (latest.state != ItemState.CLOSED or latest.cause_cleared_on is None):
        _note_seen(latest, situation)
        return None
    # From the latest key, not a count: a count read after another server committed would give a fresh
    # key and a second item, while the same key makes the unique index refuse it.
    episode = 1 if latest is None else _episode(latest) + 1
    item = _new_item(session, plan_id, situation, f"{situation.subject}#{episode}", today, rules, user_id)
    try:
        with _step(session, item, user_id, ItemAction.OPEN, situation.ask), session.begin_nested():
            session.add(item)
            session.flush()
    except IntegrityError:
        return None  # another run opened it a moment ago
    return item


LEVELS = {Colour.BLUE: "提醒", Colour.YELLOW: "督办", Colour.RED: "挂牌督办"}
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


@dataclass(frozen=True)
class ManualItem:
    """What the office writes on a 督办单 it opens by hand."""

    unit_id: int
    title: str
    ask: str
    deadline: date | None
    level: str
    indicator: str = ""
    project: str = ""


def open_manual_item(
    *, session: Session, plan_id: int, month: int, draft: ManualItem, today: date, user_id: int | None,
    token: str | None = None,
) -> SupervisionItemRow:  # fmt: skip
    """Open an item the office writes by hand (督查室交办); the same form token opens it only once."""
    unit = session.get(OrgUnitRow, draft.unit_id)
    if unit is None:
        raise ItemError("督办对象（单位）不存在，请重新选择")
    if draft.level not in {c.value for c in LEVELS}:
        raise ItemError("督办等级只能是提醒、督办或挂牌督办")
    if draft.deadline is None or draft.deadline < today:
        raise ItemError(f"办理期限必须是今天（{today}）或以后的日期")
    indicator_id = _indicator_id(session, plan_id, draft.indicator.strip())
    subject = f"manual:{token if token and _TOKEN.match(token) else secrets.token_hex(12)}"
    existing = _latest_item(session, subject)
    if existing is not None:
        return existing  # the same form sent twice (a double click): one item
    level = Colour(draft.level)
    rules = rules_of(session=session, plan_id=plan_id)
    colour = item_colour(cause_colour=level, state=ItemState.PENDING, deadline=draft.deadline, today=today,
                         rules=rules)  # fmt: skip
    item = SupervisionItemRow(
        plan_id=plan_id, key=f"{subject}#1", subject=subject, cause=ItemCause.MANUAL.value, unit_id=unit.id,
        indicator_id=indicator_id, project_code=draft.project.strip()[:100] or None, month=month,
        title=require_text(draft.title, "督办事项")[:500], ask=require_text(draft.ask, "督办要求"),
        deadline=draft.deadline, severity=level.value, colour=colour.value if colour else None,
        state=ItemState.PENDING.value, last_seen_month=month, returns=0, opened_by=user_id,
    )  # fmt: skip
    try:
        with (
            _step(session, item, user_id, ItemAction.OPEN, item.ask, {"level": LEVELS[level]}),
            session.begin_nested(),
        ):
            session.add(item)
            session.flush()
    except IntegrityError:
        found = _latest_item(session, subject)  # sent twice at once: the other request opened it
        if found is None:
            raise
        return found
    return item


def _indicator_id(session: Session, plan_id: int, code: str) -> int | None:
    if not code:
        return None
    found = session.scalar(
        select(IndicatorRow.id).where(IndicatorRow.plan_id == plan_id, IndicatorRow.code == code)
    )
    if found is None:
        raise ItemError(f"指标“{code}”不在本年度计划中")
    return found


def _episode(item: SupervisionItemRow) -> int:
    """The episode number an item's key ends with ("subject#2" → 2)."""
    return int(item.key.rsplit("#", 1)[1])


def _latest_item(session: Session, subject: str) -> SupervisionItemRow | None:
    query = select(SupervisionItemRow).where(SupervisionItemRow.subject == subject)
    return session.scalars(query.order_by(SupervisionItemRow.id.desc())).first()


def _note_seen(item: SupervisionItemRow, situation: Situation) -> None:
    if situation.month >= item.last_seen_month:
        item.last_seen_month, item.severity = situation.month, situation.severity.value


def _new_item(
    session: Session, plan_id: int, situation: Situation, key: str, today: date, rules: SupervisionRules,
    user_id: int | None,
) -> SupervisionItemRow:  # fmt: skip
    unit_id = session.scalar(select(OrgUnitRow.id).where(OrgUnitRow.name == situation.unit))
    if unit_id is None:
        raise ItemError(f"督办对象“{situation.unit}”不是已登记的单位")
    indicator_id = situation.indicator and session.scalar(
        select(IndicatorRow.id).where(
            IndicatorRow.plan_id == plan_id, IndicatorRow.code == situation.indicator
        )
    )
    deadline = date.fromordinal(today.toordinal() + rules.reply_days)
    colour = item_colour(cause_colour=situation.severity, state=ItemState.PENDING, deadline=deadline,
                         today=today, rules=rules)  # fmt: skip
    return SupervisionItemRow(
        plan_id=plan_id, key=key, subject=situation.subject, cause=situation.cause.value, unit_id=unit_id,
        indicator_id=indicator_id or None, project_code=situation.project, month=situation.month,
        title=situation.title, ask=situation.ask, deadline=deadline, severity=situation.severity.value,
        colour=colour.value if colour else None, state=ItemState.PENDING.value, last_seen_month=situation.month,
        returns=0, opened_by=user_id,
    )  # fmt: skip


def _update_flags(
    session: Session, plan_id: int, assessment: Assessment, month: int, today: date, run: RuleRun
) -> None:
    """End the episode of every looked-at subject whose cause has gone; take back flags whose cause is back."""
    for item in _latest_per_subject(session, plan_id):
        if item.subject not in assessment.evaluated or month < item.last_seen_month:
            continue
        live = assessment.live.get(item.subject)
        if live is None and item.cause_cleared_on is None:
            with audited(session, actor=None, action="supervision.cause_cleared", subject=item):
                item.cause_cleared_on, item.last_seen_month = today, month
            run.flagged.append(item.id)
        elif live is not None and item.cause_cleared_on is not None and item.state != ItemState.CLOSED:
            with audited(session, actor=None, action="supervision.cause_back", subject=item):
                item.cause_cleared_on, item.severity = None, live.value
            run.unflagged.append(item.id)


def _latest_per_subject(session: Session, plan_id: int) -> list[SupervisionItemRow]:
    newest = (
        select(func.max(SupervisionItemRow.id))
        .where(SupervisionItemRow.plan_id == plan_id)
        .group_by(SupervisionItemRow.subject)
    )
    return list(session.scalars(select(SupervisionItemRow).where(SupervisionItemRow.id.in_(newest))))


def refresh_colours(*, session: Session, plan_id: int | None, today: date) -> list[int]:
    """Recompute the colour of every open item as of `today`; return the ids whose colour changed."""
    query = select(SupervisionItemRow).where(SupervisionItemRow.state.in_(OPEN_STATES))
    if plan_id is not None:
        query = query.where(SupervisionItemRow.plan_id == plan_id)
    changed = []
    for item in session.scalars(query):
        colour = current_colour(session=session, item=item, today=today)
        if (colour.value if colour else None) != item.colour:
            with audited(session, actor=None, action="supervision.colour", subject=item):
                item.colour = colour.value if colour else None
            changed.append(item.id)
    session.flush()
    return changed


def current_colour(*, session: Session, item: SupervisionItemRow, today: date) -> Colour | None:
    """The item's colour on `today`: its cause's severity (gone once the cause is), raised by its deadline."""
    severity = None if item.cause_cleared_on or not item.severity else Colour(item.severity)
    rules = rules_of(session=session, plan_id=item.plan_id)
    return item_colour(cause_colour=severity, state=ItemState(item.state), deadline=item.deadline,
                       today=today, rules=rules)  # fmt: skip


# ── Handling an item ─────────────────────────────────────────────────────────


def sign(
    *, session: Session, item: SupervisionItemRow, user_id: int | None, today: date | None = None
) -> SupervisionItemRow:
    """The unit acknowledges the item (签收)."""
    item.signed_by, item.signed_at = user_id, utcnow()
    return _move(session, item, user_id, ItemAction.SIGN, today)


def answer(
    *, session: Session, item: SupervisionItemRow, user_id: int | None, text: str,
    evidence: Evidence | None = None, data_dir: Path | None = None, max_bytes: int = 10 * 1024 * 1024,
    today: date | None = None, storage: EvidenceStorage | None = None,
) -> SupervisionReplyRow:  # fmt: skip
    """The unit's reply (反馈): what was done, with an optional evidence file kept in `storage` (or `data_dir`)."""
    next_state(state=ItemState(item.state), action=ItemAction.ANSWER)
    reply = SupervisionReplyRow(item_id=item.id, text=require_text(text, "反馈内容"), by=user_id)
    if evidence is not None and evidence.content:
        _attach(reply, evidence, _evidence_storage(storage, data_dir), max_bytes)
    session.add(reply)
    item.answered_at = utcnow()
    _move(
        session,
        item,
        user_id,
        ItemAction.ANSWER,
        today,
        extra={"reply": reply.text, "evidence": reply.evidence_name},
    )
    return reply


def return_item(
    *, session: Session, item: SupervisionItemRow, user_id: int | None, reason: str, today: date | None = None
) -> SupervisionItemRow:
    """The office sends the reply back (退回) with its reason; the item is back with the unit."""
    item.return_reason = require_text(reason, "退回理由")
    item.returns += 1
    return _move(session, item, user_id, ItemAction.RETURN, today, reason=item.return_reason)


def close(
    *,
    session: Session,
    item: SupervisionItemRow,
    user_id: int | None,
    note: str | None = None,
    today: date | None = None,
) -> SupervisionItemRow:
    """The office closes the item (办结): after a reply, or at any time once its cause has gone."""
    if item.state != ItemState.ANSWERED.value and item.cause_cleared_on is not None:
        note = require_text(note, "办结说明")
    item.closed_by, item.closed_at = user_id, utcnow()
    return _move(session, item, user_id, ItemAction.CLOSE, today, reason=note or None)


def close_at_year_end(
    *, session: Session, item: SupervisionItemRow, user_id: int | None, today: date, reason: str, note: str = ""
) -> SupervisionItemRow:  # fmt: skip
    """Close an open item because its year is closed (年终考核), in any state, with the office's reason; audited."""
    facts = {"year_end": True, **({"carried_to": note} if note else {})}
    with _step(session, item, user_id, ItemAction.CLOSE, require_text(reason, "办结理由"), facts):
        item.state, item.closed_by, item.closed_at, item.colour = (
            ItemState.CLOSED.value,
            user_id,
            utcnow(),
            None,
        )
    return item


def carry_item(
    *, session: Session, item: SupervisionItemRow, plan_id: int, indicator_id: int | None, user_id: int | None,
    today: date,
) -> SupervisionItemRow:  # fmt: skip
    """Carry an open item into the next year's plan: a new item there, the old one closed as 结转; audited.

    Carried once: the new item's key names the old one, so a second carry finds it instead."""
    subject = f"carry:{item.id}"
    existing = _latest_item(session, subject)
    if existing is not None:
        return existing
    rules = rules_of(session=session, plan_id=plan_id)
    deadline = max(item.deadline, date.fromordinal(today.toordinal() + rules.reply_days))
    new = SupervisionItemRow(
        plan_id=plan_id, key=f"{subject}#1", subject=subject, cause=item.cause, unit_id=item.unit_id,
        indicator_id=indicator_id, project_code=item.project_code, month=1, title=item.title, ask=item.ask,
        deadline=deadline, severity=item.severity, colour=item.colour, state=ItemState.PENDING.value,
        last_seen_month=1, returns=0, opened_by=user_id,
    )  # fmt: skip
    with _step(
        session, new, user_id, ItemAction.OPEN, f"上年度督办单{item.id}结转", {"carried_from": item.id}
    ):
        session.add(new)
    close_at_year_end(session=session, item=item, user_id=user_id, today=today,
                      reason=f"年终考核：结转至下一年度（督办单{new.id}）", note=str(new.id))  # fmt: skip
    return new


def _move(
    session: Session, item: SupervisionItemRow, user_id: int | None, action: ItemAction, today: date | None,
    reason: str | None = None, extra: dict[str, Any] | None = None,
) -> SupervisionItemRow:  # fmt: skip
    with _step(session, item, user_id, action, reason, extra):
        state = next_state(
            state=ItemState(item.state), action=action, cause_cleared=item.cause_cleared_on is not None
        )
        item.state = state.value
        colour = current_colour(session=session, item=item, today=today or date.today())
        item.colour = colour.value if colour else None
    return item


def _evidence_storage(storage: EvidenceStorage | None, data_dir: Path | None) -> EvidenceStorage:
    if storage is not None:
        return storage
    if data_dir is None:
        raise ItemError("未配置证明材料的存放位置")
    return LocalStorage(Path(data_dir))


def _attach(reply: SupervisionReplyRow, evidence: Evidence, storage: EvidenceStorage, max_bytes: int) -> None:
    if len(evidence.content) > max_bytes:
        raise ItemError(f"证明材料“{evidence.name}”超过 {max_bytes // (1024 * 1024)} MB 上限")
    if not evidence.content.startswith(EVIDENCE_SIGNATURES):
        raise ItemError(f"证明材料“{evidence.name}”不是可接受的文件类型（{EVIDENCE_KINDS}）")
    digest = hashlib.sha256(evidence.content).hexdigest()
    key = reply_evidence_key(digest)
    if not storage.exists(key):
        storage.put(key, evidence.content, reply_content_type(evidence.content))
    reply.evidence_name = Path(evidence.name).name[:300] or "evidence"
    reply.evidence_path, reply.evidence_sha256 = key, digest
    reply.evidence_bytes = len(evidence.content)


def reply_evidence_key(sha256: str) -> str:
    """The storage key of a reply's evidence file with this hash."""
    return f"evidence/supervision/{sha256[:2]}/{sha256}"


def reply_content_type(content: bytes) -> str:
    """The content type a reply's evidence file is served with, from its bytes (never its name)."""
    for magic, kind in REPLY_TYPES:
        if content.startswith(magic):
            return kind
    return "application/octet-stream"


def _step(
    session: Session, item: SupervisionItemRow, user_id: int | None, action: ItemAction, reason: str | None = None,
    facts: dict[str, Any] | None = None,
) -> AbstractContextManager[Scope]:  # fmt: skip
    """The audit scope of one step on an item: the item's changed values, and `facts` no column holds."""
    return audited(session, actor=user_id, action=f"supervision.{action.value}", reason=reason, subject=item,
                   new=facts)  # fmt: skip


# ── Reading ──────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class ItemSummary:
    """An item as lists, the dashboard and the 督查通报 show it."""

    id: int
    title: str
    unit: str
    cause: ItemCause
    state: ItemState
    colour: Colour | None
    deadline: date
    flagged: bool
    indicator: str | None


def list_items(
    *, session: Session, plan_id: int, unit_id: int | None = None, states: tuple[str, ...] = OPEN_STATES,
    colour: Colour | None = None,
) -> list[ItemSummary]:  # fmt: skip
    """Items of the plan, most urgent colour first, then by unit and deadline."""
    query = (
        select(SupervisionItemRow, OrgUnitRow.name, IndicatorRow.code)
        .join(OrgUnitRow, SupervisionItemRow.unit_id == OrgUnitRow.id)
        .outerjoin(IndicatorRow, SupervisionItemRow.indicator_id == IndicatorRow.id)
        .where(SupervisionItemRow.plan_id == plan_id, SupervisionItemRow.state.in_(states))
    )
    if unit_id is not None:
        query = query.where(SupervisionItemRow.unit_id == unit_id)
    if colour is not None:
        query = query.where(SupervisionItemRow.colour == colour.value)
    items = [_summary(item, unit, code) for item, unit, code in session.execute(query)]
    return sorted(items, key=lambda i: (-(i.colour.rank if i.colour else 0), i.unit, i.deadline, i.id))


def _summary(item: SupervisionItemRow, unit: str, code: str | None) -> ItemSummary:
    return ItemSummary(
        id=item.id, title=item.title, unit=unit, cause=ItemCause(item.cause), state=ItemState(item.state),
        colour=Colour(item.colour) if item.colour else None, deadline=item.deadline,
        flagged=item.cause_cleared_on is not None and item.state != ItemState.CLOSED, indicator=code,
    )  # fmt: skip


def open_items_by_indicator(*, session: Session, plan_id: int) -> dict[str, list[ItemSummary]]:
    """Open items grouped by the code of the indicator they follow (for indicator pages)."""
    grouped: dict[str, list[ItemSummary]] = defaultdict(list)
    for item in list_items(session=session, plan_id=plan_id):
        if item.indicator:
            grouped[item.indicator].append(item)
    return dict(grouped)


def counts_by_colour(*, session: Session, plan_id: int, unit_id: int | None = None) -> dict[str, int]:
    """Open items by colour ("red", "yellow", "blue", "none"), with "total" and "flagged" (for the dashboard and bulletin)."""
    items = list_items(session=session, plan_id=plan_id, unit_id=unit_id)
    counts = Counter(i.colour.value if i.colour else "none" for i in items)
    totals = {c: counts.get(c, 0) for c in ("red", "yellow", "blue", "none")}
    return totals | {"total": len(items), "flagged": sum(i.flagged for i in items)}


def item_history(*, session: Session, item_id: int) -> list[tuple[AuditRow, str | None]]:
    """Every step of an item, oldest first, with the name of who took it (None: the rules)."""
    steps = history(session=session, entity=ENTITY, entity_id=item_id)
    names = {u.id: u.display_name or u.username for u in session.scalars(select(UserRow))}
    return [(step, names.get(step.user_id) if step.user_id else None) for step in steps]


def get_item(*, session: Session, item_id: int) -> SupervisionItemRow:
    """The item with this id, or an error for the user."""
    item = session.get(SupervisionItemRow, item_id)
    if item is None:
        raise ItemError(f"督办单 {item_id} 不存在")
    return item


# ── Reminders ────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Reminder:
    """Today's reminder of one item, claimed by this run: what to say and to whom."""

    id: int
    item_id: int
    unit: str
    title: str
    ask: str
    colour: Colour | None
    deadline: date
    recipients: list[str]


def claim_reminders(*, session: Session, today: date) -> list[Reminder]:
    """Write today's reminder of every item waiting on its unit that has none yet; return those written.

    The (item, day) pair is unique, so when two servers run this at once each reminder is claimed once.
    """
    claimed = []
    for item in _items_to_remind(session):
        reminder = SupervisionReminderRow(
            item_id=item.id, unit_id=item.unit_id, day=today, colour=item.colour, message=item.ask,
            recipients=_unit_addresses(session, item.unit_id),
        )  # fmt: skip
        try:
            with session.begin_nested():
                session.add(reminder)
                session.flush()
        except IntegrityError:
            continue  # already reminded today, here or on another server
        claimed.append(_reminder(reminder, item))
    return claimed


def _items_to_remind(session: Session) -> list[SupervisionItemRow]:
    query = select(SupervisionItemRow).where(
        SupervisionItemRow.state.in_([s.value for s in UNIT_TURN]),
        SupervisionItemRow.cause_cleared_on.is_(None),
        SupervisionItemRow.colour.is_not(None),
    )
    return list(session.scalars(query.order_by(SupervisionItemRow.id)))


def _unit_addresses(session: Session, unit_id: int) -> list[str]:
    query = select(UserRow.email).where(
        UserRow.unit_id == unit_id, UserRow.active, UserRow.email.is_not(None)
    )
    return sorted({address for address in session.scalars(query) if address})


def _reminder(row: SupervisionReminderRow, item: SupervisionItemRow) -> Reminder:
    return Reminder(
        id=row.id, item_id=item.id, unit=item.unit.name, title=item.title, ask=item.ask,
        colour=Colour(item.colour) if item.colour else None, deadline=item.deadline, recipients=row.recipients,
    )  # fmt: skip


def record_delivery(*, session: Session, reminder_id: int, error: str | None) -> None:
    """Note that a reminder's e-mail went out, or why it did not."""
    row = session.get(SupervisionReminderRow, reminder_id)
    if row is None:
        return
    row.emailed_at, row.email_error = (None, error) if error else (utcnow(), None)
    record_event(session, actor=None, action="supervision.remind", subject=(ENTITY, row.item_id),
                 new={"day": row.day, "recipients": row.recipients, "error": error})  # fmt: skip


def inbox(*, session: Session, unit_id: int, limit: int = 50) -> list[SupervisionReminderRow]:
    """A unit's reminders, newest first."""
    query = select(SupervisionReminderRow).where(SupervisionReminderRow.unit_id == unit_id)
    return list(session.scalars(query.order_by(SupervisionReminderRow.id.desc()).limit(limit)))


def mark_read(*, session: Session, unit_id: int) -> int:
    """Mark all of a unit's unread reminders read; return how many."""
    query = select(SupervisionReminderRow).where(
        SupervisionReminderRow.unit_id == unit_id, SupervisionReminderRow.read_at.is_(None)
    )
    rows = list(session.scalars(query))
    for row in rows:
        row.read_at = utcnow()
    return len(rows)
