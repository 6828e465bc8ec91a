from datetime import date
from decimal import Decimal

import pytest

from builders import make_indicator
from duban.choices import MilestoneStage
from duban.progress.validation import (
    Context,
    FieldError,
    Figure,
    InputMode,
    check_figure,
    input_mode,
    outlier,
    parse_date,
    parse_number,
    parse_stage,
)

D = Decimal
RATE = make_indicator(id="R-1", name="污水治理率", unit="%", kind="rate", comparator=">=", target=D(70),
                      numerator="已治理村数", denominator="自然村总数")  # fmt: skip
TYPED_RATE = make_indicator(id="R-2", name="达标率", unit="%", kind="rate", comparator=">=", target=D(90))
STAGE = make_indicator(id="M-1", name="医院建设", unit="项", kind="milestone", comparator="=", target=D(1))
ROADS = make_indicator()  # cumulative, 1240 公里
JUNE = Context(target=D(1240), on=date(2026, 6, 30), year=2026)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, None), ("", None), ("  ", None), (12, D(12)), (12.5, D("12.5")), ("1,234.5", D("1234.5")),
        ("１２３", D(123)), ("3万", D(30000)), ("12公里", D(12)), (" 7 ", D(7)), ("-3", D(-3)),
    ],
)  # fmt: skip
def test_numbers_are_read(raw, expected):
    assert parse_number(raw, unit="公里") == expected


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("N/A", "“N/A”不是数字"), ("—", "“—”不是数字"), ("无", "不是数字"), ("约500", "“约500”不是数字"),
        ("12亩", "单位“亩”与指标单位“公里”不符"), (True, "不是数字"), ("1.2.3", "不是数字"),
        (float("nan"), "不是有效数字"),
    ],
)  # fmt: skip
def test_text_in_numbers_is_refused_in_chinese(raw, fragment):
    with pytest.raises(FieldError, match=fragment):
        parse_number(raw, unit="公里")


def test_percent_sign_is_accepted_for_percent_units():
    assert parse_number("85%", unit="%") == D(85)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("实施中", MilestoneStage.UNDERWAY), ("completed", MilestoneStage.COMPLETED), ("", None)],
)
def test_stages_are_read_by_label(raw, expected):
    assert parse_stage(raw) == expected


def test_unknown_stage_lists_the_choices():
    with pytest.raises(FieldError, match="未启动、前期、实施中、已完成"):
        parse_stage("快完了")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("2026-06-15", date(2026, 6, 15)), ("2026年6月5日", date(2026, 6, 5)), ("2026/6/5", date(2026, 6, 5))],
)
def test_dates_are_read(raw, expected):
    assert parse_date(raw) == expected


@pytest.mark.parametrize("raw", ["2026-13-01", "上月", "6月"])
def test_bad_dates_are_refused(raw):
    with pytest.raises(FieldError, match="不是有效日期"):
        parse_date(raw)


@pytest.mark.parametrize(
    ("indicator", "mode"), [(RATE, InputMode.RATIO), (TYPED_RATE, InputMode.VALUE), (STAGE, InputMode.STAGE),
                            (ROADS, InputMode.VALUE)],
)  # fmt: skip
def test_input_modes(indicator, mode):
    assert input_mode(indicator) is mode


def messages(indicator, figure, context=JUNE):
    return [str(p) for p in check_figure(indicator=indicator, figure=figure, context=context)]


def test_a_figure_on_track_passes():
    assert messages(ROADS, Figure(value=D(640))) == []


@pytest.mark.parametrize(
    ("indicator", "figure", "expected"),
    [
        (ROADS, Figure(), "本期数值：未填写"),
        (ROADS, Figure(value=D(-1)), "本期数值：-1 为负数，本指标不能小于 0"),
        (TYPED_RATE, Figure(value=D(130)), "本期数值：比率 130% 超过 100%"),
        (RATE, Figure(numerator=D(12), denominator=D(10)), "分子：分子 12 大于分母 10，比率 120.00% 超过 100%"),
        (RATE, Figure(numerator=D(0), denominator=D(0)), "分母：分母不能为 0"),
        (RATE, Figure(numerator=D(5)), "分母：未填写"),
        (STAGE, Figure(stage=MilestoneStage.UNDERWAY), "阶段日期：阶段为“实施中”时须填写进入该阶段的日期"),
        (STAGE, Figure(stage=MilestoneStage.UNDERWAY, stage_date=date(2026, 8, 1)),
         "阶段日期：日期 2026-08-01 不在本年度报送期内（应不晚于 2026-06-30）"),
    ],
)  # fmt: skip
def test_faults_are_named(indicator, figure, expected):
    assert messages(indicator, figure, Context(target=indicator.target, on=date(2026, 6, 30), year=2026)) == [
        expected
    ]


def test_cumulative_lower_than_last_month_is_refused():
    context = Context(target=D(1240), on=date(2026, 6, 30), year=2026, previous=Figure(value=D(600)))
    assert messages(ROADS, Figure(value=D(590), note="x"), context) == [
        "本期数值：年初至今累计 590 低于上期累计 600，累计数不应减少"
    ]


def test_behind_needs_a_note():
    problems = messages(ROADS, Figure(value=D(300)))
    assert problems == ["备注：滞后于序时进度（完成 24.2%，序时进度 49.6%），须在备注中说明原因"]
    assert messages(ROADS, Figure(value=D(300), note="雨季停工")) == []


def test_jump_far_outside_history_needs_confirmation_and_note():
    context = Context(target=D(1240), on=date(2026, 6, 30), year=2026, history=[D(100), D(210), D(305),
                      D(410), D(520)], previous=Figure(value=D(520)))  # fmt: skip
    [problem] = check_figure(indicator=ROADS, figure=Figure(value=D(1200)), context=context)
    assert problem.warning and "本期新增 680 远离本单位以往水平（以往中位数 105" in problem.message
    confirmed = Context(**{**context.__dict__, "confirmed": True})
    assert messages(ROADS, Figure(value=D(1200)), confirmed) == ["备注：已确认异常数据，须在备注中说明原因"]
    assert messages(ROADS, Figure(value=D(1200), note="集中验收"), confirmed) == []


def test_stage_going_back_is_a_warning():
    context = Context(target=D(1), on=date(2026, 6, 30), year=2026,
                      previous=Figure(stage=MilestoneStage.UNDERWAY))  # fmt: skip
    [problem] = check_figure(indicator=STAGE, figure=Figure(stage=MilestoneStage.NOT_STARTED, note="x"),
                             context=context)  # fmt: skip
    assert problem.warning and "倒退" in problem.message


@pytest.mark.parametrize(
    ("value", "history", "flagged"),
    [
        (D(10), [D(9), D(11), D(10), D(12)], False),
        (D(60), [D(9), D(11), D(10), D(12)], True),
        (D(-40), [D(9), D(11), D(10), D(12)], True),
        (D(60), [D(9), D(11)], False),  # too little history to judge
        (D(10), [D(10), D(10), D(10)], False),
        (D(30), [D(10), D(10), D(10)], True),  # flat history: scale floored at a tenth of the level
        (D(5), [D(0), D(0), D(0)], False),  # no basis for a band
    ],
)
def test_robust_outlier(value, history, flagged):
    assert (outlier(value=value, history=history) is not None) is flagged


INVESTMENT = make_indicator(id="A-02", name="新开工项目总投资", unit="元", kind="amount", comparator=">=",
                            target=D(8_267_000_000))  # fmt: skip
SHARE = make_indicator(
    id="L05-1", name="农村劳动力转移就业率", unit="%", kind="rate", comparator=">=", target=D(86)
)


def _far(indicator, history, value):
    """Whether the check warns that `value` is far from the unit's history of monthly figures."""
    context = Context(target=indicator.target * 10, on=date(2026, 8, 31), year=2026, history=history,
                      previous=Figure(value=history[-1]) if history else None)  # fmt: skip
    problems = check_figure(indicator=indicator, figure=Figure(value=value, note="说明"), context=context)
    return any(p.warning and "远离本单位以往水平" in p.message for p in problems)


# Monthly year-to-date figures (cumulative) or levels (rates) as counties report them, and by hand whether
# the next figure is far enough from the unit's own history to ask the reporter to confirm it.
SERIES = [
    ("steady count, next step as usual", ROADS, [100, 205, 310, 410, 515], 620, False),
    # the case reported: steps of 12..16 up to 146, then 150; z was -7.4 on a MAD of 1
    (
        "steady count, a slower month (146 → 150)",
        ROADS,
        [14, 30, 45, 59, 75, 90, 105, 118, 134, 146],
        150,
        False,
    ),
    ("steady count, nothing this month", ROADS, [100, 200, 300, 400], 400, False),
    ("steady count, ten times the usual step", ROADS, [100, 200, 300, 400], 1400, True),
    ("flat then a small step", ROADS, [50, 50, 50, 50], 52, False),
    ("flat then a tenfold jump", ROADS, [50, 100, 150, 200], 2200, True),
    ("seasonal: rainy-season months slow down", ROADS, [120, 250, 310, 360, 415], 435, False),
    ("seasonal, then a jump far beyond any month", ROADS, [120, 250, 310, 360, 415], 900, True),
    (
        "amount in 元, an ordinary month",
        INVESTMENT,
        [400_000_000, 820_000_000, 1_210_000_000, 1_630_000_000],
        2_050_000_000,
        False,
    ),
    (
        "amount typed in 元 where 万元 were meant (×10000)",
        INVESTMENT,
        [400_000_000, 820_000_000, 1_210_000_000],
        4_000_000_000_000,
        True,
    ),
    ("rate flat at 95%, next 96%", SHARE, [95, 95, 95, 95], 96, False),
    ("rate rising slowly", SHARE, [60, 62, 63, 65], 66, False),
    ("rate 80% typed as 8", SHARE, [78, 79, 80, 80], 8, True),
    ("rate up eight points", SHARE, [78, 79, 80, 80], 88, False),
    ("too little history to judge", ROADS, [100, 200], 5000, False),
]


@pytest.mark.parametrize(
    ("indicator", "history", "value", "far"), [s[1:] for s in SERIES], ids=[s[0] for s in SERIES]
)
def test_realistic_monthly_series(indicator, history, value, far):
    assert _far(indicator, [D(h) for h in history], D(value)) is far
