"""年终考核: the final status of a target and of a county once the year is over.

A target's final status comes from the judge's year-end verdict (its judgement on 31 December, or its
`due` date): 已完成 there is 完成; a target missed whose completion reaches the plan's `mostly_done` line
(`Thresholds.mostly_done`, 90 % by default) is 基本完成; anything else, 未报送 and 待审核 included, is 未完成.

A county is 完成 when every target it holds is 完成; 基本完成 when the targets at least 基本完成 reach
`mostly_done` percent of those it holds; else 未完成. 力争 targets are shown but not counted.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from duban.choices import FinalStatus, Status
from duban.progress.judge import Judgement

HUNDRED = Decimal(100)


def final_status(*, judgement: Judgement, mostly_done: Decimal) -> FinalStatus:
    """The final status of one target from its year-end judgement."""
    if judgement.status is Status.DONE:
        return FinalStatus.DONE
    if judgement.status is Status.PENDING or judgement.completion_pct is None:
        return FinalStatus.NOT_DONE
    return FinalStatus.MOSTLY_DONE if judgement.completion_pct >= mostly_done else FinalStatus.NOT_DONE


def unit_final_status(*, statuses: Iterable[FinalStatus], mostly_done: Decimal) -> FinalStatus:
    """The final status of a county from the final statuses of the targets it holds."""
    held = list(statuses)
    if all(s is FinalStatus.DONE for s in held):
        return FinalStatus.DONE
    reached = sum(1 for s in held if s is not FinalStatus.NOT_DONE)
    return FinalStatus.MOSTLY_DONE if HUNDRED * reached >= mostly_done * len(held) else FinalStatus.NOT_DONE
