"""Who reports which indicator, and what each reporting unit's own target is."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from duban.choices import TOP_KINDS, Comparator, OrgKind, ScopeKind
from duban.plan.model import Indicator, Plan


def reporting_units(*, indicator: Indicator, plan: Plan) -> list[str]:
    """The units that report figures for `indicator`.

    Broken-down targets are reported by the units they were broken down to (except those left with
    无此项任务, see `has_task`); "each county" targets by every unit of the set; single-unit targets by
    that unit; the rest by the lead unit (or the city).
    """
    if indicator.breakdown and indicator.breakdown.targets:
        reach = no_task_target(comparator=indicator.comparator)  # asked once: a province's has 1,500 units
        return [unit for unit, target in indicator.breakdown.targets.items() if _is_task(reach, target)]
    if indicator.scope.kind is ScopeKind.EACH:
        return indicator.scope.units or [u.name for u in plan.counties()]
    if indicator.scope.kind is ScopeKind.UNIT and indicator.scope.unit:
        return [indicator.scope.unit]
    return [indicator.lead_unit or city_name(plan)]


def reports(*, indicator: Indicator, unit: str, kind: OrgKind, city: Callable[[], str]) -> bool:
    """Whether `unit` (of `kind`) is one of `reporting_units`, asked of that unit alone: a save reads its
    own unit and, for a figure that falls to the city, the city's name (`city()`), never every unit.

    For a broken-down target, `indicator.breakdown` must hold `unit`'s share when it has one (the other
    shares are not needed)."""
    if indicator.breakdown and indicator.breakdown.targets:
        return unit in indicator.breakdown.targets and has_task(indicator=indicator, unit=unit)
    if indicator.scope.kind is ScopeKind.EACH:
        return unit in indicator.scope.units if indicator.scope.units else kind is OrgKind.COUNTY
    if indicator.scope.kind is ScopeKind.UNIT and indicator.scope.unit:
        return unit == indicator.scope.unit
    return unit == (indicator.lead_unit or city())


def asked_of_units(*, indicator: Indicator) -> bool:
    """False for a figure fed from the project ledger: one source per figure, so no unit is asked for it.

    A plan may instead have units report it and check it against the ledger (`ledger_check`)."""
    return not indicator.fed_by_ledger


def has_task(*, indicator: Indicator, unit: str) -> bool:
    """False when the unit's share of a target to reach is 0: 无此项任务, out of counts, scores and forms.

    A share of 0 of a ceiling ("不超过 0") is a real task, so only targets to reach are concerned.
    """
    return _is_task(
        no_task_target(comparator=indicator.comparator), unit_target(indicator=indicator, unit=unit)
    )


def _is_task(reach: bool, target: Decimal) -> bool:
    """Whether a unit's share is a task: any share of a ceiling, a share above 0 of a target to reach."""
    return not (reach and target == 0)


def no_task_target(*, comparator: Comparator) -> bool:
    """Whether a target of 0 under `comparator` means 无此项任务 (all but ceilings)."""
    return comparator is not Comparator.AT_MOST


def unit_target(*, indicator: Indicator, unit: str) -> Decimal:
    """The target a reporting unit is held to: its breakdown share, else the indicator's own target."""
    if indicator.breakdown and unit in indicator.breakdown.targets:
        return indicator.breakdown.targets[unit]
    return indicator.target


def city_name(plan: Plan) -> str:
    """The plan's top unit (the city), falling back to the region's name."""
    return next((u.name for u in plan.units if u.kind in TOP_KINDS), plan.region)
