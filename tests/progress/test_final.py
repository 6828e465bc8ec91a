"""年终考核's final statuses from the judge's year-end verdict and the 基本完成 line."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from duban.choices import FinalStatus, Status
from duban.plan.model import Thresholds
from duban.progress.final import final_status, unit_final_status
from duban.progress.judge import Judgement

LINE = Thresholds().mostly_done


@pytest.mark.parametrize(
    ("status", "completion", "expected"),
    [
        (Status.DONE, D(100), FinalStatus.DONE),
        (Status.FAR_BEHIND, D(90), FinalStatus.MOSTLY_DONE),  # the line itself is 基本完成
        (Status.FAR_BEHIND, D("89.9"), FinalStatus.NOT_DONE),
        (Status.FAR_BEHIND, D(99), FinalStatus.MOSTLY_DONE),
        (Status.NOT_REPORTED, None, FinalStatus.NOT_DONE),
        (Status.PENDING, D(100), FinalStatus.NOT_DONE),  # a figure never approved does not count
    ],
)
def test_a_targets_final_status(status, completion, expected):
    judgement = Judgement(status, completion, D(100), None)
    assert final_status(judgement=judgement, mostly_done=LINE) is expected


def test_the_default_line_is_90_and_a_plan_may_set_its_own():
    assert D(90) == LINE
    assert Thresholds.model_validate({"mostly_done": "85"}).mostly_done == D(85)


@pytest.mark.parametrize(
    ("done", "mostly", "missed", "expected"),
    [(10, 0, 0, FinalStatus.DONE), (8, 1, 1, FinalStatus.MOSTLY_DONE), (8, 0, 2, FinalStatus.NOT_DONE)],
)
def test_a_countys_final_status(done, mostly, missed, expected):
    statuses = (
        [FinalStatus.DONE] * done + [FinalStatus.MOSTLY_DONE] * mostly + [FinalStatus.NOT_DONE] * missed
    )
    assert unit_final_status(statuses=statuses, mostly_done=LINE) is expected
