"""Who reports which indicator, and what each reporting unit's own target is."""

from __future__ import annotations

from decimal import Decimal

from duban.choices import OrgKind, ScopeKind
from duban.plan.model import Indicator, Plan


def reporting_units(*, indicator: Indicator, plan: Plan) -> list[str]:
    """The units that report figures for `indicator`.

    Broken-down targets are reported by the units they were broken down to; "each county" targets
    by every unit of the set; single-unit targets by that unit; the rest by the lead unit (or the city).
    """
    if indicator.breakdown and indicator.breakdown.targets:
        return list(indicator.breakdown.targets)
    if indicator.scope.kind is ScopeKind.EACH:
        return indicator.scope.units or [u.name for u in plan.counties()]
    if indicator.scope.kind is ScopeKind.UNIT and indicator.scope.unit:
        return [indicator.scope.unit]
    return [indicator.lead_unit or city_name(plan)]


def unit_target(*, indicator: Indicator, unit: str) -> Decimal:
    """The target a reporting unit is held to: its breakdown share, else the indicator's own target."""
    if indicator.breakdown and unit in indicator.breakdown.targets:
        return indicator.breakdown.targets[unit]
    return indicator.target


def city_name(plan: Plan) -> str:
    """The plan's top unit (the city), falling back to the region's name."""
    return next((u.name for u in plan.units if u.kind is OrgKind.CITY), plan.region)
