"""Expected progress (序时进度): the share of a year's target that should be done by a date.

Rules, per `ProfileKind`:
- linear: days elapsed (counting `on` itself) over the days from 1 January to the deadline
  (the indicator's `due` date, else 31 December). 30 June 2026 -> 181/365.
- quarterly: stepped, 25% on each quarter end (31 Mar, 30 Jun, 30 Sep, 31 Dec), nothing in between.
- seasonal: monthly weights (the profile's, else `DEFAULT_SEASONAL_WEIGHTS`); months before `on`'s month
  count in full, `on`'s month pro rata by day.
- back_loaded: the same, with `BACK_LOADED_WEIGHTS` unless the profile gives its own weights:
  15% by the end of March, 40% by June, 70% by September, 100% by December.
- milestones: STEPPED — the share of the latest point whose date is on or before `on` (0 before the
  first point). A node is a dated commitment, so nobody is behind it before its date, and once its
  date has passed any shortfall is a missed node (judged 严重滞后, see `judge`).
Every profile reaches 1 on the deadline (`due`, if earlier than 31 December) and stays there.
"""

from __future__ import annotations

import calendar
from datetime import date
from decimal import Decimal

from duban.choices import ProfileKind
from duban.months import month_end
from duban.plan.model import Profile, ProfilePoint

# Spring Festival (Jan-Feb) and the Yunnan rainy season (Jun-Sep) slow outdoor work down.
DEFAULT_SEASONAL_WEIGHTS: tuple[Decimal, ...] = tuple(
    Decimal(w) for w in ("6", "6", "10", "10", "9", "7", "7", "7", "8", "10", "10", "10")
)
BACK_LOADED_WEIGHTS: tuple[Decimal, ...] = tuple(
    Decimal(w) for w in ("5", "5", "5", "8", "8", "9", "10", "10", "10", "10", "10", "10")
)


def deadline(*, year: int, due: date | None = None) -> date:
    """The date by which the whole target is due: `due` if given, else 31 December of `year`."""
    return due or date(year, 12, 31)


def expected_share(*, profile: Profile, year: int, on: date, due: date | None = None) -> Decimal:
    """Share (0..1) of the year's target expected to be done by the end of `on`."""
    end = deadline(year=year, due=due)
    if on < date(year, 1, 1):
        return Decimal(0)
    if on >= end:
        return Decimal(1)
    kind = profile.kind
    if kind is ProfileKind.QUARTERLY:
        return Decimal(sum(1 for month in (3, 6, 9, 12) if month_end(year, month) <= on)) / 4
    if kind is ProfileKind.SEASONAL:
        return _weighted(profile.monthly_weights or DEFAULT_SEASONAL_WEIGHTS, on)
    if kind is ProfileKind.BACK_LOADED:
        return _weighted(profile.monthly_weights or BACK_LOADED_WEIGHTS, on)
    if kind is ProfileKind.MILESTONES:
        return _stepped(profile.points, on)
    return Decimal((on - date(year, 1, 1)).days + 1) / Decimal((end - date(year, 1, 1)).days + 1)


def _weighted(weights: tuple[Decimal, ...] | list[Decimal], on: date) -> Decimal:
    done = sum(weights[: on.month - 1], Decimal(0))
    days = calendar.monthrange(on.year, on.month)[1]
    done += weights[on.month - 1] * on.day / days
    return done / sum(weights, Decimal(0))


def _stepped(points: list[ProfilePoint], on: date) -> Decimal:
    passed = [p for p in sorted(points, key=lambda p: p.on) if p.on <= on]
    return passed[-1].share if passed else Decimal(0)
