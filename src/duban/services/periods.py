"""Reporting periods: naming them, when they are open, locking and reopening, and who has reported.

A period is open for a unit's reporters until its deadline (the cut-off day of its month); after it, and
at any time once the office has locked it, only an admin reopening (for every unit or one, until a
date, with an audited reason) lets figures in again. Which change is allowed when is decided in one
place, `duban.services.locks`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from duban.choices import EntryState, ReportingState, ReportState
from duban.months import month_end, month_of_key
from duban.persistence.audit import audited
from duban.persistence.models import AuditRow, EntryRow, IndicatorRow, OrgUnitRow, PeriodRow, PlanRow, UserRow
from duban.persistence.reporting_models import PeriodReopenRow
from duban.persistence.storedrows import stored_found
from duban.plan.assignments import asked_of_units, reporting_units
from duban.plan.model import Plan
from duban.services.judged import reported_in_plans_below
from duban.services.office import office_settings
from duban.services.plans import asked_in

REOPEN_DAYS = 7


class WorkflowError(ValueError):
    """A step that the current state does not allow; the message is for the user."""


class PeriodClosed(WorkflowError):
    """The period does not accept figures from this user now."""


def ensure_periods(
    *, session: Session, plan: PlanRow, cutoff_day: int, combine_jan_feb: bool
) -> list[PeriodRow]:
    """Create the plan's twelve (or eleven) monthly periods if missing; return them in order."""
    existing = {p.month: p for p in session.scalars(select(PeriodRow).where(PeriodRow.plan_id == plan.id))}
    for month in range(2 if combine_jan_feb else 1, 13):
        if month not in existing:
            first = 1 if combine_jan_feb and month == 2 else month
            existing[month] = PeriodRow(
                plan_id=plan.id, month=month, first_month=first, deadline=date(plan.year, month, cutoff_day)
            )
            session.add(existing[month])
    session.flush()
    return [existing[m] for m in sorted(existing)]


def find_period(*, session: Session, plan_id: int, month: int) -> PeriodRow | None:
    """The period that covers `month` of the plan's year (no statement while it is remembered: `storedrows`)."""

    def find() -> tuple[PeriodRow, None] | None:
        query = select(PeriodRow).where(
            PeriodRow.plan_id == plan_id, PeriodRow.first_month <= month, PeriodRow.month >= month
        )
        row = session.scalars(query).first()
        return None if row is None else (row, None)

    found = stored_found(session=session, key=("period of month", plan_id, month), find=find)
    return None if found is None else found[0]


def periods_of(*, session: Session, plan_id: int) -> list[PeriodRow]:
    """The plan's periods, January first."""
    return list(
        session.scalars(select(PeriodRow).where(PeriodRow.plan_id == plan_id).order_by(PeriodRow.month))
    )


def previous_period(*, session: Session, period: PeriodRow) -> PeriodRow | None:
    """The period just before `period` in the same plan."""
    query = select(PeriodRow).where(PeriodRow.plan_id == period.plan_id, PeriodRow.month < period.month)
    return session.scalars(query.order_by(PeriodRow.month.desc())).first()


def period_label(period: PeriodRow, year: int) -> str:
    """The period's Chinese name: 2026年6月, or 2026年1—2月 for a combined report."""
    if period.first_month != period.month:
        return f"{year}年{period.first_month}—{period.month}月"
    return f"{year}年{period.month}月"


def period_key(period: PeriodRow, year: int) -> str:
    """The period's key as used on the command line and in URLs: 2026-06."""
    return f"{year}-{period.month:02d}"


def period_end(period: PeriodRow, year: int) -> date:
    """The last day the period's figures cover (progress is judged as of this day)."""
    return month_end(year, period.month)


def resolve_period(*, session: Session, plan: PlanRow, key: str) -> PeriodRow:
    """The period named by '2026-06' (any month of a combined period finds it)."""
    named = month_of_key(key)
    if named is None:
        raise WorkflowError(f"报送期“{key}”格式不对，应为 2026-06 这样的年-月")
    if named[0] != plan.year:
        raise WorkflowError(f"报送期“{key}”不在 {plan.year} 年计划内")
    period = find_period(session=session, plan_id=plan.id, month=named[1])
    if period is None:
        raise WorkflowError(f"报送期“{key}”尚未设立")
    return period


def reopened_for(*, session: Session, period: PeriodRow, unit_id: int, today: date) -> PeriodReopenRow | None:
    """The reopening that lets `unit_id` report into `period` today, if any."""
    query = select(PeriodReopenRow).where(
        PeriodReopenRow.period_id == period.id,
        PeriodReopenRow.until >= today,
        (PeriodReopenRow.unit_id == unit_id) | PeriodReopenRow.unit_id.is_(None),
    )
    return session.scalars(query.order_by(PeriodReopenRow.until.desc())).first()


def locked_reason(*, session: Session, period: PeriodRow, unit_id: int, today: date, year: int) -> str | None:
    """Why nobody, the office included, may change `unit_id`'s figures in `period` today, or None."""
    if not period.locked or reopened_for(session=session, period=period, unit_id=unit_id, today=today):
        return None
    return f"{period_label(period, year)}报送期已锁定，如需修改请联系督查室重新开放"


def closed_year_reason(plan: PlanRow) -> str | None:
    """Why nothing of a closed year may change, or None while the year is open."""
    if plan.closed_at is None:
        return None
    return f"{plan.year}年度已年终考核关闭，数据已锁定；如需更正，请由管理员在“年终考核”页说明理由后更正"


def closed_reason(*, session: Session, period: PeriodRow, unit_id: int, today: date, year: int) -> str | None:
    """Why reporters of `unit_id` cannot report into `period` today, or None when it is open."""
    locked = locked_reason(session=session, period=period, unit_id=unit_id, today=today, year=year)
    if locked or today <= period.deadline:
        return locked
    if reopened_for(session=session, period=period, unit_id=unit_id, today=today):
        return None
    return f"{period_label(period, year)}报送已于 {period.deadline} 截止，如需补报请联系督查室重新开放"


def lock_period(
    *, session: Session, period: PeriodRow, user_id: int | None, today: date, reason: str | None = None
) -> None:
    """Close the period for everyone (after the office has approved its figures); running reopenings end."""
    ended = list(session.scalars(select(PeriodReopenRow).where(PeriodReopenRow.period_id == period.id,
                                                               PeriodReopenRow.until >= today)))  # fmt: skip
    with audited(session, actor=user_id, action="period.lock", reason=reason, subject=period,
                 new={"ended_reopenings": [r.id for r in ended]}):  # fmt: skip
        for row in ended:
            row.until = today - timedelta(days=1)
        period.locked = True


def reopen_period(
    *, session: Session, period: PeriodRow, user_id: int | None, reason: str, today: date,
    until: date | None = None, unit_id: int | None = None,
) -> PeriodReopenRow:  # fmt: skip
    """Open a locked or past-deadline period again, for all units (unlocking it) or one, until a date; audited."""
    if not reason.strip():
        raise WorkflowError("重新开放报送期必须说明理由")
    if closed := closed_year_reason(session.get_one(PlanRow, period.plan_id)):
        raise PeriodClosed(closed)
    until = until or today + timedelta(days=REOPEN_DAYS)
    if until < today:
        raise WorkflowError(f"开放截止日期 {until} 早于今天")
    row = PeriodReopenRow(
        period_id=period.id, unit_id=unit_id, until=until, reason=reason.strip(), by=user_id
    )
    with audited(session, actor=user_id, action="period.reopen", reason=reason.strip(), subject=period,
                 new={"until": until, "unit_id": unit_id}):  # fmt: skip
        period.locked = (
            period.locked and unit_id is not None
        )  # one unit's reopening passes the lock for it alone
        session.add(row)
    return row


def end_reopening(
    *, session: Session, period: PeriodRow, reopen_id: int, user_id: int | None, today: date, reason: str | None = None
) -> PeriodReopenRow:  # fmt: skip
    """Close a running reopening now (the unit is locked out again, as before it); audited; idempotent."""
    row = session.get(PeriodReopenRow, reopen_id)
    if row is None or row.period_id != period.id:
        raise WorkflowError(f"重新开放记录 {reopen_id} 不属于该报送期")
    if row.until < today:
        return row  # already over: a repeated click changes nothing
    ended = today - timedelta(days=1)
    with audited(session, actor=user_id, action="period.relock", reason=(reason or "").strip() or None,
                 subject=period, old={"until": row.until},
                 new={"until": ended, "unit_id": row.unit_id, "reopen_id": row.id}):  # fmt: skip
        row.until = ended
    return row


def reopenings(*, session: Session, period: PeriodRow) -> list[PeriodReopenRow]:
    """The period's reopenings, newest first."""
    query = select(PeriodReopenRow).where(PeriodReopenRow.period_id == period.id)
    return list(session.scalars(query.order_by(PeriodReopenRow.id.desc())))


@dataclass(frozen=True)
class UnitReporting:
    """One unit's 报送情况 for a period."""

    unit_id: int
    unit: str
    state: ReportingState
    expected: int
    submitted: int
    completed_at: datetime | None
    overdue: bool
    contacts: tuple[str, ...]
    counts: dict[ReportState, int] = field(default_factory=dict)  # by the one vocabulary of reporting state


def reporting_status(
    *,
    session: Session,
    plan_row: PlanRow,
    plan: Plan,
    period: PeriodRow,
    today: date,
    unit_id: int | None = None,
) -> list[UnitReporting]:
    """报送情况: for every reporting unit (or only `unit_id`), whether it reported on time, late or not yet."""
    expected = _expected_indicators(session, plan_row, plan, period.month)
    first_submits = _first_submits(session, period, unit_id)
    basis = office_settings(session=session, plan_id=plan_row.id).basis
    below = reported_in_plans_below(session=session, plan_row=plan_row, month=period.month, basis=basis)
    units = {u.name: u for u in session.scalars(select(OrgUnitRow)) if unit_id is None or u.id == unit_id}
    contacts = _contacts(session)
    return [
        _unit_reporting(
            units[name], codes, first_submits, below, period, today, contacts.get(units[name].id, ())
        )
        for name, codes in expected.items()
        if name in units
    ]


def _expected_indicators(session: Session, plan_row: PlanRow, plan: Plan, month: int) -> dict[str, set[int]]:
    query = select(IndicatorRow.code, IndicatorRow.id).where(
        IndicatorRow.plan_id == plan_row.id, asked_in(month)
    )
    ids = {code: id_ for code, id_ in session.execute(query)}
    wanted: dict[str, set[int]] = defaultdict(set)
    for indicator in (i for i in plan.indicators() if i.id in ids and asked_of_units(indicator=i)):
        for unit in reporting_units(indicator=indicator, plan=plan):
            wanted[unit].add(ids[indicator.id])
    order = [u.name for u in plan.units if u.name in wanted]
    return {name: wanted[name] for name in order + sorted(set(wanted) - set(order))}


def _first_submits(
    session: Session, period: PeriodRow, unit_id: int | None = None
) -> dict[tuple[int, int], tuple[datetime, ReportState]]:
    """(unit, indicator) -> when its figure was first submitted and its state, for figures 待审核, 已审核 or 已退回.

    The time is the audit's first submission, else the entry's own (imported and generated figures have
    no audit row), so the API, the overview and the bulletin count the same figures.
    """
    first = (
        select(func.min(AuditRow.at))
        .where(AuditRow.entity == "entry", AuditRow.entity_id == EntryRow.id, AuditRow.action == "entry.submit")
        .correlate(EntryRow).scalar_subquery()
    )  # fmt: skip
    query = (
        select(EntryRow.unit_id, EntryRow.indicator_id, func.coalesce(first, EntryRow.submitted_at, EntryRow.updated_at),
               EntryRow.state)
        .where(EntryRow.period_id == period.id)
        .where(EntryRow.state.in_([EntryState.SUBMITTED.value, EntryState.APPROVED.value,
                                   EntryState.RETURNED.value]))
    )  # fmt: skip
    if unit_id is not None:
        query = query.where(EntryRow.unit_id == unit_id)
    return {(unit, indicator): (_aware(at), ReportState.of(state))
            for unit, indicator, at, state in session.execute(query)}  # fmt: skip


def _unit_reporting(
    unit: OrgUnitRow,
    indicators: set[int],
    first_submits: dict[tuple[int, int], tuple[datetime, ReportState]],
    below: set[tuple[int, int]],
    period: PeriodRow,
    today: date,
    contacts: tuple[str, ...],
) -> UnitReporting:
    """A figure its own plan gave (`below`: a province's city) is approved with no submission time of its own."""
    own = [first_submits[(unit.id, i)] for i in indicators if (unit.id, i) in first_submits]
    from_below = sum((unit.id, i) in below and (unit.id, i) not in first_submits for i in indicators)
    times = [at for at, _ in own]
    counts = dict.fromkeys(ReportState, 0)
    for _, report in own:
        counts[report] += 1
    counts[ReportState.APPROVED] += from_below
    counts[ReportState.MISSING] = len(indicators) - len(own) - from_below
    done = counts[ReportState.MISSING] == 0 and bool(times or from_below)
    completed = max(times) if done and times else None
    deadline_end = datetime.combine(period.deadline, time.max, tzinfo=UTC)
    state = ReportingState.MISSING
    if done:
        state = (
            ReportingState.REPORTED if completed is None or completed <= deadline_end else ReportingState.LATE
        )
    return UnitReporting(unit_id=unit.id, unit=unit.name, state=state, expected=len(indicators),
                         submitted=counts[ReportState.PENDING] + counts[ReportState.APPROVED], completed_at=completed,
                         overdue=state is ReportingState.MISSING and today > period.deadline,
                         contacts=contacts, counts=counts)  # fmt: skip


def _contacts(session: Session) -> dict[int, tuple[str, ...]]:
    found: dict[int, list[str]] = defaultdict(list)
    query = select(UserRow).where(UserRow.unit_id.is_not(None), UserRow.active.is_(True)).order_by(UserRow.id)
    for user in session.scalars(query):
        assert user.unit_id is not None
        label = user.display_name or user.username
        found[user.unit_id].append(f"{label}（{user.email}）" if user.email else label)
    return {unit: tuple(names) for unit, names in found.items()}


def reminder_list(*, status: list[UnitReporting]) -> list[UnitReporting]:
    """The units to remind: those that have not completed their report."""
    return [row for row in status if row.state is ReportingState.MISSING]


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def next_due(*, session: Session, plan_id: int, after: date) -> tuple[int, date] | None:
    """The month whose figures are due next after `after`, and its deadline."""
    row = session.scalars(
        select(PeriodRow)
        .where(PeriodRow.plan_id == plan_id, PeriodRow.deadline >= after)
        .order_by(PeriodRow.deadline)
    ).first()
    return (row.month, row.deadline) if row else None
