"""年终考核: the office closes a year, sees its final statuses and county ranking, and may reopen it.

Closing locks every period of the plan and marks the plan closed; from then on the one lock rule
(`duban.services.locks`) refuses every change to the year's figures, the office's included, except an
admin's correction with a reason (`correct_year_figure`). The open 督办 items are carried into the next
year's plan (the same indicator code) or closed with a reason, as the office chose in the preview.
Closing twice changes nothing; reopening (with a reason) unlocks the periods the close locked. Every step
is audited. The final statuses are those of `duban.progress.final`, from December's judgement.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from duban.choices import EntryState, FinalStatus, ItemFate
from duban.persistence.audit import audited, history, record_event
from duban.persistence.models import EntryRow, IndicatorRow, OrgUnitRow, PeriodRow, PlanRow, utcnow
from duban.persistence.supervision_models import SupervisionItemRow
from duban.plan.levels import Level, plan_level
from duban.plan.model import Plan
from duban.progress.final import final_status, unit_final_status
from duban.progress.ranking import Ranking
from duban.services.entries import Writer, correct_figure
from duban.services.overview import IndicatorLine, Overview, period_overview
from duban.services.periods import WorkflowError, find_period, lock_period, period_label
from duban.services.supervision import OPEN_STATES, carry_item, close_at_year_end
from duban.services.units import unit_named

ENTITY = "plan"
LAST_MONTH = 12


@dataclass(frozen=True)
class TargetResult:
    """One target's final standing: the city's, or one county's share."""

    code: str
    name: str
    unit: str | None
    target: Decimal
    actual: Decimal | None
    completion_pct: Decimal | None
    status: FinalStatus
    aspiration: bool


@dataclass(frozen=True)
class CountyResult:
    """A county's place in the year's ranking, with its final statuses."""

    ranking: Ranking
    status: FinalStatus
    counts: dict[FinalStatus, int]
    targets: list[TargetResult]


@dataclass(frozen=True)
class YearResult:
    """考核结果: the year's final statuses for the city and every county, and the county ranking."""

    plan: Plan
    plan_id: int
    closed_at: datetime | None
    mostly_done: Decimal
    targets: list[TargetResult]
    counties: list[CountyResult]

    @property
    def year(self) -> int:
        return self.plan.year

    @property
    def level(self) -> Level:
        """The plan's level: a province ranks its cities (市（州）), a city its counties."""
        return plan_level(self.plan)

    def counts(self) -> dict[FinalStatus, int]:
        """The city's targets by final status (力争 targets left out)."""
        return _count(t.status for t in self.targets if not t.aspiration)


def year_result(*, session: Session, plan_row: PlanRow, today: date) -> YearResult:
    """The final statuses and county ranking of the plan's year, from December's official figures."""
    # lean: the result needs no city series, last year or forecast, and only the ranked units' lines
    overview = period_overview(session=session, plan_row=plan_row, month=LAST_MONTH, today=today, lean=True)
    line = overview.plan.thresholds.mostly_done
    targets = [_city_result(ind, line) for ind in overview.indicators]
    counties = [_county_result(overview, r, line) for r in overview.rankings]
    return YearResult(overview.plan, plan_row.id, plan_row.closed_at, line, targets, counties)


def _city_result(line: IndicatorLine, mostly_done: Decimal) -> TargetResult:
    ind = line.indicator
    return TargetResult(ind.id, ind.name, None, ind.target or Decimal(0), line.figure.value,
                        line.judgement.completion_pct, final_status(judgement=line.judgement, mostly_done=mostly_done),
                        ind.aspiration)  # fmt: skip


def _county_result(overview: Overview, ranking: Ranking, mostly_done: Decimal) -> CountyResult:
    targets = [
        TargetResult(line.indicator.id, line.indicator.name, unit.unit, unit.target, unit.figure.value,
                     unit.judgement.completion_pct, final_status(judgement=unit.judgement, mostly_done=mostly_done),
                     line.indicator.aspiration)
        for line, unit in overview.county_lines(ranking.unit)
    ]  # fmt: skip
    counted = [t.status for t in targets if not t.aspiration]
    status = unit_final_status(statuses=counted, mostly_done=mostly_done)
    return CountyResult(ranking, status, _count(counted), targets)


def _count(statuses: Iterable[FinalStatus]) -> dict[FinalStatus, int]:
    counts = dict.fromkeys(FinalStatus, 0)
    for status in statuses:
        counts[status] += 1
    return counts


@dataclass(frozen=True)
class ItemChoice:
    """An open 督办 item in the close preview, with what closing would do to it."""

    id: int
    title: str
    unit: str
    code: str | None
    state: str
    can_carry: bool
    proposed: ItemFate


@dataclass(frozen=True)
class ClosePreview:
    """What closing the year does: periods it locks, figures not yet final, results, open 督办 items."""

    year: int
    closed_at: datetime | None
    to_lock: list[str]
    unreviewed: int
    next_year: int | None
    items: list[ItemChoice]
    result: YearResult


def close_preview(*, session: Session, plan_row: PlanRow, today: date) -> ClosePreview:
    """What `close_year` would do now, for the office to check before it confirms."""
    periods = _periods(session, plan_row)
    to_lock = [period_label(p, plan_row.year) for p in periods if not p.locked]
    following = next_plan(session=session, plan_row=plan_row)
    items = _choices(session, open_items(session=session, plan_row=plan_row), following)
    return ClosePreview(plan_row.year, plan_row.closed_at, to_lock, _unreviewed(session, plan_row),
                        following.year if following else None, items,
                        year_result(session=session, plan_row=plan_row, today=today))  # fmt: skip


def next_plan(*, session: Session, plan_row: PlanRow) -> PlanRow | None:
    """The plan of the following year for the same region, where 督办 items are carried."""
    query = select(PlanRow).where(PlanRow.region == plan_row.region, PlanRow.year == plan_row.year + 1)
    return session.scalars(query).first()


def open_items(*, session: Session, plan_row: PlanRow) -> list[SupervisionItemRow]:
    """The plan's 督办 items not yet closed (办结), oldest first."""
    query = select(SupervisionItemRow).where(SupervisionItemRow.plan_id == plan_row.id,
                                             SupervisionItemRow.state.in_(OPEN_STATES))  # fmt: skip
    return list(session.scalars(query.order_by(SupervisionItemRow.id)))


def _choices(
    session: Session, items: list[SupervisionItemRow], following: PlanRow | None
) -> list[ItemChoice]:
    """Each open item with its indicator's code, its unit and whether the following plan can take it: three
    reads for all the items, not three per item."""
    codes = _names(
        session, IndicatorRow.code, IndicatorRow.id, {i.indicator_id for i in items if i.indicator_id}
    )
    units = _names(session, OrgUnitRow.name, OrgUnitRow.id, {i.unit_id for i in items})
    taken = set() if following is None else _carried(session, following, set(codes.values()))
    choices = []
    for item in items:
        code = codes.get(item.indicator_id) if item.indicator_id else None
        carry = code in taken
        choices.append(ItemChoice(item.id, item.title, units[item.unit_id], code, item.state, carry,
                                  ItemFate.CARRY if carry else ItemFate.CLOSE))  # fmt: skip
    return choices


def _carried(session: Session, following: PlanRow, codes: set[str]) -> set[str]:
    """Of `codes`, those the following year's plan holds: where their items can be carried."""
    query = select(IndicatorRow.code).where(
        IndicatorRow.plan_id == following.id, IndicatorRow.code.in_(codes)
    )
    return set(session.scalars(query))


def _names(session: Session, name: Any, key: Any, keys: set[int]) -> dict[int, str]:
    """`name` by `key` for the given keys, in one read."""
    return {ident: shown for ident, shown in session.execute(select(key, name).where(key.in_(keys)))}


def _carry_target(session: Session, code: str | None, following: PlanRow | None) -> int | None:
    """The id of the indicator with `code` in the following year's plan, where its item would go."""
    if code is None or following is None:
        return None
    query = select(IndicatorRow.id).where(IndicatorRow.plan_id == following.id, IndicatorRow.code == code)
    return session.scalar(query)


def _periods(session: Session, plan_row: PlanRow) -> list[PeriodRow]:
    query = select(PeriodRow).where(PeriodRow.plan_id == plan_row.id).order_by(PeriodRow.month)
    return list(session.scalars(query))


def _unreviewed(session: Session, plan_row: PlanRow) -> int:
    """Figures of the year not approved (drafts, submitted, returned): they do not count in the result."""
    query = (
        select(func.count(EntryRow.id)).join(PeriodRow, PeriodRow.id == EntryRow.period_id)
        .where(PeriodRow.plan_id == plan_row.id, EntryRow.state != EntryState.APPROVED.value)
    )  # fmt: skip
    return session.scalar(query) or 0


def close_year(
    *, session: Session, plan_row: PlanRow, user_id: int | None, today: date, reason: str,
    fates: Mapping[int, ItemFate] | None = None,
) -> bool:  # fmt: skip
    """Close the year: lock every period, carry or close the open 督办 items, mark the plan closed; audited.

    `fates` gives an item's fate by id (the preview's proposal otherwise). False, and nothing changes, when
    the year is already closed (a second click, or two offices at once).
    """
    if not reason.strip():
        raise WorkflowError("年终考核关闭必须说明理由（如：2026年度年终考核）")
    preview = close_preview(session=session, plan_row=plan_row, today=today)
    choices = {c.id: (fates or {}).get(c.id, c.proposed) for c in preview.items}
    refused = [c for c in preview.items if choices[c.id] is ItemFate.CARRY and not c.can_carry]
    if refused:
        raise WorkflowError(
            f"督办单“{refused[0].title}”的指标不在{plan_row.year + 1}年度计划中，不能结转，请选择办结"
        )
    if not _mark_closed(session, plan_row, user_id):
        return False
    locked = [p for p in _periods(session, plan_row) if not p.locked]
    for period in locked:
        lock_period(session=session, period=period, user_id=user_id, today=today, reason=reason.strip())
    moved = _settle_items(session, plan_row, choices, user_id, today, reason.strip())
    record_event(session, actor=user_id, action="year.close", subject=(ENTITY, plan_row.id),
                 old={"closed": False}, new={"closed": True, "locked_months": [p.month for p in locked], **moved},
                 reason=reason.strip())  # fmt: skip
    return True


def _mark_closed(session: Session, plan_row: PlanRow, user_id: int | None) -> bool:
    """Mark the plan closed unless it already is: one UPDATE, so two clicks at once close it once."""
    query = (
        update(PlanRow).where(PlanRow.id == plan_row.id, PlanRow.closed_at.is_(None))
        .values(closed_at=utcnow(), closed_by=user_id).execution_options(synchronize_session=False)
    )  # fmt: skip
    changed = session.execute(query).rowcount  # type: ignore[attr-defined]
    session.refresh(plan_row)
    return bool(changed)


def _settle_items(
    session: Session, plan_row: PlanRow, choices: Mapping[int, ItemFate], user_id: int | None, today: date,
    reason: str,
) -> dict[str, list[int]]:  # fmt: skip
    following = next_plan(session=session, plan_row=plan_row)
    carried, closed = [], []
    for item in open_items(session=session, plan_row=plan_row):
        if choices.get(item.id) is ItemFate.CARRY and following is not None:
            code = session.get_one(IndicatorRow, item.indicator_id).code
            new = carry_item(session=session, item=item, plan_id=following.id,
                             indicator_id=_carry_target(session, code, following), user_id=user_id, today=today)  # fmt: skip
            carried.append(new.id)
        else:
            close_at_year_end(session=session, item=item, user_id=user_id, today=today, reason=reason)
            closed.append(item.id)
    return {"carried": carried, "closed_items": closed}


def reopen_year(
    *, session: Session, plan_row: PlanRow, user_id: int | None, today: date, reason: str
) -> bool:
    """Reopen a closed year (with a reason): the periods the close locked are unlocked; audited.

    False, and nothing changes, when the year is not closed. 督办 items the close carried or closed stay so.
    """
    if not reason.strip():
        raise WorkflowError("重新开放已年终考核的年度必须说明理由")
    if plan_row.closed_at is None:
        return False
    months = _locked_by_close(session, plan_row)
    for period in _periods(session, plan_row):
        if period.month in months and period.locked:
            with audited(session, actor=user_id, action="period.unlock", reason=reason.strip()):
                period.locked = False
    old = {"closed": True, "closed_at": plan_row.closed_at, "closed_by": plan_row.closed_by}
    plan_row.closed_at, plan_row.closed_by = None, None
    session.flush()
    record_event(session, actor=user_id, action="year.reopen", subject=(ENTITY, plan_row.id),
                 old=old, new={"closed": False, "unlocked_months": sorted(months)}, reason=reason.strip())  # fmt: skip
    return True


def _locked_by_close(session: Session, plan_row: PlanRow) -> set[int]:
    """The months the latest close of the year locked (those locked before it stay locked)."""
    closes = [
        s for s in history(session=session, entity=ENTITY, entity_id=plan_row.id) if s.action == "year.close"
    ]
    return set((closes[-1].new or {}).get("locked_months", [])) if closes else set()


def correct_year_figure(
    *, session: Session, plan_row: PlanRow, code: str, unit: str, month: int, raw: Mapping[str, object],
    writer: Writer, reason: str,
) -> EntryRow:  # fmt: skip
    """An admin's correction of a final figure of a closed year (`unit`: a code or name), audited."""
    row = session.scalar(
        select(IndicatorRow).where(IndicatorRow.plan_id == plan_row.id, IndicatorRow.code == code)
    )
    unit_row = unit_named(session=session, name=unit)  # its code, or its name where that is unique
    period = find_period(session=session, plan_id=plan_row.id, month=month)
    if row is None or unit_row is None or period is None:
        raise WorkflowError(f"{plan_row.year}年度计划中没有指标“{code}”、单位“{unit}”或{month}月报送期")
    return correct_figure(session=session, plan_row=plan_row, row=row, unit=unit_row, period=period, raw=raw,
                          writer=writer, reason=reason)  # fmt: skip
