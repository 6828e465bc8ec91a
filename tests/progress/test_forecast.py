from __future__ import annotations

from decimal import Decimal

import pytest

from duban.choices import Accumulation, Comparator
from duban.progress.forecast import forecast, forecast_sentence, format_quantity, outlook_sentence

GE, LE = Comparator.AT_LEAST, Comparator.AT_MOST


def series(*pairs: tuple[int, int | str]) -> list[tuple[int, Decimal]]:
    return [(m, Decimal(v)) for m, v in pairs]


def test_steady_cumulative_series() -> None:
    # 10 a month: point 30 / (3/12) = 120; every month implies 120, so cv = floor 0.05;
    # sd = 120 x (1 - 3/12) x 0.05 = 4.5; range 120 -/+ 1.645 x 4.5; 90 reached at 30 + 10 x 6 in September.
    result = forecast(series=series((1, 10), (2, 20), (3, 30)), target=Decimal(90), comparator=GE, year=2026)
    assert result.point == pytest.approx(120)
    assert (result.low, result.high) == (pytest.approx(112.5975), pytest.approx(127.4025))
    assert result.probability == pytest.approx(1.0, abs=1e-6)
    assert (result.reach_month, result.reached) == (9, False)


def test_reached_next_year_sentence() -> None:
    # 95 km a month: year end 1140 km; the 100 km left take 100/95 -> 2 more months: February 2027.
    months = [(m, 95 * m) for m in range(1, 7)]
    result = forecast(series=series(*months), target=Decimal(1240), comparator=GE, year=2026)
    assert result.point == pytest.approx(1140)
    assert result.reach_month == 14
    assert (
        forecast_sentence(forecast=result, target=Decimal(1240), unit="公里")
        == "按当前进度，预计2027年2月达到1240公里"
    )


def test_last_year_pattern_is_used() -> None:
    # Last year: 1 a month to June, 3 a month after: 6 of 24 by June, so 300 by June means 1200.
    pattern = [Decimal(1)] * 6 + [Decimal(3)] * 6
    result = forecast(
        series=series((6, 300)), target=Decimal(1000), comparator=GE, year=2026, last_year_monthly=pattern
    )
    assert result.point == pytest.approx(1200)
    # one month only: default cv 0.25; sd = 1200 x 0.75 x 0.25 = 225
    assert result.high - result.point == pytest.approx(1.645 * 225)
    # 300 + 1200 x (c_k - 6/24) >= 1000 needs c_k >= 20/24; c_k = (6 + 3 x (k - 6)) / 24: k = 11 (21/24)
    assert result.reach_month == 11


def test_a_coin_toss_when_the_pace_lands_on_the_target() -> None:
    result = forecast(series=series((6, 50)), target=Decimal(100), comparator=GE, year=2026)
    assert result.point == pytest.approx(100)
    assert result.probability == pytest.approx(0.5)


def test_level_trend() -> None:
    # 60, 62, 64: slope 2, no residual; point 64 + 2 x 9 = 82; sd = 2% x 70 x sqrt(9) = 4.2; 70 in June.
    result = forecast(
        series=series((1, 60), (2, 62), (3, 64)),
        target=Decimal(70),
        comparator=GE,
        year=2026,
        accumulation=Accumulation.LEVEL,
    )
    assert result.point == pytest.approx(82)
    assert result.high - result.point == pytest.approx(1.645 * 4.2)
    assert result.reach_month == 6


def test_level_ceiling_falls_to_target() -> None:
    # 50 then 48: falling 2 a month; 28 by December; under 40 after 4 more months: June.
    result = forecast(
        series=series((1, 50), (2, 48)),
        target=Decimal(40),
        comparator=LE,
        year=2026,
        accumulation=Accumulation.LEVEL,
    )
    assert result.point == pytest.approx(28)
    assert result.reach_month == 6
    assert result.probability > 0.99


def test_already_reached() -> None:
    result = forecast(series=series((1, 50), (2, 100)), target=Decimal(80), comparator=GE, year=2026)
    assert (result.reach_month, result.reached) == (2, True)
    assert forecast_sentence(forecast=result, target=Decimal(80), unit="个") == "已于2026年2月达到80个"


def test_no_progress_never_reaches() -> None:
    result = forecast(series=series((1, 0), (2, 0)), target=Decimal(10), comparator=GE, year=2026)
    assert result.reach_month is None and result.probability == 0.0
    assert (
        forecast_sentence(forecast=result, target=Decimal(10), unit="个")
        == "按当前进度，年底预计0个，难以达到10个"
    )


def test_outlook_sentence() -> None:
    result = forecast(series=series((6, 50)), target=Decimal(100), comparator=GE, year=2026)
    # sd = 100 x 0.5 x 0.25 = 12.5: range 79.44 to 120.56
    assert (
        outlook_sentence(forecast=result, unit="个")
        == "年底预计100个（区间79.44个–120.56个），达标可能性约50%"
    )


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (Decimal(1240), "公里", "1240公里"),
        (Decimal(350000000), "元", "3.5亿元"),
        (Decimal(8267000000), "元", "82.67亿元"),
        (Decimal(125000), "元", "12.5万元"),
        (Decimal(900), "元", "900元"),
        (Decimal("86.25"), "%", "86.25%"),
        (-0.0000001, "%", "0%"),
        (0.0437, "%", "0.0437%"),
        (0.1 + 0.2, "%", "0.3%"),
    ],
)
def test_format_quantity(value: Decimal | float, unit: str, text: str) -> None:
    assert format_quantity(value=value, unit=unit) == text
