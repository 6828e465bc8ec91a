from __future__ import annotations

from decimal import Decimal

import pytest

from duban.choices import Comparator, IndicatorKind
from duban.progress.rollup import (
    Carried,
    Figure,
    carried_note,
    carries_forward,
    count_each,
    each_sentence,
    last_figure,
    roll_up,
)
from progress.conftest import make_indicator

TREE = {"市": None, "甲县": "市", "乙县": "市", "甲一镇": "甲县", "甲二镇": "甲县", "乙一镇": "乙县"}


def fig(value: str | None = None, num: str | None = None, den: str | None = None) -> Figure:
    return Figure(*(Decimal(x) if x is not None else None for x in (value, num, den)))


def test_rates_roll_up_as_ratio_of_sums_not_mean_of_percentages() -> None:
    # county A 9/10 = 90%, county B 1/90 = 1.1%: city 10/100 = 10%, not (90 + 1.1) / 2
    tree = {"市": None, "A": "市", "B": "市"}
    figures = {"A": fig(num="9", den="10"), "B": fig(num="1", den="90")}
    result = roll_up(kind=IndicatorKind.RATE, figures=figures, parent_of=tree)
    assert result["市"] == fig("10", "10", "100")
    assert result["A"].value == Decimal(90)


@pytest.mark.parametrize(
    ("kind", "figures", "expected"),
    [
        # sums from townships to counties to the city
        (
            IndicatorKind.COUNT,
            {"甲一镇": fig("3"), "甲二镇": fig("4"), "乙一镇": fig("5")},
            {"甲县": "7", "乙县": "5", "市": "12"},
        ),
        # a county's own figure wins over its townships'
        (
            IndicatorKind.AMOUNT,
            {"甲一镇": fig("3"), "甲二镇": fig("4"), "乙县": fig("10"), "乙一镇": fig("5")},
            {"甲县": "7", "乙县": "10", "市": "17"},
        ),
        # a township without a figure is left out; a county with none below has none
        (IndicatorKind.COUNT, {"甲一镇": fig("3")}, {"甲县": "3", "乙县": None, "市": "3"}),
        # rates: 30/40 and 10/60 in 甲县 -> 40/100; 乙 1/4 -> city 41/104
        (
            IndicatorKind.SHARE,
            {
                "甲一镇": fig(num="30", den="40"),
                "甲二镇": fig(num="10", den="60"),
                "乙一镇": fig(num="1", den="4"),
            },
            {"甲县": "40", "乙县": "25", "市": "39.423"},
        ),
        # a bare percentage cannot be weighted and is left out
        (
            IndicatorKind.RATE,
            {"甲一镇": fig("90"), "甲二镇": fig(num="1", den="2")},
            {"甲县": "50", "乙县": None, "市": "50"},
        ),
        # growth: this year over last year's amounts, 110/100 and 55/50 -> 165/150 = +10%
        (
            IndicatorKind.GROWTH,
            {"甲一镇": fig(num="110", den="100"), "乙一镇": fig(num="55", den="50")},
            {"甲县": "10", "乙县": "10", "市": "10"},
        ),
        (
            IndicatorKind.GROWTH,
            {"甲一镇": fig(num="90", den="100"), "乙一镇": fig(num="60", den="50")},
            {"甲县": "-10", "乙县": "20", "市": "0"},
        ),
    ],
)
def test_roll_up(kind: IndicatorKind, figures: dict[str, Figure], expected: dict[str, str | None]) -> None:
    result = roll_up(kind=kind, figures=figures, parent_of=TREE)
    got = {unit: None if (v := result[unit].value) is None else round(v, 3) for unit in expected}
    assert got == {unit: None if v is None else Decimal(v) for unit, v in expected.items()}


def test_each_county_count() -> None:
    counties = [f"县{i}" for i in range(11)]
    targets = {c: Decimal(1) for c in counties}
    actuals: dict[str, Decimal | None] = {c: Decimal(1) for c in counties[:7]}
    actuals |= {counties[7]: Decimal(2), counties[8]: Decimal(0), counties[9]: Decimal(0), counties[10]: None}
    count = count_each(comparator=Comparator.AT_LEAST, targets=targets, actuals=actuals)
    assert (count.met, count.total) == (8, 11)
    assert count.not_met == ("县8", "县9") and count.not_reported == ("县10",)
    assert each_sentence(count=count) == "11个县中已有8个完成"
    assert each_sentence(count=count, noun="县(市、区)") == "11个县(市、区)中已有8个完成"


@pytest.mark.parametrize(
    ("kind", "extra", "carries"),
    [
        ("count", {}, True),  # 累计 year-to-date counts and amounts carry a missed month
        ("amount", {}, True),
        ("count", {"accumulation": "level"}, False),  # a level at a point in time does not
        ("rate", {}, False),
        ("milestone", {}, False),
        ("count", {"scope": {"kind": "each"}}, False),  # "each county" counts who met theirs
        ("count", {"feed": "ledger.new_starts"}, False),  # the ledger has every month
        ("count", {"formula": "{A-01} + 1"}, False),
    ],
)
def test_which_indicators_carry_a_missed_month_forward(kind: str, extra: dict, carries: bool) -> None:
    indicator = make_indicator(kind, ">=", **extra)
    assert carries_forward(indicator=indicator) is carries


def test_the_last_earlier_figure_is_carried_with_its_month() -> None:
    history = {1: fig("10"), 3: fig("30"), 4: fig(), 5: fig("55")}
    assert last_figure(unit="大关县", by_month=history, before=5) == Carried("大关县", 3, Decimal(30))
    assert last_figure(unit="大关县", by_month=history, before=1) is None
    carried = [
        Carried("大关县", 4, Decimal(1)),
        Carried("盐津县", 3, Decimal(2)),
        Carried("彝良县", 4, Decimal(3)),
    ]
    assert carried_note(carried) == "大关县、彝良县沿用4月数；盐津县沿用3月数"
    townships = [Carried(f"第{n:04d}镇", 5, Decimal(1)) for n in range(160, 197)]  # a province's roll-up
    named = "、".join(f"第{n:04d}镇" for n in range(160, 170))
    assert carried_note(townships) == f"{named}等37个单位沿用5月数"
