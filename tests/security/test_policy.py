"""The policy table itself: every action has a rule for every role, and a unit's user reaches only that unit."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from duban.choices import ItemAction, Role
from duban.policy import (
    ITEM_STEPS,
    RULES,
    Action,
    Refused,
    Scope,
    allowed,
    only_unit,
    plan_refusal,
    require,
    scope,
    within,
)

# a province (1: 32) above city A (10: 32/01, counties 11 and 12) and city B (20: 32/02, county 21)
PATHS = {1: "32", 10: "32/01", 11: "32/01/01", 12: "32/01/02", 20: "32/02", 21: "32/02/01", 7: "7", 8: "8"}


@dataclass(frozen=True)
class User:
    role: Role
    unit_id: int | None
    unit_path: str | None = None
    region_path: str | None = None

    def path_of(self, unit: int) -> str | None:
        return PATHS.get(unit)


OFFICE, LEADER, REPORTER = User(Role.ADMIN, None), User(Role.LEADER, None), User(Role.REPORTER, 7)


def test_every_action_has_a_rule_for_every_role_and_every_step_of_an_item_an_action():
    assert set(RULES) == set(Action)
    assert all(isinstance(scope(role, action), Scope) for role in Role for action in Action)
    assert set(ITEM_STEPS) == set(ItemAction)


def test_a_reporter_reaches_their_own_unit_only_and_the_office_every_unit():
    assert allowed(REPORTER, Action.ENTER_FIGURES, 7) and not allowed(REPORTER, Action.ENTER_FIGURES, 8)
    assert not allowed(REPORTER, Action.ENTER_FIGURES, None)  # a city-wide change is nobody's own unit
    assert allowed(OFFICE, Action.ENTER_FIGURES, 8) and allowed(OFFICE, Action.ENTER_FIGURES, None)
    assert (
        only_unit(REPORTER, Action.READ_SUPERVISION) == 7
        and only_unit(OFFICE, Action.READ_SUPERVISION) is None
    )


def test_a_scoped_user_without_a_unit_reaches_no_unit_rather_than_every_unit():
    orphan = User(Role.REPORTER, None)
    assert only_unit(orphan, Action.READ_SUPERVISION) == 0
    assert not allowed(orphan, Action.READ_FIGURES, None)


def test_the_leader_reads_everything_and_changes_nothing():
    changes = {Action.ENTER_FIGURES, Action.SUBMIT, Action.EDIT_EVIDENCE, Action.REVIEW, Action.MANAGE_PERIODS,
               Action.MANAGE_PLAN, Action.MANAGE_USERS, Action.HANDLE_SUPERVISION, Action.DECIDE_SUPERVISION,
               Action.OPEN_SUPERVISION, Action.CHASE_REPORTS, Action.MANAGE_SETTINGS}  # fmt: skip
    assert all(scope(Role.LEADER, a) is Scope.NONE for a in changes)
    assert all(
        allowed(LEADER, a, 8) for a in (Action.READ_FIGURES, Action.READ_SUPERVISION, Action.READ_PROJECTS)
    )


@pytest.mark.parametrize(
    ("user", "action", "unit", "message"),
    [
        (LEADER, Action.ENTER_FIGURES, 7, "领导账号为只读，不能修改数据"),
        (REPORTER, Action.ENTER_FIGURES, 8, "只能填报和修改本单位的数据"),
        (REPORTER, Action.REVIEW, 7, "只有督查室可以进行此操作"),
        (REPORTER, Action.READ_FIGURES, 8, "只能查看本单位的数据"),
        (REPORTER, Action.READ_SUPERVISION, 8, "只能查看本单位的督办单"),
        (REPORTER, Action.HANDLE_SUPERVISION, 8, "只有被督办单位可以签收和反馈"),
        (REPORTER, Action.READ_PROJECTS, 8, "只能查看本县（市、区）的项目"),
        (REPORTER, Action.EXPORT_REPORTS, None, "只能下载本县（市、区）的督查通报"),
        (None, Action.READ_DASHBOARD, None, "请先登录"),
    ],
)
def test_a_refusal_says_in_chinese_why(user, action, unit, message):
    with pytest.raises(Refused, match=message):
        require(user, action, unit)


A_OFFICE = User(Role.ADMIN, 10, "32/01", "32/01")
A_LEADER = User(Role.LEADER, 10, "32/01", "32/01")
A_REPORTER = User(Role.REPORTER, 11, "32/01/01", "32/01")
CITY_A, CITY_B, PROVINCE = "32/01", "32/02", "32"


def test_a_unit_is_within_a_path_when_the_path_is_its_own_or_a_whole_prefix_of_its_own():
    assert within("32/01", "32/01") and within("32/01/02", "32/01") and within("32/01", "32")
    assert not within("32/010", "32/01")  # 32/010 is not below 32/01: a prefix of whole codes only
    assert not within("32", "32/01") and not within(None, "32") and not within("32", None)


@pytest.mark.parametrize("user", [A_OFFICE, A_LEADER, A_REPORTER], ids=["office", "leader", "reporter"])
def test_a_citys_users_reach_nothing_of_another_city(user):
    for action in Action:
        if not RULES[action].public:
            assert not allowed(user, action, 21), action
            assert plan_refusal(user, action, CITY_B) is not None, action
    assert (
        allowed(user, Action.READ_FIGURES, 11) and plan_refusal(user, Action.READ_DASHBOARD, CITY_A) is None
    )


def test_a_citys_users_list_their_citys_units_and_the_office_its_subtree():
    listed = {user: {u for u in PATHS if allowed(user, Action.READ_FIGURES, u)}
              for user in (A_LEADER, A_OFFICE, A_REPORTER, OFFICE, LEADER)}  # fmt: skip
    assert listed[A_LEADER] == listed[A_OFFICE] == {10, 11, 12}
    assert listed[A_REPORTER] == {11} and listed[OFFICE] == listed[LEADER] == set(PATHS)
    assert only_unit(A_OFFICE, Action.REVIEW) is None and only_unit(A_REPORTER, Action.READ_FIGURES) == 11


def test_a_city_office_below_a_city_reaches_its_subtree_not_its_citys_other_units():
    county_office = User(Role.ADMIN, 11, "32/01/01", "32/01")
    assert allowed(county_office, Action.REVIEW, 11) and not allowed(county_office, Action.REVIEW, 12)
    assert not allowed(county_office, Action.READ_FIGURES, 21) and not allowed(
        county_office, Action.READ_FIGURES, 10
    )


def test_the_province_plan_reaches_a_citys_reporter_for_their_own_units_work_only():
    assert plan_refusal(A_REPORTER, Action.ENTER_FIGURES, PROVINCE) is None
    assert (
        plan_refusal(A_REPORTER, Action.READ_DASHBOARD, PROVINCE) is not None
    )  # the whole province's standing
    assert plan_refusal(A_LEADER, Action.READ_DASHBOARD, PROVINCE) is not None
    assert plan_refusal(A_OFFICE, Action.REVIEW, PROVINCE) is not None
    assert plan_refusal(OFFICE, Action.REVIEW, PROVINCE) is None
