"""Situations, colours, workflow and month names, on plain inputs worked out by hand."""

from __future__ import annotations

from datetime import date

import pytest

from duban.choices import Colour, ItemAction, ItemCause, ItemState, Status
from duban.months import period_month
from duban.plan.planfile import parse_plan_text
from duban.supervision.colours import item_colour
from duban.supervision.rules import SupervisionRules
from duban.supervision.situations import (
    MissingReport,
    Standing,
    lag_situations,
    lagging_run,
    report_situations,
)
from duban.supervision.workflow import ItemError, next_state

B, F, OK, N = Status.BEHIND, Status.FAR_BEHIND, Status.ON_TRACK, Status.NOT_REPORTED
RULES = SupervisionRules()


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ({4: OK, 5: B, 6: B}, 2),
        ({4: B, 5: F, 6: B}, 3),
        ({5: B, 6: OK}, 0),
        ({4: B, 5: N, 6: B}, 1),
        ({}, 0),
    ],
)
def test_lagging_run(statuses, expected):
    assert lagging_run(statuses, 6) == expected


@pytest.mark.parametrize(
    ("statuses", "rules", "expected"),
    [
        ({5: OK, 6: F}, RULES, (ItemCause.FAR_BEHIND, Colour.RED)),
        ({5: OK, 6: B}, RULES, None),
        ({5: B, 6: B}, RULES, (ItemCause.BEHIND, Colour.YELLOW)),
        ({5: B, 6: B}, SupervisionRules(behind_periods=3), None),
        ({5: B, 6: B}, SupervisionRules(behind_periods=None), None),
        ({5: OK, 6: F}, SupervisionRules(far_behind=False, behind_periods=1), (ItemCause.BEHIND, Colour.RED)),
        ({5: F, 6: OK}, RULES, None),
    ],
)
def test_lag_situations(statuses, rules, expected):
    standing = Standing(indicator="L02-1", name="农村公路", unit="镇雄县", statuses=statuses)
    found = lag_situations(standings=[standing], month=6, rules=rules)
    assert [(s.cause, s.severity) for s in found.fired] == ([expected] if expected else [])
    assert found.evaluated == {"indicator:L02-1:镇雄县"}


def test_aspirations_are_left_alone_unless_the_rules_ask():
    standing = Standing(indicator="A", name="力争指标", unit="镇雄县", statuses={6: F}, aspiration=True)
    assert lag_situations(standings=[standing], month=6, rules=RULES).fired == []
    assert (
        len(
            lag_situations(
                standings=[standing], month=6, rules=SupervisionRules(include_aspirations=True)
            ).fired
        )
        == 1
    )


@pytest.mark.parametrize(
    ("today", "missing", "expected"),
    [
        (date(2026, 6, 29), 2, None),  # 4 days late
        (date(2026, 6, 30), 2, Colour.YELLOW),  # 5 days late
        (date(2026, 7, 10), 1, Colour.RED),  # 15 days late
        (date(2026, 7, 10), 0, None),  # everything in
    ],
)
def test_report_situations(today, missing, expected):
    line = MissingReport(unit="镇雄县", month=6, deadline=date(2026, 6, 25), missing=missing)
    found = report_situations(missing=[line], today=today, rules=RULES)
    assert [s.severity for s in found.fired] == ([expected] if expected else [])


@pytest.mark.parametrize(
    ("cause", "state", "today", "expected"),
    [
        (None, ItemState.HANDLING, date(2026, 7, 7), None),  # 4 days before the deadline
        (None, ItemState.HANDLING, date(2026, 7, 8), Colour.BLUE),  # 3 days before
        (Colour.YELLOW, ItemState.PENDING, date(2026, 7, 8), Colour.YELLOW),
        (Colour.YELLOW, ItemState.HANDLING, date(2026, 7, 12), Colour.RED),  # overdue
        (Colour.YELLOW, ItemState.ANSWERED, date(2026, 7, 12), Colour.YELLOW),  # the office's turn
        (None, ItemState.ANSWERED, date(2026, 7, 20), None),
    ],
)
def test_item_colour(cause, state, today, expected):
    got = item_colour(cause_colour=cause, state=state, deadline=date(2026, 7, 11), today=today, rules=RULES)
    assert got is expected


@pytest.mark.parametrize(
    ("state", "action", "cleared", "expected"),
    [
        (ItemState.PENDING, ItemAction.SIGN, False, ItemState.HANDLING),
        (ItemState.HANDLING, ItemAction.ANSWER, False, ItemState.ANSWERED),
        (ItemState.ANSWERED, ItemAction.RETURN, False, ItemState.HANDLING),
        (ItemState.ANSWERED, ItemAction.CLOSE, False, ItemState.CLOSED),
        (ItemState.PENDING, ItemAction.CLOSE, True, ItemState.CLOSED),
        (ItemState.PENDING, ItemAction.CLOSE, False, "不能办结"),
        (ItemState.PENDING, ItemAction.ANSWER, False, "不能反馈"),
        (ItemState.HANDLING, ItemAction.RETURN, False, "不能退回"),
        (ItemState.CLOSED, ItemAction.SIGN, False, "不能签收"),
    ],
)
def test_next_state(state, action, cleared, expected):
    if not isinstance(expected, ItemState):
        with pytest.raises(ItemError, match=expected):
            next_state(state=state, action=action, cause_cleared=cleared)
    else:
        assert next_state(state=state, action=action, cause_cleared=cleared) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-06", 6),
        ("6", 6),
        ("2026年6月", 6),
        ("12", 12),
        (None, 6),
        ("13", "无法识别"),
        ("2025-06", "不在计划年度"),
    ],
)
def test_period_month(text, expected):
    kwargs = {"period": text, "year": 2026, "today": date(2026, 7, 1), "cutoff_day": 25}
    if isinstance(expected, str):
        with pytest.raises(ValueError, match=expected):
            period_month(**kwargs)
    else:
        assert period_month(**kwargs) == expected


def test_rules_are_read_from_the_plan_file():
    text = "region: 昭通市\nyear: 2026\ntitle: t\nsupervision:\n  behind_periods: 3\n  reply_days: 7\n"
    rules = parse_plan_text(text).supervision
    assert rules == SupervisionRules(behind_periods=3, reply_days=7)
