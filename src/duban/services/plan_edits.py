"""One target of the stored plan edited by hand: its value, comparator, lead unit, display unit and breakdown.

Checked before anything is written (a refused edit changes nothing), then written in one audited scope
whose record keeps the old and new values and the office's reason.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from duban.persistence.audit import audited
from duban.persistence.models import IndicatorRow, OrgUnitRow, UnitTargetRow
from duban.plan.model import Indicator
from duban.plan.units import exact_number
from duban.services.plans import indicator_from_row
from duban.services.units import units_by_key


class EditRefused(ValueError):
    """The edit cannot be saved; the message says why, in Chinese."""


def apply_edit(*, session: Session, row: IndicatorRow, edited: Indicator, user_id: int, reason: str) -> None:
    """Write the edited target and breakdown to the store, audited with old and new values and the reason."""
    if not reason.strip():
        raise EditRefused("修改目标必须填写理由（将记入修改记录）")
    units = units_by_key(session=session)
    _check_units(edited, units)
    old, new = recorded_values(indicator_from_row(row)), recorded_values(edited)
    with audited(session, actor=user_id, action="indicator.edit", subject=("indicator", row.id), old=old, new=new,
                 reason=reason.strip()):  # fmt: skip
        _write(row, edited, units)


def _check_units(edited: Indicator, units: dict[str, OrgUnitRow]) -> None:
    if edited.lead_unit and edited.lead_unit not in units:
        raise EditRefused(f"牵头单位“{edited.lead_unit}”不存在")
    named = edited.breakdown.targets if edited.breakdown else {}
    if unknown := [key for key in named if key not in units]:
        raise EditRefused(f"分解单位“{'、'.join(unknown)}”不存在")


def _write(row: IndicatorRow, edited: Indicator, units: dict[str, OrgUnitRow]) -> None:
    row.target, row.comparator, row.aspiration = edited.target, edited.comparator.value, edited.aspiration
    row.display_unit = edited.display_unit
    row.extra = {**(row.extra or {}), **_milestone_kept(edited, row.plan.year)}
    row.lead_unit = units[edited.lead_unit] if edited.lead_unit else None
    named = edited.breakdown.targets if edited.breakdown else {}
    wanted = {
        units[key].id: value for key, value in named.items()
    }  # by id: a plan names a unit by code or name
    kept = {t.unit.id: t for t in row.unit_targets if t.unit.id in wanted}
    row.unit_targets = [kept.get(units[key].id) or UnitTargetRow(unit=units[key]) for key in named]
    for target in row.unit_targets:
        target.value = wanted[target.unit.id]
        target.status = edited.breakdown.status.value if edited.breakdown else "draft"
        target.basis = edited.breakdown.basis if edited.breakdown else None


def _milestone_kept(ind: Indicator, year: int) -> dict[str, Any]:
    """A milestone the plan gave for this year follows the edited target, so an exported plan still loads."""
    if ind.horizon is None or year not in ind.horizon.milestones:
        return {}
    horizon = ind.horizon.model_copy(update={"milestones": {**ind.horizon.milestones, year: ind.target}})
    return {"horizon": horizon.model_dump(mode="json")}


def recorded_values(ind: Indicator) -> dict[str, Any]:
    """What the trail keeps of a target before and after an edit."""
    breakdown = {k: exact_number(v) for k, v in ind.breakdown.targets.items()} if ind.breakdown else {}
    return {"target": exact_number(ind.target), "display_unit": ind.shown_unit, "comparator": ind.comparator.value,
            "lead_unit": ind.lead_unit, "aspiration": ind.aspiration, "breakdown": breakdown,
            "breakdown_status": ind.breakdown.status.value if ind.breakdown else None}  # fmt: skip
