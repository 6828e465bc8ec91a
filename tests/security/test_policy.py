"""The policy table itself: every action has a rule for every role, and a unit's user reaches only that unit."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from duban.choices import ItemAction, Role
from duban.policy import ITEM_STEPS, RULES, Action, Refused, Scope, allowed, only_unit, require, scope


@dataclass(frozen=True)
class User:
    role: Role
    unit_id: int | None


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
