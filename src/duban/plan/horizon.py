"""Targets for a later year (十五五: 2030) and the annual milestones each year's plan judges against.

Milestone rule: a milestone the plan gives for the year is that year's target; the horizon year's
target is the horizon value; any other year lies on the straight line between the nearest known points
before and after it (the base year's value, given milestones, the horizon value). Interpolated values
are rounded half up to one decimal place more than the finer of the two points (55 -> 60: 56.0 is 56;
2.5 -> 2.1: 2.42). Without a base, a year before every given point has no milestone (None).

Progress toward the horizon: how far `actual` has come from the base to the horizon value, in percent
(base 55, horizon 60, actual 56.5 -> 30); None without a base or when base and horizon value are equal.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from pydantic import BaseModel, ConfigDict, Field, model_validator

HUNDRED = Decimal(100)
FIFTEENTH_FIVE_YEAR_END = 2030  # 十五五 (2026-2030)


class Horizon(BaseModel):
    """A target for a later year with its base and any milestones the plan gives per year."""

    model_config = ConfigDict(extra="forbid")

    year: int
    target: Decimal
    base_year: int | None = None
    base: Decimal | None = None
    milestones: dict[int, Decimal] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check(self) -> Horizon:
        if (self.base is None) != (self.base_year is None):
            raise ValueError("基期值 base 与基期年份 base_year 须同时给出")
        if self.base_year is not None and self.base_year >= self.year:
            raise ValueError(f"基期年份 {self.base_year} 应早于目标年份 {self.year}")
        first = self.base_year if self.base_year is not None else 0
        outside = [y for y in self.milestones if not first < y <= self.year]
        if outside:
            raise ValueError(f"年度节点 {outside[0]} 年不在基期年份与目标年份之间")
        return self

    def known_points(self) -> dict[int, Decimal]:
        """Every value the plan states, by year: the base, the given milestones and the horizon value."""
        points = {self.base_year: self.base} if self.base_year is not None and self.base is not None else {}
        return {**points, **self.milestones, self.year: self.target}


def milestone(*, horizon: Horizon, year: int) -> Decimal | None:
    """The target for `year` on the way to the horizon value (see the module docstring)."""
    points = horizon.known_points()
    if year in points:
        return points[year]
    before = [y for y in points if y < year]
    after = [y for y in points if y > year]
    if not before or not after:
        return None
    start, end = max(before), min(after)
    share = Decimal(year - start) / Decimal(end - start)
    value = points[start] + (points[end] - points[start]) * share
    return _rounded(value, places=max(_places(points[start]), _places(points[end])) + 1)


def progress_toward(*, horizon: Horizon, actual: Decimal | None) -> Decimal | None:
    """Percent of the way from the base to the horizon value that `actual` has come."""
    if actual is None or horizon.base is None or horizon.base == horizon.target:
        return None
    return HUNDRED * (actual - horizon.base) / (horizon.target - horizon.base)


def _places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _rounded(value: Decimal, *, places: int) -> Decimal:
    rounded = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return rounded.to_integral_value() if rounded == rounded.to_integral_value() else rounded.normalize()
