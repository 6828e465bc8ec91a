"""Reported figures: record, submit, approve or return, every step audited.

Only approved figures are official: approval copies the reported figure into the `official_*`
columns, so a later correction in draft does not change official figures until it is approved.
Every write checks the entry's version (optimistic locking): the second of two people editing the
same figure gets a `ConflictError` naming what the first saved, and nothing either typed is lost.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from functools import cache
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, Select, bindparam, delete, event, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased, joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from duban.choices import TOP_KIND_VALUES, EntryState, MilestoneStage, OrgKind
from duban.persistence.audit import audited, history, plain_number
from duban.persistence.blocks import rewriting
from duban.persistence.models import (
    AreaRow,
    AuditRow,
    EntryRow,
    IndicatorRow,
    OrgUnitRow,
    PeriodRow,
    PlanRow,
    TaskRow,
    UnitTargetRow,
    UserRow,
    utcnow,
)
from duban.persistence.readcache import Shelf, remembered_across_entries
from duban.persistence.storedrows import read_generation
from duban.plan.assignments import asked_of_units, reporting_units, reports, unit_target
from duban.plan.model import Indicator, OrgUnit, Plan, Thresholds
from duban.progress.validation import Context, Figure, Problem, check_figure, rate_of, read_figure
from duban.services.locks import Step, Writer, check_entry_lock, check_lock, lock_refusal
from duban.services.periods import (
    PeriodClosed,
    WorkflowError,
    ensure_periods,
    find_period,
    period_end,
)
from duban.services.plans import indicator_from_row, is_asked
from duban.services.units import in_region

LOCAL = ZoneInfo("Asia/Shanghai")
AMOUNT_LIMIT = Decimal(10) ** 18  # figures are NUMERIC(24, 6)
ACTION_LABELS = {
    "entry.record": "填报", "entry.submit": "提交", "entry.approve": "审核通过", "entry.return": "退回",
    "entry.import": "Excel导入", "entry.correct": "年终更正",
}  # fmt: skip

# session.info key: entry id -> the warnings its last `entry.record` audit row in this session holds
RECORDED_WARNINGS = "duban.recorded_warnings"
REPORTED_KEPT = (
    8192  # (indicator, unit) pairs a server keeps per plan: a city's every pair, a province's busiest
)
# Loaded with an indicator row, so that `indicator_from_row` asks nothing more of the store.
INDICATOR_LOADS = (joinedload(IndicatorRow.lead_unit),
                   selectinload(IndicatorRow.unit_targets).joinedload(UnitTargetRow.unit))  # fmt: skip

__all__ = ["WorkflowError", "Writer", "ensure_periods", "find_period"]


@event.listens_for(Session, "after_rollback")
def _forget_recorded_warnings(session: Session) -> None:
    session.info.pop(RECORDED_WARNINGS, None)  # the audit rows they stood for are gone


class ConflictError(WorkflowError):
    """Someone else changed the figure since it was read; `current` is what they saved."""

    def __init__(self, message: str, current: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.current = current or {}


class NotReported(WorkflowError):
    """The unit does not report this indicator."""


class FourEyes(WorkflowError):
    """The plan asks for a second person: who entered or submitted a figure may not approve it."""


class ValidationFailed(WorkflowError):
    """The figure has problems; each names its field."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("；".join(str(p) for p in problems))
        self.problems = problems


def record_value(
    *,
    session: Session,
    indicator_id: int,
    unit_id: int,
    period_id: int,
    user_id: int | None,
    value: Decimal | None = None,
    numerator: Decimal | None = None,
    denominator: Decimal | None = None,
    stage: str | None = None,
    stage_date: date | None = None,
    note: str | None = None,
    expected_version: int | None = None,
    reason: str | None = None,
    extra: dict[str, Any] | None = None,
    found: EntryRow | None = None,
) -> EntryRow:
    """Save a draft figure for (indicator, unit, period); audited; refuses a stale version (0 = new).

    `found` is the entry of (indicator, unit, period) when the caller has just read it (not read again)."""
    entry = found or _entry(session, indicator_id, unit_id, period_id)
    _check_version(session, entry, expected_version)
    sent = {"value": value, "numerator": numerator, "denominator": denominator, "stage": stage,
            "stage_date": stage_date, "note": note}  # fmt: skip
    if entry.id is not None and _unchanged(entry, sent):
        return entry  # sending again what is already there (a re-uploaded template) changes nothing
    if entry.state == EntryState.SUBMITTED and entry.id is not None:
        raise WorkflowError("已提交待审核的数据不能修改，如需修改请联系督查室退回")
    if entry.state == EntryState.APPROVED and entry.id is not None and not (reason or "").strip():
        raise WorkflowError("修改已审核通过的数据必须说明理由")
    # a returned figure stays 已退回 while its unit corrects it, until it is resubmitted
    state = EntryState.RETURNED if entry.state == EntryState.RETURNED else EntryState.DRAFT
    with audited(session, actor=user_id, action="entry.record", reason=reason, subject=entry, new=extra):
        _flush(session, entry, {**sent, "state": state.value, "updated_by": user_id, "updated_at": utcnow()},
               "该数据刚被他人修改，您的填写未保存但已保留，请刷新后核对再提交")  # fmt: skip
    # what the audit row just written says, so that the save's answer need not read it back
    session.info.setdefault(RECORDED_WARNINGS, {})[entry.id] = (extra or {}).get("warnings")
    return entry


def _unchanged(entry: EntryRow, sent: dict[str, Any]) -> bool:
    return all((getattr(entry, field) or None) == (value or None) for field, value in sent.items())


def submit(*, session: Session, entry: EntryRow, writer: Writer) -> EntryRow:
    """Send a draft or returned figure for review, if the lock rule lets `writer` do so now."""
    _require(entry, {EntryState.DRAFT, EntryState.RETURNED}, "只有填报中或被退回的数据可以提交")
    check_entry_lock(session=session, entry=entry, writer=writer, step=Step.SUBMIT)
    return _move(session, entry, writer.user_id, EntryState.SUBMITTED, "entry.submit")


def approve(*, session: Session, entry: EntryRow, writer: Writer) -> EntryRow:
    """Approve a submitted figure; it becomes the official figure."""
    _require(entry, {EntryState.SUBMITTED}, "只有已提交的数据可以审核通过")
    check_entry_lock(session=session, entry=entry, writer=writer, step=Step.REVIEW)
    _check_four_eyes(session, entry, writer)
    changes = {"official_value": entry.value, "official_numerator": entry.numerator,
               "official_denominator": entry.denominator, "official_stage": entry.stage,
               "approved_at": utcnow(), "return_reason": None}  # fmt: skip
    return _move(session, entry, writer.user_id, EntryState.APPROVED, "entry.approve", changes=changes)


def return_entry(*, session: Session, entry: EntryRow, writer: Writer, reason: str) -> EntryRow:
    """Send a submitted figure back to its unit with a reason; the return reopens it for its unit."""
    _require(entry, {EntryState.SUBMITTED}, "只有已提交的数据可以退回")
    if not reason.strip():
        raise WorkflowError("退回必须说明理由")
    check_entry_lock(session=session, entry=entry, writer=writer, step=Step.REVIEW)
    return _move(session, entry, writer.user_id, EntryState.RETURNED, "entry.return", reason,
                 changes={"return_reason": reason})  # fmt: skip


def correct_figure(
    *, session: Session, plan_row: PlanRow, row: IndicatorRow, unit: OrgUnitRow, period: PeriodRow,
    raw: Mapping[str, object], writer: Writer, reason: str,
) -> EntryRow:  # fmt: skip
    """An admin's correction of a figure of a closed year (年终更正): official at once, with a reason; audited."""
    if not reason.strip():
        raise WorkflowError("更正已年终考核的数据必须说明理由")
    indicator = indicator_from_row(row)
    _check_reported(session, plan_row, indicator, unit)
    current = _find(session, row.id, unit.id, period.id)
    check_lock(
        session=session, period=period, unit_id=unit.id, entry=current, writer=writer, step=Step.CORRECT
    )
    figure, problems = read_figure(indicator=indicator, raw=raw)
    fields = _fields(indicator, figure)
    problems = [p for p in problems if not p.warning] or _unstorable(fields)
    if problems:
        raise ValidationFailed(problems)
    entry = current or EntryRow(indicator_id=row.id, unit_id=unit.id, period_id=period.id)
    official = {"official_value": fields["value"], "official_numerator": fields["numerator"],
                "official_denominator": fields["denominator"], "official_stage": fields["stage"]}  # fmt: skip
    with audited(session, actor=writer.user_id, action="entry.correct", reason=reason.strip(), subject=entry):
        _flush(session, entry, {**fields, **official, "state": EntryState.APPROVED.value,
                                "approved_at": utcnow(), "return_reason": None, "updated_by": writer.user_id,
                                "updated_at": utcnow()}, "该数据刚被他人修改，您的更正未保存，请刷新后核对")  # fmt: skip
    return entry


def four_eyes_on(*, session: Session, plan_id: int) -> bool:
    """Whether the plan asks that who entered or submitted a figure may not approve it."""
    plan = session.get(PlanRow, plan_id)
    return bool(plan is not None and (plan.review or {}).get("four_eyes"))


def _check_four_eyes(session: Session, entry: EntryRow, writer: Writer) -> None:
    period = session.get(PeriodRow, entry.period_id)
    if writer.user_id is None or period is None or not four_eyes_on(session=session, plan_id=period.plan_id):
        return
    if writer.user_id in _authors(session, entry):
        raise FourEyes("本计划实行双人审核：本人填报或提交的数据须由另一位工作人员审核通过")


def _authors(session: Session, entry: EntryRow) -> set[int]:
    """Who entered or submitted the figure since it was last approved."""
    authors: set[int] = set()
    for step in history(session=session, entity="entry", entity_id=entry.id):
        if step.action == "entry.approve":
            authors.clear()
        elif step.action in ("entry.record", "entry.submit", "entry.import") and step.user_id is not None:
            authors.add(step.user_id)
    return authors


@dataclass(frozen=True)
class SheetRow:
    """One indicator a unit reports in a period, with everything a form or template shows."""

    row: IndicatorRow
    indicator: Indicator
    target: Decimal
    previous: EntryRow | None
    entry: EntryRow | None
    previous_month: int | None = None


def unit_sheet(
    *, session: Session, plan_row: PlanRow, unit: OrgUnitRow, period: PeriodRow, plan: Plan | None = None
) -> list[SheetRow]:
    """The indicators `unit` reports, in plan order, with its target, its last earlier and this period's entry.

    The last earlier entry is the one the checks compare with (a month left out does not hide April's
    cumulative behind an empty May). Without `plan`, only the plan's units and indicators are read.
    """
    rows = [r for r in indicator_rows(session=session, plan_id=plan_row.id) if is_asked(r, period.month)]
    indicators = plan.indicators() if plan else [indicator_from_row(r) for r in rows]
    plan = plan or _units_plan(session, plan_row)
    by_code = {r.code: r for r in rows}
    current = _unit_period_entries(session, unit.id, [period.id])
    earlier = _unit_latest_earlier_entries(session, unit.id, period)
    sheet = []
    for indicator in indicators:
        if not asked_of_units(indicator=indicator):
            continue
        if indicator.id in by_code and unit.name in reporting_units(indicator=indicator, plan=plan):
            row = by_code[indicator.id]
            previous, month = earlier.get(row.id, (None, None))
            sheet.append(SheetRow(row, indicator, unit_target(indicator=indicator, unit=unit.name), previous,
                                  current.get((row.id, period.id)), month))  # fmt: skip
    return sheet


def indicator_rows(*, session: Session, plan_id: int) -> list[IndicatorRow]:
    """The plan's indicator rows in document order, with what `indicator_from_row` reads loaded with them."""
    query = (
        select(IndicatorRow).join(TaskRow, TaskRow.id == IndicatorRow.task_id)
        .join(AreaRow, AreaRow.id == TaskRow.area_id).where(IndicatorRow.plan_id == plan_id)
        .order_by(AreaRow.position, TaskRow.position, IndicatorRow.position).options(*INDICATOR_LOADS)
    )  # fmt: skip
    return list(session.scalars(query))


class ReportingUnit(Protocol):
    """What a save reads of the unit whose figure it is (an `OrgUnitRow`, or a `Reported`'s unit)."""

    @property
    def id(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def kind(self) -> str: ...


@dataclass(frozen=True)
class UnitRef:
    """A unit as a save reads it, kept apart from any session."""

    id: int
    name: str
    kind: str


@dataclass(frozen=True)
class Reported:
    """An indicator as a unit's save reads it: its row's id, its plan's, the indicator with the unit's share, and
    the unit (None: no such unit)."""

    id: int
    plan_id: int
    indicator: Indicator
    unit: UnitRef | None


def reported_indicator(*, session: Session, plan_id: int, indicator_id: int, unit_id: int) -> Reported | None:
    """The indicator of row `indicator_id` and the unit as `unit_id`'s save in plan `plan_id` reads them (None: no
    such indicator), remembered until the plan, a target or a unit changes (at the generation the request's login
    read saw: `storedrows.read_at`).

    Only that unit's share of the breakdown is read, plus the first share, so an indicator broken down to
    other units still reads as broken down: O(1) rows per save, not one per unit.
    """
    # one shelf per plan, the REPORTED_KEPT pairs asked last: one remembered value per unit and indicator would
    # push the judged periods out of the cache
    shelf = remembered_across_entries(
        session=session,
        key=("reported indicators", plan_id),
        at=read_generation(session=session),
        compute=lambda: Shelf(REPORTED_KEPT),
    )
    return shelf.get((indicator_id, unit_id), lambda: _reported(session, indicator_id, unit_id))


def _reported(session: Session, indicator_id: int, unit_id: int) -> Reported | None:
    row = session.scalars(_save_queries().indicator, {"indicator_id": indicator_id}).first()
    if row is None:
        return None
    # two plain statements, built once, where loader criteria made a new one per save
    set_committed_value(row, "unit_targets", _unit_shares(session, indicator_id, unit_id))
    unit = session.get(OrgUnitRow, unit_id)  # loaded with its share, when it has one
    known = UnitRef(unit.id, unit.name, unit.kind) if unit is not None else None
    return Reported(row.id, row.plan_id, indicator_from_row(row), known)


def _unit_shares(session: Session, indicator_id: int, unit_id: int) -> list[UnitTargetRow]:
    """`unit_id`'s share of the indicator's breakdown and the first share (the one a breakdown is read by)."""
    return list(session.scalars(_save_queries().shares, {"indicator_id": indicator_id, "unit_id": unit_id}))


@dataclass(frozen=True)
class _SaveQueries:
    """The statements every save runs, built once with bound parameters (building one costs more than
    running it): the indicator, the unit's share, the entry, the unit's entries up to the period's month."""

    indicator: Select[IndicatorRow]
    shares: Select[UnitTargetRow]
    entry: Select[EntryRow]
    up_to: Select[EntryRow]


@cache
def _save_queries() -> _SaveQueries:
    indicator, unit = bindparam("indicator_id", type_=Integer), bindparam("unit_id", type_=Integer)
    first = select(func.min(UnitTargetRow.id)).where(UnitTargetRow.indicator_id == indicator)
    return _SaveQueries(
        indicator=select(IndicatorRow).options(joinedload(IndicatorRow.lead_unit)).where(IndicatorRow.id == indicator),
        shares=select(UnitTargetRow).options(joinedload(UnitTargetRow.unit))
        .where(UnitTargetRow.indicator_id == indicator)
        .where(or_(UnitTargetRow.unit_id == unit, UnitTargetRow.id == first.scalar_subquery()))
        .order_by(UnitTargetRow.id),
        entry=select(EntryRow).where(
            EntryRow.indicator_id == indicator, EntryRow.unit_id == unit, EntryRow.period_id == bindparam("period_id")
        ),
        up_to=select(EntryRow).join(PeriodRow, PeriodRow.id == EntryRow.period_id)
        .where(EntryRow.indicator_id == indicator, EntryRow.unit_id == unit)
        .where(PeriodRow.plan_id == bindparam("plan_id"), PeriodRow.month <= bindparam("month"))
        .order_by(PeriodRow.month),
    )  # fmt: skip


def _units_plan(session: Session, plan_row: PlanRow) -> Plan:
    """The plan with its units and no areas: what `reporting_units` needs besides the indicator."""
    parent = aliased(OrgUnitRow)
    query = (
        select(OrgUnitRow.name, OrgUnitRow.kind, parent.name.label("parent"))
        .outerjoin(parent, parent.id == OrgUnitRow.parent_id).order_by(OrgUnitRow.position, OrgUnitRow.id)
        .where(in_region(session=session, region=plan_row.region))
    )  # fmt: skip
    rows = session.execute(query).all()
    names = {r.name for r in rows}  # the plan's top unit has no parent in it (a province is another plan's)
    units = [OrgUnit(name=r.name, kind=r.kind, parent=r.parent if r.parent in names else None) for r in rows]
    return Plan(region=plan_row.region, year=plan_row.year, title=plan_row.title, units=units)


def _unit_period_entries(
    session: Session, unit_id: int, period_ids: list[int]
) -> dict[tuple[int, int], EntryRow]:
    query = select(EntryRow).where(EntryRow.unit_id == unit_id, EntryRow.period_id.in_(period_ids))
    return {(e.indicator_id, e.period_id): e for e in session.scalars(query)}


def _unit_latest_earlier_entries(
    session: Session, unit_id: int, period: PeriodRow
) -> dict[int, tuple[EntryRow, int]]:
    """Per indicator, `unit_id`'s entry of the latest earlier period of the plan that has one, with its month."""
    query = (
        select(EntryRow, PeriodRow.month).join(PeriodRow, PeriodRow.id == EntryRow.period_id)
        .where(EntryRow.unit_id == unit_id, PeriodRow.plan_id == period.plan_id, PeriodRow.month < period.month)
        .order_by(PeriodRow.month)
    )  # fmt: skip
    return {entry.indicator_id: (entry, month) for entry, month in session.execute(query)}


def check_entry(
    *, session: Session, plan_row: PlanRow, indicator: Indicator, indicator_id: int, unit: ReportingUnit,
    period: PeriodRow, figure: Figure, confirmed: bool, earlier: list[EntryRow] | None = None,
) -> list[Problem]:  # fmt: skip
    """Every problem of `figure` as `unit`'s figure for the indicator (row `indicator_id`) in `period`, judged on
    the unit's history (`earlier`: its entries of the months before, when the caller has read them already)."""
    if earlier is None:
        earlier = _entry_and_earlier(session, indicator_id, unit.id, period)[1]
    context = Context(
        target=unit_target(indicator=indicator, unit=unit.name), on=period_end(period, plan_row.year),
        year=plan_row.year, thresholds=Thresholds.model_validate(plan_row.thresholds or {}),
        previous=_as_figure(earlier[-1]) if earlier else None,
        history=[v for v in (_best_value(e) for e in earlier) if v is not None], confirmed=confirmed,
    )  # fmt: skip
    return check_figure(indicator=indicator, figure=figure, context=context)


def save_figure(
    *, session: Session, plan_row: PlanRow, indicator: Indicator, indicator_id: int, unit: ReportingUnit,
    period: PeriodRow, raw: Mapping[str, object], writer: Writer, expected_version: int | None = None,
    confirmed: bool = False, reason: str | None = None, submitting: bool = False, display_unit: str | None = None,
) -> EntryRow:  # fmt: skip
    """Read, check and save a unit's figure for the indicator (row `indicator_id`) as a draft; ValidationFailed
    lists every problem.

    A warning alone (an outlier, a stage going back) never keeps a draft from being saved: only submitting
    asks for the confirmation (`submitting`: now, for a template upload that submits what it saves).
    `display_unit`: the unit the value was typed in (万元 on a form or template); None: the stored unit (API).
    """
    _check_reported(session, plan_row, indicator, unit)
    current, earlier = _entry_and_earlier(session, indicator_id, unit.id, period)
    figure, problems = read_figure(indicator=indicator, raw=raw, display_unit=display_unit)
    if not problems and current is not None and _unchanged(current, _fields(indicator, figure)):
        return current  # the same figure sent again (a re-uploaded template) is not re-checked or re-saved
    check_lock(session=session, period=period, unit_id=unit.id, entry=current, writer=writer, step=Step.EDIT,
               year=plan_row.year)  # fmt: skip
    if not problems:
        problems = _unstorable(_fields(indicator, figure)) or check_entry(
            session=session, plan_row=plan_row, indicator=indicator, indicator_id=indicator_id, unit=unit,
            period=period, figure=figure, confirmed=confirmed, earlier=earlier,
        )  # fmt: skip
    if problems and (submitting or not all(p.warning for p in problems)):
        raise ValidationFailed(problems)
    # warnings saved unconfirmed are kept with the change, for submitting to ask about
    extra = {"confirmed": True} if confirmed else {"warnings": [[p.field, p.message] for p in problems]}
    return record_value(
        session=session, indicator_id=indicator_id, unit_id=unit.id, period_id=period.id, user_id=writer.user_id,
        **_fields(indicator, figure), expected_version=expected_version, reason=reason,
        extra=extra if confirmed or problems else None, found=current,
    )  # fmt: skip


def unconfirmed_warnings(*, session: Session, entry: EntryRow) -> list[Problem]:
    """The warnings its unit did not confirm when the figure was last saved (outliers, a stage going back)."""
    return _unconfirmed_warnings_of(session, [entry])[entry.id]


def _unconfirmed_warnings_of(session: Session, entries: list[EntryRow]) -> dict[int, list[Problem]]:
    """`unconfirmed_warnings` of each entry (by id): the warnings this session recorded, the rest in one read."""
    recorded: dict[int, Any] = session.info.get(RECORDED_WARNINGS, {})
    saved = _saved_warnings(session, [e.id for e in entries if e.id not in recorded])
    return {
        e.id: [
            Problem(field, message, warning=True)
            for field, message in recorded.get(e.id, saved.get(e.id)) or []
        ]
        for e in entries
    }


def _saved_warnings(session: Session, entry_ids: list[int]) -> dict[int, list[list[str]] | None]:
    """Per entry, the warnings of its last `entry.record` audit row (an entry without one is left out)."""
    if not entry_ids:
        return {}
    rows = session.execute(_last_records(), {"entry_ids": entry_ids})
    return {entity_id: (new or {}).get("warnings") for entity_id, new in rows}


@cache
def _last_records() -> Select[tuple[int | None, dict[str, Any] | None]]:
    """Each of the entries' (`entry_ids`) last `entry.record` audit row: built once (every submit runs it)."""
    record = (AuditRow.entity == "entry", AuditRow.action == "entry.record")
    of = AuditRow.entity_id.in_(bindparam("entry_ids", expanding=True))
    last = select(func.max(AuditRow.id)).where(*record, of).group_by(AuditRow.entity_id)
    return select(AuditRow.entity_id, AuditRow.new).where(AuditRow.id.in_(last))


def check_confirmed(*, session: Session, entries: list[EntryRow], confirmed: Collection[int]) -> None:
    """Refuse to submit figures whose warnings are not confirmed (ids in `confirmed`, each with a 备注)."""
    problems = []
    unconfirmed = _unconfirmed_warnings_of(session, entries)
    for entry in entries:
        warnings = unconfirmed[entry.id]
        if not warnings:
            continue
        code = session.get_one(IndicatorRow, entry.indicator_id).code
        if entry.id not in confirmed:
            problems += [Problem(p.field, f"{code} {p.message}", warning=True) for p in warnings]
        elif not (entry.note or "").strip():
            problems.append(Problem("note", f"{code} 已确认异常数据，须在备注中说明原因"))
    if problems:
        raise ValidationFailed(problems)


def _check_reported(session: Session, plan_row: PlanRow, indicator: Indicator, unit: ReportingUnit) -> None:
    if not asked_of_units(indicator=indicator):
        raise NotReported(f"指标 {indicator.id}“{indicator.name}”由项目台账自动统计，各单位无需填报")
    if not reports(
        indicator=indicator, unit=unit.name, kind=OrgKind(unit.kind), city=lambda: _city(session, plan_row)
    ):
        raise NotReported(f"{unit.name}不填报指标 {indicator.id}“{indicator.name}”，不能为它填报数据")


def _city(session: Session, plan_row: PlanRow) -> str:
    """`city_name` read from the store: the plan's top unit (one row), else the plan's region."""
    query = select(OrgUnitRow.name).where(OrgUnitRow.kind.in_(TOP_KIND_VALUES))
    named = or_(OrgUnitRow.code == plan_row.region, OrgUnitRow.name == plan_row.region)
    query = query.order_by(named.desc(), OrgUnitRow.position, OrgUnitRow.id)  # the named one, else the first
    return session.scalar(query.limit(1)) or plan_row.region


def _unstorable(fields: Mapping[str, Any]) -> list[Problem]:
    """Numbers the store's NUMERIC(24, 6) columns cannot hold (PostgreSQL would refuse them with a 500)."""
    return [
        Problem(name, "数值过大，超出可保存的范围（绝对值须小于 10 的 18 次方）")
        for name in ("value", "numerator", "denominator")
        if fields[name] is not None and not (fields[name].is_finite() and abs(fields[name]) < AMOUNT_LIMIT)
    ]


def _fields(indicator: Indicator, figure: Figure) -> dict[str, Any]:
    """The columns a read figure is stored in."""
    return {
        "value": rate_of(indicator=indicator, figure=figure), "numerator": figure.numerator,
        "denominator": figure.denominator, "stage": figure.stage.value if figure.stage else None,
        "stage_date": figure.stage_date, "note": figure.note,
    }  # fmt: skip


@dataclass(frozen=True)
class Submission:
    """What a unit's submission sent for review, and what the lock rule kept back (with why)."""

    submitted: list[EntryRow]
    kept: list[tuple[EntryRow, str]]


def submit_entries(
    *, session: Session, plan_row: PlanRow, unit_id: int, period: PeriodRow, writer: Writer,
    entry_ids: Collection[int] | None = None, confirmed: Collection[int] = (), confirm_all: bool = False,
) -> Submission:  # fmt: skip
    """Submit the unit's draft or returned figures (only `entry_ids` when given) that the lock rule allows.

    After the deadline only the figures the office returned go; the others are kept back and named.
    When none may go, PeriodClosed says why and nothing changes. A figure saved with a warning goes only
    when confirmed (its id in `confirmed`, or `confirm_all`), else ValidationFailed names each.
    """
    pending = _unit_entries(session, unit_id, period.id, {EntryState.DRAFT, EntryState.RETURNED})
    if entry_ids is not None:
        pending = [e for e in pending if e.id in set(entry_ids)]
    if not pending:
        raise WorkflowError(
            "没有待提交的数据" if entry_ids is None else "请勾选要提交的数据（只能提交填报中或被退回的数据）"
        )
    refusals = {e.id: lock_refusal(session=session, period=period, unit_id=unit_id, entry=e, writer=writer,
                                   step=Step.SUBMIT, year=plan_row.year) for e in pending}  # fmt: skip
    kept = [(e, reason) for e in pending if (reason := refusals[e.id])]
    if len(kept) == len(pending):
        raise PeriodClosed(kept[0][1])
    going = [e for e in pending if not refusals[e.id]]
    check_confirmed(session=session, entries=going,
                    confirmed={e.id for e in going} if confirm_all else confirmed)  # fmt: skip
    sent = [submit(session=session, entry=e, writer=writer) for e in going]
    return Submission(sent, kept)


def approve_entries(*, session: Session, unit_id: int, period: PeriodRow, writer: Writer) -> list[EntryRow]:
    """Approve every submitted figure of a unit for a period."""
    pending = _unit_entries(session, unit_id, period.id, {EntryState.SUBMITTED})
    if not pending:
        raise WorkflowError("没有待审核的数据")
    return [approve(session=session, entry=entry, writer=writer) for entry in pending]


def figure_as_of(
    *, session: Session, entry_id: int, on: date, official: bool = True
) -> dict[str, Any] | None:
    """The figure as it stood at the end of day `on` (Beijing time): official, or as last reported."""
    until = datetime.combine(on, time.max, tzinfo=LOCAL).astimezone(UTC)
    steps = [r for r in history(session=session, entity="entry", entity_id=entry_id, until=until) if r.new]
    if official:
        steps = [r for r in steps if r.action in ("entry.approve", "entry.correct")]
    if not steps:
        return None
    last = steps[-1]
    assert last.new is not None
    return {**{k: last.new.get(k) for k in ("value", "numerator", "denominator", "stage", "note")},
            "state": last.new.get("state", EntryState.DRAFT.value), "at": last.at}  # fmt: skip


def cell_history(*, session: Session, entry_id: int) -> list[dict[str, Any]]:
    """Every change of one figure, oldest first: when, who, what, old and new values, why."""
    names = {u.id: u.display_name or u.username for u in session.scalars(select(UserRow))}
    return [
        {"at": r.at, "user": names.get(r.user_id or 0, "系统"), "action": r.action,
         "action_label": ACTION_LABELS.get(r.action, r.action), "old": r.old, "new": r.new, "reason": r.reason}
        for r in history(session=session, entity="entry", entity_id=entry_id)
    ]  # fmt: skip


def entry_figures(entry: EntryRow) -> dict[str, Any]:
    """The figure an entry holds now, with its state and version, as plain data."""
    return {**_figures(entry), "state": entry.state, "version": entry.version,
            "official_value": plain_number(entry.official_value), "return_reason": entry.return_reason}  # fmt: skip


def _check_version(session: Session, entry: EntryRow, expected_version: int | None) -> None:
    if expected_version is None:
        return
    found = entry.version if entry.id is not None else 0
    if found != expected_version:
        raise ConflictError(_conflict_message(session, entry), entry_figures(entry) if entry.id else None)


def _conflict_message(session: Session, entry: EntryRow) -> str:
    who = session.get(UserRow, entry.updated_by) if entry.updated_by else None
    name = (who.display_name or who.username) if who else "他人"
    when = entry.updated_at.astimezone(LOCAL).strftime("%m-%d %H:%M") if entry.updated_at else ""
    return f"该数据已被{name}于{when}修改（当前值 {_show(entry)}），您的填写未保存但已保留，请核对后重新提交"


def _show(entry: EntryRow) -> str:
    if entry.stage:
        return MilestoneStage(entry.stage).label
    if entry.numerator is not None:
        return f"{plain_number(entry.numerator)}/{plain_number(entry.denominator)}"
    return plain_number(entry.value) or "空"


def _flush(session: Session, entry: EntryRow, changes: Mapping[str, Any], conflict: str) -> None:
    """Write `changes` to the entry in a savepoint, so that a concurrent change is a ConflictError and the
    request's transaction stays usable (changes made before the savepoint would be flushed outside it)."""
    try:
        with session.begin_nested():
            for name, value in changes.items():
                setattr(entry, name, value)
            session.add(entry)
            session.flush()
    except (StaleDataError, IntegrityError):
        raise ConflictError(conflict) from None


def _entry(session: Session, indicator_id: int, unit_id: int, period_id: int) -> EntryRow:
    return _find(session, indicator_id, unit_id, period_id) or EntryRow(
        indicator_id=indicator_id, unit_id=unit_id, period_id=period_id
    )


def _find(session: Session, indicator_id: int, unit_id: int, period_id: int) -> EntryRow | None:
    params = {"indicator_id": indicator_id, "unit_id": unit_id, "period_id": period_id}
    return session.scalars(_save_queries().entry, params).first()


def _unit_entries(session: Session, unit_id: int, period_id: int, states: set[EntryState]) -> list[EntryRow]:
    query = select(EntryRow).where(
        EntryRow.unit_id == unit_id, EntryRow.period_id == period_id,
        EntryRow.state.in_([s.value for s in states]),
    ).order_by(EntryRow.id)  # fmt: skip
    return list(session.scalars(query))


def _entry_and_earlier(
    session: Session, indicator_id: int, unit_id: int, period: PeriodRow
) -> tuple[EntryRow | None, list[EntryRow]]:
    """The unit's entry in `period` (None if there is none yet) and its entries of the months before, oldest
    first: one read."""
    params = {
        "indicator_id": indicator_id,
        "unit_id": unit_id,
        "plan_id": period.plan_id,
        "month": period.month,
    }
    entries = list(session.scalars(_save_queries().up_to, params))
    if entries and entries[-1].period_id == period.id:
        return entries[-1], entries[:-1]
    return None, entries


def _best_value(entry: EntryRow) -> Decimal | None:
    """The official value when approved, else the figure as reported."""
    return entry.official_value if entry.official_value is not None else entry.value


def _as_figure(entry: EntryRow) -> Figure:
    stage = entry.official_stage or entry.stage
    return Figure(value=_best_value(entry), numerator=entry.numerator, denominator=entry.denominator,
                  stage=MilestoneStage(stage) if stage else None)  # fmt: skip


def _require(entry: EntryRow, states: set[EntryState], message: str) -> None:
    if EntryState(entry.state) not in states:
        raise WorkflowError(f"{message}（当前状态：{EntryState(entry.state).label}）")


def _move(
    session: Session, entry: EntryRow, user_id: int | None, state: EntryState, action: str,
    reason: str | None = None, changes: Mapping[str, Any] | None = None,
) -> EntryRow:  # fmt: skip
    moved = {**(changes or {}), "state": state.value, "updated_by": user_id, "updated_at": utcnow()}
    if state is EntryState.SUBMITTED:
        moved["submitted_at"] = moved["updated_at"]
    with audited(session, actor=user_id, action=action, reason=reason, subject=entry):
        _flush(session, entry, moved, "该数据刚被他人处理，您的操作未生效，请刷新后查看当前状态")
    return entry


def _figures(entry: EntryRow) -> dict[str, Any]:
    return {
        "value": plain_number(entry.value), "numerator": plain_number(entry.numerator),
        "denominator": plain_number(entry.denominator), "stage": entry.stage, "stage_date": entry.stage_date,
        "note": entry.note,
    }  # fmt: skip


def unit_entries(
    *, session: Session, plan_id: int, unit_id: int, period_id: int, codes: list[str]
) -> list[EntryRow]:
    """The unit's figures of one period for the plan's indicators of those codes."""
    query = (
        select(EntryRow).join(IndicatorRow, EntryRow.indicator_id == IndicatorRow.id)
        .where(IndicatorRow.plan_id == plan_id, IndicatorRow.code.in_(codes),
               EntryRow.unit_id == unit_id, EntryRow.period_id == period_id)
    )  # fmt: skip
    return list(session.scalars(query.order_by(EntryRow.id)))


def entry_versions(*, session: Session, unit_id: int, period_id: int) -> dict[int, int]:
    """Indicator id → version of the unit's figure of the period (what a concurrent edit is checked against)."""
    query = select(EntryRow.indicator_id, EntryRow.version).where(
        EntryRow.unit_id == unit_id, EntryRow.period_id == period_id
    )
    return {indicator_id: version for indicator_id, version in session.execute(query)}


def clear_period_entries(*, session: Session, period_ids: list[int]) -> None:
    """Delete every figure of those periods (the demo replaces them; nothing a user entered goes this way)."""
    with rewriting(session=session, period_ids=period_ids):
        session.execute(delete(EntryRow).where(EntryRow.period_id.in_(period_ids)))
