from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from duban.choices import MilestoneStage, Status
from duban.plan.model import Thresholds
from duban.progress.judge import judge

from .conftest import d, make_indicator

Q: dict[str, Any] = {"profile": "quarterly"}  # 50% due on 30 June
NODES: dict[str, Any] = {
    "profile": {
        "kind": "milestones",
        "points": [{"on": "2026-03-31", "share": "0.2"}, {"on": "2026-06-30", "share": "0.5"}],
    }
}
B, F, OK, UP, DONE, NR = (
    Status.BEHIND,
    Status.FAR_BEHIND,
    Status.ON_TRACK,
    Status.AHEAD,
    Status.DONE,
    Status.NOT_REPORTED,
)

# (kind, comparator, extra, target, actual, on, status, completion %, gap pp), all worked by hand.
CASES = [
    # count, quarterly, expected 50% on 30 June: the status boundaries
    ("count", ">=", Q, 100, "41", "2026-06-30", OK, "41", "9"),
    ("count", ">=", Q, 100, "40", "2026-06-30", B, "40", "10"),  # exactly 10 behind: 滞后
    ("count", ">=", Q, 100, "20", "2026-06-30", B, "20", "30"),  # exactly 30 behind: still 滞后
    ("count", ">=", Q, 100, "19", "2026-06-30", F, "19", "31"),
    ("count", ">=", Q, 100, "54", "2026-06-30", OK, "54", "-4"),
    ("count", ">=", Q, 100, "55", "2026-06-30", UP, "55", "-5"),  # exactly 5 ahead: 超序时
    ("count", ">=", Q, 100, "100", "2026-06-30", DONE, "100", "-50"),
    ("count", ">=", Q, 100, "120", "2026-03-01", DONE, "120", "-120"),
    ("count", ">=", {}, 100, "90", "2027-01-15", F, "90", "10"),  # year over, not met
    # amount, linear: 30 June is 181/365 = 49.589% of the year
    ("amount", ">=", {}, 1_000_000_000, "300000000", "2026-06-30", B, "30", "19.589"),
    ("amount", ">=", {}, 1_000_000_000, "450000000", "2026-06-30", OK, "45", "4.589"),
    # rate, a level: judged against 70 itself at any date, never pro-rated
    ("rate", ">=", {}, 70, "70", "2026-03-31", DONE, "100", "0"),
    ("rate", ">=", {}, 70, "68", "2026-06-30", OK, "97.143", "2.857"),
    ("rate", ">=", {}, 70, "63", "2026-06-30", B, "90", "10"),
    ("rate", ">=", {}, 70, "49", "2026-06-30", B, "70", "30"),
    ("rate", ">=", {}, 70, "48.3", "2026-06-30", F, "69", "31"),
    # share
    ("share", "=", {}, 55, "55", "2026-06-30", DONE, "100", "0"),
    ("share", "=", {}, 55, "44", "2026-06-30", B, "80", "20"),
    # growth
    ("growth", "=", {}, 10, "10", "2026-06-30", DONE, "100", "0"),
    ("growth", "=", {}, 10, "9.5", "2026-06-30", OK, "95", "5"),
    ("growth", "=", {}, 10, "5", "2026-06-30", F, "50", "50"),
    # <= level (逆向指标): completion = target / actual
    ("share", "<=", {}, 40, "40", "2026-06-30", DONE, "100", "0"),
    ("share", "<=", {}, 40, "30", "2026-06-30", DONE, "133.333", "-33.333"),
    ("share", "<=", {}, 40, "44", "2026-06-30", OK, "90.909", "9.091"),
    ("share", "<=", {}, 40, "50", "2026-06-30", B, "80", "20"),
    ("share", "<=", {}, 40, "60", "2026-06-30", F, "66.667", "33.333"),
    # <= cumulative: a budget; using it faster than 序时进度 is behind, exceeding it is 严重滞后
    ("count", "<=", Q, 100, "45", "2026-06-30", UP, "45", "-5"),
    ("count", "<=", Q, 100, "60", "2026-06-30", B, "60", "10"),
    ("count", "<=", Q, 100, "80", "2026-06-30", B, "80", "30"),
    ("count", "<=", Q, 100, "101", "2026-06-30", F, "101", "51"),
    ("count", "<=", Q, 100, "95", "2026-12-31", DONE, "95", "-5"),
    ("count", "<=", Q, 0, "0", "2026-06-30", OK, "100", "0"),  # 零事故 so far
    ("count", "<=", Q, 0, "1", "2026-06-30", F, "0", "100"),
    # > (突破) needs more than the target
    ("count", ">", Q, 100, "100", "2026-06-30", UP, "100", "-50"),
    ("count", ">", Q, 100, "101", "2026-06-30", DONE, "101", "-51"),
    # milestone schedule (stepped): a node passed and missed is 严重滞后 however small the shortfall
    ("count", ">=", NODES, 100, "49", "2026-07-15", F, "49", "1"),
    ("count", ">=", NODES, 100, "50", "2026-07-15", OK, "50", "0"),
    ("count", ">=", NODES, 100, "0", "2026-03-15", OK, "0", "0"),
    ("count", ">=", NODES, 100, "19", "2026-04-01", F, "19", "1"),
]


@pytest.mark.parametrize(
    ("kind", "comp", "extra", "target", "actual", "on", "status", "completion", "gap"), CASES
)
def test_judge_worked_examples(
    kind: str,
    comp: str,
    extra: dict[str, Any],
    target: int,
    actual: str,
    on: str,
    status: Status,
    completion: str,
    gap: str,
) -> None:
    indicator = make_indicator(kind, comp, target, **extra)
    result = judge(
        indicator=indicator,
        target=Decimal(target),
        actual=Decimal(actual),
        on=d(on),
        year=2026,
        thresholds=Thresholds(),
    )
    assert result.status is status
    assert result.completion_pct is not None and result.gap_pp is not None
    assert round(result.completion_pct, 3) == Decimal(completion)
    assert round(result.gap_pp, 3) == Decimal(gap)


# Milestone task due 30 Sep with a linear profile: on 30 June expected = 181/273 = 66.300%.
@pytest.mark.parametrize(
    ("stage", "on", "status", "completion"),
    [
        (MilestoneStage.UNDERWAY, "2026-06-30", OK, "60"),
        (MilestoneStage.PREPARING, "2026-06-30", F, "30"),
        (MilestoneStage.NOT_STARTED, "2026-06-30", F, "0"),
        (MilestoneStage.COMPLETED, "2026-06-30", DONE, "100"),
        (MilestoneStage.UNDERWAY, "2026-10-01", F, "60"),  # past its date
        (MilestoneStage.COMPLETED, "2026-10-01", DONE, "100"),
    ],
)
def test_milestone_stages(stage: MilestoneStage, on: str, status: Status, completion: str) -> None:
    indicator = make_indicator("milestone", ">=", 1, due=d("2026-09-30"))
    result = judge(
        indicator=indicator,
        target=Decimal(1),
        actual=None,
        on=d(on),
        year=2026,
        thresholds=Thresholds(),
        stage=stage,
    )
    assert result.status is status
    assert result.completion_pct == Decimal(completion)
    assert round(result.expected_pct, 3) == (Decimal("66.300") if on == "2026-06-30" else Decimal(100))


def test_not_reported_keeps_expected_and_has_no_gap() -> None:
    indicator = make_indicator("count", ">=", 100, profile="quarterly")
    result = judge(
        indicator=indicator,
        target=Decimal(100),
        actual=None,
        on=d("2026-09-30"),
        year=2026,
        thresholds=Thresholds(),
    )
    assert (result.status, result.label, result.completion_pct, result.gap_pp) == (NR, "未报送", None, None)
    assert result.expected_pct == Decimal(75)


def test_aspiration_is_flagged_out_of_headline() -> None:
    indicator = make_indicator("share", "=", 55, aspiration=True)
    result = judge(
        indicator=indicator,
        target=Decimal(55),
        actual=Decimal(40),
        on=d("2026-06-30"),
        year=2026,
        thresholds=Thresholds(),
    )
    assert result.aspiration and not result.in_headline
    assert result.status is B  # 40/55 = 72.7%: 27.3 points short


@pytest.mark.parametrize(("actual", "status"), [("85", OK), ("84", B), ("60", B), ("59", F)])
def test_plan_thresholds_are_used(actual: str, status: Status) -> None:
    indicator = make_indicator("rate", ">=", 100)
    result = judge(
        indicator=indicator,
        target=Decimal(100),
        actual=Decimal(actual),
        on=d("2026-06-30"),
        year=2026,
        thresholds=Thresholds(behind=Decimal(16), far_behind=Decimal(40)),
    )
    assert result.status is status
