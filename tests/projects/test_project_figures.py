"""Every project figure on the hand-made ledger of tests/data/ledger/sample.yaml, answers worked by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from duban.choices import ProfileKind
from duban.plan.model import Profile
from duban.projects.figures import (
    FEEDS,
    LedgerFigures,
    against_targets,
    feed_value,
    figures_by_unit,
    through_month,
    unit_figures,
)
from projects.ledger_sample import sample_projects

COUNTIES = ["镇雄县", "昭阳区", "巧家县", "水富市"]


def figures_on(on: date) -> dict[str, LedgerFigures]:
    return figures_by_unit(projects=sample_projects(), city="昭通市", counties=COUNTIES, year=2026, on=on)


# 30 June: months 1-6 count (P1's July money does not); 序时进度 = 181/365 = 49.59%.
# Completed: P1 4亿 + P3 1.2亿 + P4 0.1亿 + P5 0.25亿 = 5.55亿 of 17.8亿 planned = 31.18%.
# 产业 (P1 4亿 + P5 0.25亿) / 5.55亿 = 76.58%; 民间 (P1 4亿 + P4 0.1亿) / 5.55亿 = 73.87%.
# Due to start by then: P1, P2, P4, P6 (P5 is planned for September); started of them: P1, P4 -> 50%.
# New starts: P1, P4, P5 (P5 started early); registered of them: P1 -> 33.33%.
CITY_JUNE = {
    "projects": 7, "new_projects": 6, "continuing": 1, "two_major": 1, "provincial_major": 1,
    "new_starts": 3, "due_to_start": 4, "started_of_due": 2, "start_rate": D("50.00"),
    "registered": 1, "registration_rate": D("33.33"), "year_plan": D(1_780_000_000),
    "completed": D(555_000_000), "completion_rate": D("31.18"), "expected_rate": D("49.59"),
    "industrial_share": D("76.58"), "private_share": D("73.87"), "cluster_starts": 1,
    "cluster_investment": D(5_000_000_000), "through_month": 6,
}  # fmt: skip
ZHENXIONG_JUNE = {
    "projects": 3, "new_projects": 2, "continuing": 1, "two_major": 1, "new_starts": 1,
    "due_to_start": 2, "start_rate": D("50.00"), "registration_rate": D("100.00"),
    "year_plan": D(1_600_000_000), "completed": D(520_000_000), "completion_rate": D("32.50"),
    "industrial_share": D("76.92"), "private_share": D("76.92"), "cluster_starts": 1,
    "cluster_investment": D(5_000_000_000),
}  # fmt: skip
ZHAOYANG_JUNE = {
    "projects": 3, "new_starts": 2, "due_to_start": 2, "start_rate": D("50.00"), "registered": 0,
    "registration_rate": D("0.00"), "year_plan": D(180_000_000), "completed": D(35_000_000),
    "completion_rate": D("19.44"), "industrial_share": D("71.43"), "private_share": D("28.57"),
    "cluster_starts": 0, "cluster_investment": D(0), "provincial_major": 1,
}  # fmt: skip
# 巧家 has one reserve project with no money this year: every rate is undefined, not zero.
QIAOJIA_JUNE = {
    "projects": 1, "new_starts": 0, "start_rate": None, "registration_rate": None,
    "completion_rate": None, "industrial_share": None, "private_share": None,
}  # fmt: skip
SHUIFU_JUNE = {"projects": 0, "new_starts": 0, "completed": D(0), "year_plan": D(0), "start_rate": None}
# 31 March: P1 and P5 have started; only P1 was due (1 March) -> 100%; none registered yet.
# Completed through March: P1 1亿 + P3 0.6亿 + P5 0.2亿 = 1.8亿 -> 10.11%; 序时进度 90/365 = 24.66%.
CITY_MARCH = {
    "new_starts": 2, "due_to_start": 1, "start_rate": D("100.00"), "registered": 0,
    "registration_rate": D("0.00"), "completed": D(180_000_000), "completion_rate": D("10.11"),
    "expected_rate": D("24.66"), "industrial_share": D("66.67"), "private_share": D("55.56"),
    "cluster_starts": 1, "through_month": 3,
}  # fmt: skip
# 28 February: P1 has not started yet, so the cluster has no starts; P3 0.4亿 + P5 0.1亿 done.
CITY_FEBRUARY = {"new_starts": 1, "cluster_starts": 0, "cluster_investment": D(0), "completed": D(50_000_000)}


@pytest.mark.parametrize(
    ("on", "unit", "expected"),
    [
        (date(2026, 6, 30), "昭通市", CITY_JUNE),
        (date(2026, 6, 30), "镇雄县", ZHENXIONG_JUNE),
        (date(2026, 6, 30), "昭阳区", ZHAOYANG_JUNE),
        (date(2026, 6, 30), "巧家县", QIAOJIA_JUNE),
        (date(2026, 6, 30), "水富市", SHUIFU_JUNE),
        (date(2026, 3, 31), "昭通市", CITY_MARCH),
        (date(2026, 2, 28), "昭通市", CITY_FEBRUARY),
    ],
)
def test_figures_of_the_sample_ledger(on: date, unit: str, expected: dict[str, object]) -> None:
    figures = figures_on(on)[unit]
    assert {name: getattr(figures, name) for name in expected} == expected


def test_mid_month_counts_only_the_months_that_have_ended() -> None:
    figures = figures_on(date(2026, 6, 29))["昭通市"]
    assert (figures.through_month, figures.completed, figures.expected_rate) == (
        5,
        D(425_000_000),
        D("41.37"),
    )


def test_a_back_loaded_profile_lowers_the_expected_rate() -> None:
    figures = unit_figures(projects=sample_projects(), unit="昭通市", year=2026, on=date(2026, 6, 30),
                           profile=Profile(kind=ProfileKind.BACK_LOADED))  # fmt: skip
    assert figures.expected_rate == D("40.00")


@pytest.mark.parametrize(
    ("on", "month"),
    [
        (date(2026, 6, 30), 6),
        (date(2026, 6, 29), 5),
        (date(2026, 1, 15), 0),
        (date(2026, 2, 28), 2),
        (date(2025, 12, 31), 0),
        (date(2027, 1, 1), 12),
    ],
)
def test_through_month(on: date, month: int) -> None:
    assert through_month(year=2026, on=on) == month


def test_feed_values_name_figures() -> None:
    figures = figures_on(date(2026, 6, 30))["昭通市"]
    assert feed_value(figures, "ledger.new_starts") == D(3)
    assert feed_value(figures, "ledger.private_share") == D("73.87")
    assert feed_value(figures_on(date(2026, 6, 30))["巧家县"], "ledger.industrial_share") is None
    assert "ledger.cluster_investment" in FEEDS


def test_an_unknown_feed_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match=r"ledger\.new_start"):
        feed_value(figures_on(date(2026, 6, 30))["昭通市"], "ledger.new_start")


def test_city_figures_against_the_plan_targets() -> None:
    lines = against_targets(figures_on(date(2026, 6, 30))["昭通市"])
    assert [(line.label, line.value, line.target, line.met) for line in lines] == [
        ("新开工项目数（个）", D(3), D(1000), False),
        ("产业投资占比（%）", D("76.58"), D(55), True),
        ("民间投资占比（%）", D("73.87"), D(45), True),
        ("产业集群开工项目数（个）", D(1), D(10), False),
        ("产业集群开工项目总投资（元）", D(5_000_000_000), D(8_267_000_000), False),
    ]
