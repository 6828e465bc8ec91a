"""Target revisions (mid-year 人大 adjustments): a city target or a unit's share changed from a month on.

A revision counts once the office has approved it, for its effective month and every later one; months
before it stay judged against the target then in force. The stored target always holds the value in
force at year end, so pages that show "the target" show the current one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from duban.choices import RevisionState
from duban.persistence.audit import audited
from duban.persistence.models import IndicatorRow, OrgUnitRow, UnitTargetRow, utcnow
from duban.persistence.revision_models import TargetRevisionRow
from duban.plan.model import Indicator, Plan
from duban.progress.forecast import format_quantity

TargetKey = tuple[str, str | None]  # (indicator code, unit name or None for the city target)


class RevisionError(ValueError):
    """A revision that cannot be made, explained in Chinese."""


@dataclass(frozen=True)
class TargetChange:
    """An approved revision as status pages and bulletins cite it."""

    id: int
    indicator: str
    name: str
    unit: str | None
    old: Decimal
    new: Decimal
    measure: str
    year: int
    month: int
    reason: str

    def sentence(self) -> str:
        """A-03 目标自2026年7月起由1000个调整为1100个，理由：…"""
        whose = f"{self.unit}" if self.unit else ""
        old, new = (format_quantity(value=v, unit=self.measure) for v in (self.old, self.new))
        return f"{self.indicator}“{self.name}”{whose}目标自{self.year}年{self.month}月起由{old}调整为{new}，理由：{self.reason}。"


def revise_target(
    *, session: Session, indicator_id: int, unit_id: int | None, new_value: Decimal, effective_month: int,
    reason: str, user_id: int | None, approve: bool = True,
) -> TargetRevisionRow:  # fmt: skip
    """Revise the city target (unit_id None) or a unit's share from `effective_month` on; audited.

    With `approve` (the office revising itself) it counts at once; otherwise it waits for approve_revision.
    """
    indicator = _indicator(session, indicator_id)
    _check(indicator, unit_id, new_value, effective_month, reason)
    old = _value_before(session, indicator, unit_id, effective_month)
    row = TargetRevisionRow(plan_id=indicator.plan_id, indicator_id=indicator.id, unit_id=unit_id, old_value=old,
                            new_value=new_value, effective_month=effective_month, reason=reason.strip(),
                            state=RevisionState.PENDING.value, created_by=user_id)  # fmt: skip
    with audited(session, actor=user_id, action="target.revise", reason=row.reason, subject=row,
                 old={"target": old}, new=_named(indicator, unit_id, session)):  # fmt: skip
        session.add(row)
    return approve_revision(session=session, revision_id=row.id, user_id=user_id) if approve else row


def approve_revision(*, session: Session, revision_id: int, user_id: int | None) -> TargetRevisionRow:
    """The office approves a revision: from now on it counts, and the stored target shows its effect."""
    row = session.get(TargetRevisionRow, revision_id)
    if row is None:
        raise RevisionError(f"目标调整 {revision_id} 不存在")
    if row.state == RevisionState.APPROVED:
        raise RevisionError(f"目标调整 {revision_id} 已经批准")
    with audited(session, actor=user_id, action="target.approve", subject=row):
        row.state, row.approved_by, row.approved_at = RevisionState.APPROVED.value, user_id, utcnow()
    _store_year_end_value(session, row)
    return row


def targets_in_force(*, session: Session, plan_id: int, month: int) -> dict[TargetKey, Decimal]:
    """The revised targets in force in `month`, by (indicator code, unit or None); unrevised ones left out."""
    chains: defaultdict[TargetKey, list[TargetRevisionRow]] = defaultdict(list)
    for row in _approved(session, plan_id):
        chains[_key(row)].append(row)
    return {key: _in_force(chain, month) for key, chain in chains.items()}


def changes_through(*, session: Session, plan_id: int, year: int, month: int) -> list[TargetChange]:
    """The approved revisions effective in or before `month`, in effective order (for status and bulletins)."""
    rows = [r for r in _approved(session, plan_id) if r.effective_month <= month]
    return [_change(row, year) for row in rows]


def revised_plan(*, plan: Plan, targets: Mapping[TargetKey, Decimal]) -> Plan:
    """The plan with the given targets in force (city targets and units' shares)."""
    if not targets:
        return plan
    areas = [
        area.model_copy(update={"tasks": [
            task.model_copy(update={"indicators": [_revised(ind, targets) for ind in task.indicators]})
            for task in area.tasks
        ]})
        for area in plan.areas
    ]  # fmt: skip
    return plan.model_copy(update={"areas": areas})


def _revised(ind: Indicator, targets: Mapping[TargetKey, Decimal]) -> Indicator:
    update: dict[str, object] = {}
    if (ind.id, None) in targets:
        update["target"] = targets[(ind.id, None)]
    if ind.breakdown and any((ind.id, unit) in targets for unit in ind.breakdown.targets):
        shares = {unit: targets.get((ind.id, unit), value) for unit, value in ind.breakdown.targets.items()}
        update["breakdown"] = ind.breakdown.model_copy(update={"targets": shares})
    return ind.model_copy(update=update) if update else ind


def _in_force(chain: list[TargetRevisionRow], month: int) -> Decimal:
    """The new value of the last revision effective by `month`; before the first, its old value."""
    effective = [row for row in chain if row.effective_month <= month]
    return effective[-1].new_value if effective else chain[0].old_value


def _value_before(session: Session, indicator: IndicatorRow, unit_id: int | None, month: int) -> Decimal:
    chain = [
        r
        for r in _approved(session, indicator.plan_id)
        if r.indicator_id == indicator.id and r.unit_id == unit_id
    ]
    if chain:
        return _in_force(chain, month - 1)
    return _stored_target(indicator, unit_id).value if unit_id is not None else indicator.target  # type: ignore[union-attr]


def _store_year_end_value(session: Session, row: TargetRevisionRow) -> None:
    chain = [
        r
        for r in _approved(session, row.plan_id)
        if r.indicator_id == row.indicator_id and r.unit_id == row.unit_id
    ]
    value = _in_force(chain, 12)
    indicator = _indicator(session, row.indicator_id)
    if row.unit_id is None:
        indicator.target = value
    else:
        _stored_target(indicator, row.unit_id).value = value  # type: ignore[union-attr]
    session.flush()


def _approved(session: Session, plan_id: int) -> list[TargetRevisionRow]:
    query = select(TargetRevisionRow).where(
        TargetRevisionRow.plan_id == plan_id, TargetRevisionRow.state == RevisionState.APPROVED.value
    )
    return list(session.scalars(query.order_by(TargetRevisionRow.effective_month, TargetRevisionRow.id)))


def _indicator(session: Session, indicator_id: int) -> IndicatorRow:
    row = session.get(IndicatorRow, indicator_id)
    if row is None:
        raise RevisionError(f"指标 {indicator_id} 不存在")
    return row


def _stored_target(indicator: IndicatorRow, unit_id: int) -> UnitTargetRow | None:
    return next((t for t in indicator.unit_targets if t.unit_id == unit_id), None)


def _check(indicator: IndicatorRow, unit_id: int | None, value: Decimal, month: int, reason: str) -> None:
    if not 1 <= month <= 12:
        raise RevisionError(f"生效月份 {month} 无效，应为 1–12")
    if not reason or not reason.strip():
        raise RevisionError("调整目标必须说明理由")
    if not Decimal(value).is_finite():
        raise RevisionError(f"新目标值“{value}”不是有效的数字")
    if unit_id is not None and _stored_target(indicator, unit_id) is None:
        raise RevisionError(f"指标 {indicator.code} 没有分解给该单位的目标，不能调整其分解目标")


def _key(row: TargetRevisionRow) -> TargetKey:
    return (row.indicator.code, row.unit.name if row.unit else None)


def _named(indicator: IndicatorRow, unit_id: int | None, session: Session) -> dict[str, object]:
    """What a revision's trail names that its row holds only as ids: the indicator's code and the unit's name."""
    unit = session.get(OrgUnitRow, unit_id) if unit_id is not None else None
    return {"indicator": indicator.code, "unit": unit.name if unit else None}


def _change(row: TargetRevisionRow, year: int) -> TargetChange:
    code, unit = _key(row)
    return TargetChange(id=row.id, indicator=code, name=row.indicator.name, unit=unit, old=row.old_value,
                        new=row.new_value, measure=row.indicator.unit, year=year, month=row.effective_month,
                        reason=row.reason)  # fmt: skip
