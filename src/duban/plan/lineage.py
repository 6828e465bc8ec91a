"""Which indicator of last year's plan each indicator of a new plan continues: proposed by name on load.

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
MIN_SIMILARITY = 0.6
_SAME_UNIT, _SAME_CODE = 0.1, 0.05


def propose_last_year(*, plan: Plan, last: Plan) -> dict[str, str]:
    """This plan's code → the code of last year's indicator it continues, or `NEW`."""
    before = {ind.id: ind for ind in last.indicators()}
    kept = {ind.id: ind.last_year for ind in plan.indicators() if ind.last_year in (*before, NEW)}
    taken = set(kept.values())
    pairs = sorted(
        ((_similarity(ind, old), ind.id, old.id) for ind in plan.indicators() if ind.id not in kept
         for old in before.values() if old.id not in taken),
        reverse=True,
    )  # fmt: skip
    proposed: dict[str, str] = dict(kept)
    for score, code, old in pairs:
        if score >= MIN_SIMILARITY and code not in proposed and old not in taken:
            proposed[code] = old
            taken.add(old)
    return {ind.id: proposed.get(ind.id, NEW) for ind in plan.indicators()}


def _similarity(ind: Indicator, old: Indicator) -> float:
    ratio = SequenceMatcher(None, ind.name, old.name).ratio()
    return ratio + _SAME_UNIT * (ind.unit == old.unit) + _SAME_CODE * (ind.id == old.id)
