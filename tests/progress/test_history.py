"""Last year's monthly pattern in the forecast, and 同比, on examples worked out by hand."""

from datetime import date
from decimal import Decimal

import numpy as np
import pytest

from builders import make_indicator
from duban.choices import Comparator
from duban.plan.model import Thresholds
from duban.progress.batch import PeriodFrame, UnitTree, indicator_arrays, judge_period
from duban.progress.forecast import cumulative_pattern, forecast
from duban.progress.history import monthly_amounts, year_on_year

# Last year at the city: 10, 10, then 20 a month from March to October, 10 in November and December (200).
LAST_YEAR = [Decimal(v) for v in (10, 10, 20, 20, 20, 20, 20, 20, 20, 20, 10, 10)]


def test_forecast_follows_last_years_monthly_pattern():
    # This year: 12, 24, 45 by the end of March. Last year's pattern has 40/200 = 0.2 of the year done by
    # March, so the point is 45 / 0.2 = 225 (a uniform year would say 45 / 0.25 = 180).
    # Annual totals implied by each month: 12/0.05 = 240, 12/0.05 = 240, 21/0.10 = 210; mean 230,
    # spread sqrt((100 + 100 + 400) / 3) = 14.1421, cv = 0.0614875; sd = 225 x 0.8 x cv = 11.06775.
    # Range 225 -/+ 1.645 sd = 206.7935 .. 243.2065; chance of 210: Phi(15 / 11.06775) = Phi(1.35529) = 0.91234.
    # Reach: 45 + 225 x (c_k - 0.2) >= 210 needs c_k >= 0.9333: October has 0.90, November 0.95 -> month 11.
    series = [(1, Decimal(12)), (2, Decimal(24)), (3, Decimal(45))]
    found = forecast(series=series, target=Decimal(210), comparator=Comparator.AT_LEAST, year=2026,
                     last_year_monthly=LAST_YEAR)  # fmt: skip
    assert found.point == pytest.approx(225)
    assert (found.low, found.high) == (pytest.approx(206.7935, abs=1e-3), pytest.approx(243.2065, abs=1e-3))
    assert found.probability == pytest.approx(0.91234, abs=1e-4)
    assert found.reach_month == 11
    uniform = forecast(series=series, target=Decimal(210), comparator=Comparator.AT_LEAST, year=2026)
    assert uniform.point == pytest.approx(180)


def test_vectorised_forecast_uses_a_units_own_pattern_else_its_indicators():
    # 甲县 did 8, 8, then 12 a month to October, 6 and 2 (120): 28/120 of its year by March, so its 30 by
    # March points to 30 x 120 / 28 = 128.5714. 乙县 has no history of its own and follows the city's
    # pattern (0.2 by March): 15 / 0.2 = 75. The city, 12 + ... = 45 by March, as above: 225.
    own = [Decimal(v) for v in (8, 8, 12, 12, 12, 12, 12, 12, 12, 12, 6, 2)]
    tree = UnitTree.from_parents({"市": None, "甲县": "市", "乙县": "市"})
    roads = make_indicator(target=Decimal(210))
    unit_pattern = np.full((1, 3, 13), np.nan)
    unit_pattern[0, 1] = cumulative_pattern(last_year_monthly=own)
    rows = [
        (1, 1, 7),
        (2, 1, 14),
        (3, 1, 30),
        (1, 2, 5),
        (2, 2, 10),
        (3, 2, 15),
    ]  # (month, unit, year to date)
    frame = PeriodFrame(
        indicators=indicator_arrays(indicators=[roads], year=2026, on=date(2026, 3, 31),
                                    last_year_monthly={roads.id: LAST_YEAR}),
        units=tree, month=3, indicator=np.zeros(len(rows), dtype=int), unit=np.array([u for _, u, _ in rows]),
        row_month=np.array([m for m, _, _ in rows]), value=np.array([float(v) for _, _, v in rows]),
        target=np.array([[210.0, 126.0, 84.0]]), unit_pattern=unit_pattern,
    )  # fmt: skip
    result = judge_period(frame=frame, thresholds=Thresholds())
    assert result.point[0] == pytest.approx([225, 128.5714, 75], abs=1e-4)


@pytest.mark.parametrize(
    ("year_to_date", "amounts"),
    [
        ({m: Decimal(10 * m) for m in range(1, 13)}, [Decimal(10)] * 12),
        # February missing: it holds January's 5, so February adds 0 and March adds 7.
        ({1: Decimal(5), 3: Decimal(12), 12: Decimal(30)}, [5, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0, 18]),
        ({m: Decimal(m) for m in range(1, 12)}, None),  # no December: no pattern
        ({1: Decimal(5), 2: Decimal(4), 12: Decimal(30)}, None),  # February corrected downwards
        ({12: Decimal(0)}, None),  # nothing done all year
    ],
)
def test_monthly_amounts_from_year_to_date_figures(year_to_date, amounts):
    expected = None if amounts is None else [Decimal(a) for a in amounts]
    assert monthly_amounts(year_to_date=year_to_date) == expected


@pytest.mark.parametrize(
    ("overrides", "now", "before", "text"),
    [
        ({}, Decimal(45), Decimal(40), "同比增长12.5%"),
        ({}, Decimal(15), Decimal(16), "同比下降6.3%"),  # -6.25%, rounded half up
        ({}, Decimal(40), Decimal(40), "同比持平"),
        (
            {"kind": "rate", "unit": "%", "target": Decimal(70)},
            Decimal("62.5"),
            Decimal("60.3"),
            "同比提高2.2个百分点",
        ),
        (
            {"kind": "share", "unit": "%", "target": Decimal(55)},
            Decimal(50),
            Decimal(51),
            "同比下降1个百分点",
        ),
    ],
)
def test_year_on_year_in_percent_or_points(overrides, now, before, text):
    found = year_on_year(indicator=make_indicator(**overrides), now=now, before=before)
    assert found is not None and found.text == text


def test_no_year_on_year_without_a_base():
    roads = make_indicator()
    assert year_on_year(indicator=roads, now=Decimal(5), before=None) is None
    assert year_on_year(indicator=roads, now=Decimal(5), before=Decimal(0)) is None
    assert (
        year_on_year(indicator=make_indicator(scope="each:镇雄县,昭阳区"), now=Decimal(1), before=Decimal(2))
        is None
    )
