"""The milestone rule of a later year's target (十五五: 2030), and the plan's checks of it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError

from duban.plan.horizon import Horizon, milestone, progress_toward
from duban.plan.planfile import PlanFileError, dump_plan, parse_plan_text

URBAN = {"year": 2030, "target": "60", "base_year": 2025, "base": "55"}
INCOME = {"year": 2030, "target": "2.1", "base_year": 2025, "base": "2.5"}


@pytest.mark.parametrize(
    ("horizon", "year", "expected"),
    [
        (URBAN, 2026, "56"),  # linear: one fifth of the way
        (URBAN, 2028, "58"),
        (URBAN, 2030, "60"),  # the horizon year is the horizon value
        (URBAN, 2025, "55"),  # the base year is the base
        (INCOME, 2026, "2.42"),  # a ceiling narrows the same way
        (INCOME, 2029, "2.18"),
        ({**URBAN, "base": "52.3"}, 2026, "53.84"),  # one place finer than the finer point
        ({**URBAN, "base_year": 2027, "base": "57"}, 2028, "58"),
        ({**URBAN, "base": "55", "base_year": 2024}, 2026, "56.7"),  # 55 + 5 x 2/6 = 56.666.. -> 56.7
        ({**URBAN, "milestones": {2026: "57"}}, 2026, "57"),  # given
        ({**URBAN, "milestones": {2027: "58"}}, 2026, "56.5"),  # linear to the next given point
        ({**URBAN, "milestones": {2027: "58"}}, 2029, "59.3"),  # and from it on: 58 + 2 x 2/3
        ({"year": 2030, "target": "60", "milestones": {2026: "56"}}, 2026, "56"),  # given, no base
        ({"year": 2030, "target": "60", "milestones": {2026: "56"}}, 2028, "58"),  # between given points
        ({"year": 2030, "target": "60"}, 2026, None),  # no base and nothing given: no milestone
        ({"year": 2030, "target": "60", "milestones": {2027: "57"}}, 2026, None),
        ({"year": 2030, "target": "150000", "base_year": 2025, "base": "100000"}, 2027, "120000"),
    ],
)
def test_the_milestone_of_a_year(horizon, year, expected):
    found = milestone(horizon=Horizon.model_validate(horizon), year=year)
    assert found == (None if expected is None else Decimal(expected))
    assert found is None or str(found) == expected  # shown as written, no trailing zeros


@pytest.mark.parametrize(
    ("horizon", "actual", "expected"),
    [
        (URBAN, "56.5", "30"),
        (URBAN, "55", "0"),
        (URBAN, "61", "120"),
        (URBAN, "54", "-20"),  # moved away from the 2030 value
        (INCOME, "2.44", "15"),
        (INCOME, "2.1", "100"),
        (URBAN, None, None),
        ({"year": 2030, "target": "60"}, "56", None),  # no base: no way to say how far
        ({**URBAN, "base": "60"}, "60", None),  # nothing to move: no share
    ],
)
def test_progress_toward_the_horizon(horizon, actual, expected):
    value = None if actual is None else Decimal(actual)
    found = progress_toward(horizon=Horizon.model_validate(horizon), actual=value)
    assert found == (None if expected is None else Decimal(expected))


@pytest.mark.parametrize(
    ("horizon", "message"),
    [
        ({"year": 2030, "target": "60", "base": "55"}, "须同时给出"),
        ({"year": 2030, "target": "60", "base_year": 2030, "base": "55"}, "应早于目标年份"),
        ({**URBAN, "milestones": {2031: "61"}}, "不在基期年份与目标年份之间"),
        ({**URBAN, "milestones": {2025: "55"}}, "不在基期年份与目标年份之间"),
    ],
)
def test_a_horizon_that_cannot_be_reached_is_refused(horizon, message):
    with pytest.raises(ValidationError, match=message):
        Horizon.model_validate(horizon)


PLAN = """\
region: 昭通市
year: 2026
title: 昭通市2026年重点工作
units: [{{name: 昭通市, kind: city}}]
areas:
  - code: "01"
    name: 城乡融合
    tasks:
      - code: "01-1"
        title: 推进新型城镇化
        indicators:
          - id: U1
            name: 常住人口城镇化率
            unit: "%"
            kind: rate
            comparator: ">="
{lines}
"""


def _plan(*lines: str):
    return parse_plan_text(PLAN.format(lines="\n".join(" " * 12 + line for line in lines)), name="p.yaml")


def test_a_plan_file_may_leave_the_years_target_to_the_milestone_or_state_it():
    assert _plan("horizon: {year: 2030, target: 60, base_year: 2025, base: 55}").indicators()[0].target == 56
    stated = _plan("target: 56.2", "horizon: {year: 2030, target: 60, base_year: 2025, base: 55}")
    assert stated.indicators()[0].target == Decimal("56.2")  # the plan's own 2026 target is a given milestone


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (["target: 57", "horizon: {year: 2030, target: 60, milestones: {2026: 56}}"],
         "p.yaml:12: [U1].horizon（远期目标）：目标值 57 与 2026 年的年度节点 56 不一致"),
        (["target: 57", "horizon: {year: 2025, target: 60}"],
         "p.yaml:12: [U1].horizon（远期目标）：目标年份 2025 早于计划年份 2026"),
        (["horizon: {year: 2030, target: 60}"], "p.yaml:12: areas[01].tasks[01-1].indicators[U1].target"),
    ],
)  # fmt: skip
def test_a_plan_file_names_a_milestone_that_does_not_fit(lines, message):
    with pytest.raises(PlanFileError) as caught:
        _plan(*lines)
    assert message in str(caught.value)


def test_an_exported_plan_reads_back_with_its_horizon_and_milestone():
    plan = _plan("horizon: {year: 2030, target: 60, base_year: 2025, base: 55, milestones: {2028: 58.5}}")
    again = parse_plan_text(dump_plan(plan))
    assert [i.model_dump() for i in again.indicators()] == [i.model_dump() for i in plan.indicators()]
    assert again.indicators()[0].target == Decimal("56.17")  # 55 + 3.5 / 3, toward the given 2028 milestone
