"""Year-end forecast from the months so far, with a range, a chance of success and a reach month.

Cumulative indicators (counts, amounts): the monthly pattern is last year's (cumulative share of
last year's total by each month end) or, without history, 1/12 a month. With `m` the latest month
and `c_m` the pattern's share by then, the point estimate is ytd_m / c_m. Each observed month k
whose previous month is also observed (or k = 1) implies an annual total q_k = increment_k /
pattern_increment_k; the spread of those totals (coefficient of variation, at least `MIN_CV`;
`DEFAULT_CV` with fewer than two) scales the uncertainty of the part of the year still to come:
sd = |point| x (1 - c_m) x cv.

Level indicators (rates, shares, growth): ordinary least squares line over the observed months;
point = value_m + slope x (12 - m); sd = max(residual sd, 2% of |target|) x sqrt(12 - m).

Range: point -/+ 1.645 sd (a 90% interval). Probability of meeting the target: the normal
probability of the final value being on the right side of the target (exact 0 or 1 when sd = 0).
Reach month (counted from January of the plan year, 14 = February next year): for cumulative
targets the first observed month at or over the target, else the first month the projection gets
there — the pattern within the year, then this year's monthly average — within `HORIZON_MONTHS`;
for levels the current month if met, else the month the trend line crosses the target. A
cumulative ceiling (`<=`) has no reach month. Reaching means >= (<= for a ceiling).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from duban.choices import Accumulation, Comparator
from duban.months import month_end
from duban.plan.units import display_text, rounded_number

DEFAULT_CV = 0.25
MIN_CV = 0.05
LEVEL_MIN_SD_SHARE = 0.02
Z90 = 1.645
HORIZON_MONTHS = 48


@dataclass(frozen=True)
class Forecast:
    """Expected year-end value, its 90% range, chance of meeting the target and month of reaching it."""

    year: int
    point: float
    low: float
    high: float
    probability: float
    reach_month: int | None
    reached: bool = False

    @property
    def reaches_on(self) -> date | None:
        """The last day of the month in which the target is (or was) reached."""
        if self.reach_month is None:
            return None
        year, month = month_of(year=self.year, index=self.reach_month)
        return month_end(year, month)


def month_of(*, year: int, index: int) -> tuple[int, int]:
    """(year, month) of a month counted from January of `year` (1 = January, 13 = next January)."""
    return year + (index - 1) // 12, (index - 1) % 12 + 1


def cumulative_pattern(*, last_year_monthly: Sequence[Decimal | float] | None) -> list[float]:
    """Cumulative shares c_0..c_12 of the year done by each month end; uniform without usable history."""
    monthly = [float(v) for v in last_year_monthly or []]
    total = sum(monthly)
    if len(monthly) != 12 or total <= 0 or min(monthly) < 0:
        return [k / 12 for k in range(13)]
    shares = [0.0]
    for value in monthly:
        shares.append(shares[-1] + value / total)
    return shares


def normal_cdf(x: float) -> float:
    """Standard normal CDF by Abramowitz & Stegun 7.1.26 (error < 1.5e-7), identical to the batch path."""
    z = abs(x) / math.sqrt(2.0)
    t = 1.0 / (1.0 + 0.3275911 * z)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    erf = 1.0 - poly * math.exp(-z * z)
    return 0.5 * (1.0 + erf) if x >= 0 else 0.5 * (1.0 - erf)


def forecast(
    *,
    series: list[tuple[int, Decimal]],
    target: Decimal,
    comparator: Comparator,
    year: int,
    last_year_monthly: list[Decimal] | None = None,
    accumulation: Accumulation = Accumulation.CUMULATIVE,
) -> Forecast:
    """Forecast the year-end value from (month, year-to-date value) pairs, months 1..12."""
    points = sorted((m, float(v)) for m, v in series)
    goal = float(target)
    ceiling = comparator is Comparator.AT_MOST
    if accumulation is Accumulation.LEVEL:
        point, sd, reach = _level(points=points, goal=goal, ceiling=ceiling)
    else:
        pattern = cumulative_pattern(last_year_monthly=last_year_monthly)
        point, sd, reach = _cumulative(points=points, goal=goal, ceiling=ceiling, pattern=pattern)
    probability = _probability(point=point, sd=sd, goal=goal, ceiling=ceiling)
    reached = reach is not None and reach <= points[-1][0]
    return Forecast(year, point, point - Z90 * sd, point + Z90 * sd, probability, reach, reached)


def _probability(*, point: float, sd: float, goal: float, ceiling: bool) -> float:
    margin = goal - point if ceiling else point - goal
    if sd <= 0:
        return 1.0 if margin >= 0 else 0.0
    return normal_cdf(margin / sd)


def _cumulative(
    *, points: list[tuple[int, float]], goal: float, ceiling: bool, pattern: list[float]
) -> tuple[float, float, int | None]:
    month, value = points[-1]
    if pattern[month] <= 0:
        pattern = [k / 12 for k in range(13)]
    point = value / pattern[month]
    sd = abs(point) * (1 - pattern[month]) * _cv(points=points, pattern=pattern)
    if ceiling:
        return point, sd, None
    return point, sd, _cumulative_reach(points=points, goal=goal, point=point, pattern=pattern)


def _cv(*, points: list[tuple[int, float]], pattern: list[float]) -> float:
    seen = dict(points)
    seen.setdefault(0, 0.0)
    totals = []
    for month, value in points:
        step = pattern[month] - pattern[month - 1]
        if month - 1 in seen and step > 0:
            totals.append((value - seen[month - 1]) / step)
    if len(totals) < 2:
        return DEFAULT_CV
    mean = sum(totals) / len(totals)
    if mean <= 0:
        return DEFAULT_CV
    spread = math.sqrt(sum((t - mean) ** 2 for t in totals) / len(totals))
    return max(spread / mean, MIN_CV)


def _cumulative_reach(
    *, points: list[tuple[int, float]], goal: float, point: float, pattern: list[float]
) -> int | None:
    for month, value in points:
        if value >= goal:
            return month
    month, value = points[-1]
    for later in range(month + 1, 13):
        if value + point * (pattern[later] - pattern[month]) >= goal:
            return later
    monthly = point / 12
    if monthly <= 0:
        return None
    reach = 12 + max(1, math.ceil((goal - point) / monthly))
    return reach if reach <= HORIZON_MONTHS else None


def _level(*, points: list[tuple[int, float]], goal: float, ceiling: bool) -> tuple[float, float, int | None]:
    month, value = points[-1]
    slope, residual_sd = _trend(points)
    point = value + slope * (12 - month)
    sd = max(residual_sd, LEVEL_MIN_SD_SHARE * abs(goal)) * math.sqrt(12 - month)
    return point, sd, _level_reach(month=month, value=value, slope=slope, goal=goal, ceiling=ceiling)


def _trend(points: list[tuple[int, float]]) -> tuple[float, float]:
    n = len(points)
    if n < 2:
        return 0.0, 0.0
    sx = sum(m for m, _ in points)
    sy = sum(v for _, v in points)
    sxx = sum(m * m for m, _ in points)
    sxy = sum(m * v for m, v in points)
    slope = (n * sxy - sx * sy) / (n * sxx - sx * sx)
    if n < 3:
        return slope, 0.0
    intercept = (sy - slope * sx) / n
    ssr = sum((v - intercept - slope * m) ** 2 for m, v in points)
    return slope, math.sqrt(ssr / (n - 2))


def _level_reach(*, month: int, value: float, slope: float, goal: float, ceiling: bool) -> int | None:
    short = value - goal if ceiling else goal - value
    if short <= 0:
        return month
    pace = -slope if ceiling else slope
    if pace <= 0:
        return None
    reach = month + math.ceil(short / pace)
    return reach if reach <= HORIZON_MONTHS else None


def format_quantity(*, value: float | Decimal, unit: str) -> str:
    """A figure as written in a bulletin: 1240公里, 3.5亿元, 12.5万元, 86.2%."""
    number = float(value)
    if unit == "元" and abs(number) >= 1e8:
        number, unit = number / 1e8, "亿元"
    elif unit == "元" and abs(number) >= 1e4:
        number, unit = number / 1e4, "万元"
    return f"{rounded_number(Decimal(str(number)))}{unit}"


def written(value: float | Decimal, *, unit: str, display_unit: str | None = None) -> str:
    """A figure in the indicator's display unit when it has one (0.365亿元), else as format_quantity writes it."""
    if display_unit:
        return display_text(Decimal(str(value)), unit=unit, display_unit=display_unit)
    return format_quantity(value=value, unit=unit)


def forecast_sentence(
    *, forecast: Forecast, target: Decimal, unit: str, display_unit: str | None = None
) -> str:
    """The early warning in words: 按当前进度,预计2027年2月达到1240公里."""
    goal = written(target, unit=unit, display_unit=display_unit)
    if forecast.reach_month is None:
        point = written(forecast.point, unit=unit, display_unit=display_unit)
        return f"按当前进度，年底预计{point}，难以达到{goal}"
    year, month = month_of(year=forecast.year, index=forecast.reach_month)
    if forecast.reached:
        return f"已于{year}年{month}月达到{goal}"
    return f"按当前进度，预计{year}年{month}月达到{goal}"


def outlook_sentence(*, forecast: Forecast, unit: str, display_unit: str | None = None) -> str:
    """The year-end outlook in words: 年底预计1130公里(区间1050公里–1210公里),达标可能性约20%."""
    point, low, high = (
        written(v, unit=unit, display_unit=display_unit)
        for v in (forecast.point, forecast.low, forecast.high)
    )
    return f"年底预计{point}（区间{low}–{high}），达标可能性约{round(forecast.probability * 100)}%"
