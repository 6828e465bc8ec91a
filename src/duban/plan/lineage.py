"""Which indicator of last year's plan each indicator of a new plan continues, and which of the province's
plan a city's rolls up into where the city numbers its own: proposed by name on load.

The ingest review page proposes, the office confirms or changes it; the plan keeps the answer in
`Indicator.last_year` (`NEW` for an indicator new this year). Proposal: an indicator already mapped keeps
its mapping; the others are paired greedily, most similar names first (difflib's ratio over the
characters, a little more for the same 计量单位 and for the same code), each of last year's indicators at
most once and only above `MIN_SIMILARITY`.
"""

from __future__ import annotations

from difflib import SequenceMatcher

from duban.plan.model import Indicator, Plan

NEW = "-"  # `last_year` of an indicator that last year's plan did not have
MAPPINGS = {
    "last_year": "去年对应指标",
    "above": "上级计划对应指标",
}  # each unset means the indicator's own code
MIN_SIMILARITY = 0.6
_SAME_UNIT, _SAME_CODE = 0.1, 0.05


def propose_last_year(*, plan: Plan, last: Plan) -> dict[str, str]:
    """This plan's code → the code of last year's indicator it continues, or `NEW`."""
    return _proposed(plan=plan, before=last, kept={ind.id: ind.last_year for ind in plan.indicators()})


def propose_above(*, plan: Plan, above: Plan) -> dict[str, str]:
    """A city plan's code → the code of the province plan's indicator it rolls up into, or `NEW` for none:
    the same proposal by name, for a city that numbers its indicators its own way."""
    return _proposed(plan=plan, before=above, kept={ind.id: ind.above for ind in plan.indicators()})


def code_above(indicator: Indicator) -> str:
    """The code of the plan above's indicator this one rolls up into: as mapped, else its own."""
    return mapped_code(indicator, "above")


def mapped_code(indicator: Indicator, mapping: str) -> str:
    """The code an indicator's `last_year` or `above` mapping names: as mapped (`NEW`: none), else its own."""
    return getattr(indicator, mapping) or indicator.id


def mappings(plan: Plan) -> dict[str, dict[str, str]]:
    """Code → the mappings the plan states (`last_year`, `above`), for the audit trail of a plan created."""
    stated = {ind.id: {m: getattr(ind, m) for m in MAPPINGS if getattr(ind, m)} for ind in plan.indicators()}
    return {code: found for code, found in stated.items() if found}


def _proposed(*, plan: Plan, before: Plan, kept: dict[str, str | None]) -> dict[str, str]:
    """This plan's code → the code in `before` it is mapped to (`kept` where already mapped) or `NEW`."""
    olds = {ind.id: ind for ind in before.indicators()}
    mapped = {code: old for code, old in kept.items() if old in (*olds, NEW)}
    taken = set(mapped.values())
    pairs = sorted(
        ((_similarity(ind, old), ind.id, old.id) for ind in plan.indicators() if ind.id not in mapped
         for old in olds.values() if old.id not in taken),
        reverse=True,
    )  # fmt: skip
    proposed: dict[str, str] = dict(mapped)
    for score, code, old in pairs:
        if score >= MIN_SIMILARITY and code not in proposed and old not in taken:
            proposed[code] = old
            taken.add(old)
    return {ind.id: proposed.get(ind.id, NEW) for ind in plan.indicators()}


def _similarity(ind: Indicator, old: Indicator) -> float:
    ratio = SequenceMatcher(None, ind.name, old.name).ratio()
    return ratio + _SAME_UNIT * (ind.unit == old.unit) + _SAME_CODE * (ind.id == old.id)
