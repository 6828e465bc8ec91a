"""Judging one indicator for one unit against 序时进度.

Measures (all in percent):
- expected_pct: 100 x `expected_share` for cumulative targets and milestone tasks (`pro_rated`); 100
  for level targets (rates, shares, growth), which are judged against their threshold at the point in time, never pro-rated.
- completion_pct: actual / target x 100; for a level ceiling (`<=`, 逆向指标) target / actual x 100
  (100 when actual <= 0); for a cumulative ceiling the share of the ceiling used, actual / target x 100.
- gap_pp: percentage points BEHIND expectation (negative = ahead): expected - completion, except for a
  cumulative ceiling where using the budget faster than expected is behind: completion - expected.
  A target <= 0 cannot be scaled: completion is 100 or 0 and the gap 0 or 100 (met or not).

Status, first rule that applies:
1. no figure -> 未报送;  2. a cumulative ceiling already exceeded -> 严重滞后;
3. target met -> 已完成 (a cumulative ceiling counts as met only from its deadline on);
4. deadline (`due`, else 31 Dec) passed, or a milestone node passed and missed -> 严重滞后;
5. gap > far_behind -> 严重滞后;  6. gap >= behind -> 滞后;  7. gap <= -ahead -> 超序时;  8. 正常.
Boundaries: exactly `behind` (10) and exactly `far_behind` (30) points behind are both 滞后;
exactly `ahead` (5) points ahead is 超序时.  `>` (突破) needs actual > target to be met; `=` (达到) and
`~` (左右) are met at actual >= target.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from duban.choices import Accumulation, Comparator, IndicatorKind, MilestoneStage, ProfileKind, Status
from duban.plan.model import Indicator, Thresholds
from duban.progress.expected import deadline, expected_share

HUNDRED = Decimal(100)
# Credit for a milestone-type task at each stage, as a share of the task.
STAGE_SHARE: dict[MilestoneStage, Decimal] = {
    MilestoneStage.NOT_STARTED: Decimal(0),
    MilestoneStage.PREPARING: Decimal("0.3"),
    MilestoneStage.UNDERWAY: Decimal("0.6"),
    MilestoneStage.COMPLETED: Decimal(1),
}
GOOD_STATUSES = frozenset({Status.DONE, Status.AHEAD, Status.ON_TRACK})


@dataclass(frozen=True)
class Judgement:
    """Where one indicator stands for one unit on one date."""

    status: Status
    completion_pct: Decimal | None
    expected_pct: Decimal
    gap_pp: Decimal | None
    aspiration: bool = False

    @property
    def label(self) -> str:
        return self.status.label

    @property
    def colour(self) -> str:
        return self.status.colour

    @property
    def in_headline(self) -> bool:
        """力争 targets are shown but kept out of headline counts."""
        return not self.aspiration


def satisfies(*, comparator: Comparator, actual: Decimal, target: Decimal) -> bool:
    """Whether `actual` meets `target` under `comparator`."""
    if comparator is Comparator.AT_MOST:
        return actual <= target
    if comparator is Comparator.MORE_THAN:
        return actual > target
    return actual >= target


def stage_value(*, stage: MilestoneStage, target: Decimal) -> Decimal:
    """The figure a milestone stage stands for: the stage's credit times the target."""
    return STAGE_SHARE[stage] * target


def pro_rated(indicator: Indicator) -> bool:
    """Whether 序时进度 accrues over time: cumulative targets and milestone tasks, not levels."""
    return indicator.accumulation is Accumulation.CUMULATIVE or indicator.kind is IndicatorKind.MILESTONE


def expected_pct(*, indicator: Indicator, year: int, on: date) -> Decimal:
    """序时进度 in percent for this indicator on `on` (100 for level targets)."""
    if not pro_rated(indicator):
        return HUNDRED
    return HUNDRED * expected_share(profile=indicator.profile, year=year, on=on, due=indicator.due)


def measure(
    *, indicator: Indicator, target: Decimal, actual: Decimal, expected: Decimal
) -> tuple[Decimal, Decimal]:
    """(completion_pct, gap_pp) in the indicator's right direction; see the module docstring."""
    ceiling = indicator.comparator is Comparator.AT_MOST
    if target <= 0:
        met = satisfies(comparator=indicator.comparator, actual=actual, target=target)
        return (HUNDRED, Decimal(0)) if met else (Decimal(0), HUNDRED)
    if ceiling and pro_rated(indicator):
        completion = HUNDRED * actual / target
        return completion, completion - expected
    if ceiling:
        completion = HUNDRED * target / actual if actual > 0 else HUNDRED
        return completion, expected - completion
    completion = HUNDRED * actual / target
    return completion, expected - completion


def status_for_gap(*, gap: Decimal, thresholds: Thresholds) -> Status:
    """滞后 from `behind` to `far_behind` points behind inclusive, 超序时 from `ahead` points ahead."""
    if gap > thresholds.far_behind:
        return Status.FAR_BEHIND
    if gap >= thresholds.behind:
        return Status.BEHIND
    if gap <= -thresholds.ahead:
        return Status.AHEAD
    return Status.ON_TRACK


def judge(
    *,
    indicator: Indicator,
    target: Decimal,
    actual: Decimal | None,
    on: date,
    year: int,
    thresholds: Thresholds,
    stage: MilestoneStage | None = None,
) -> Judgement:
    """Status, completion, 序时进度 and gap of one indicator for one unit on `on`."""
    if stage is not None:
        actual = stage_value(stage=stage, target=target)
    expected = expected_pct(indicator=indicator, year=year, on=on)
    if actual is None:
        return Judgement(Status.NOT_REPORTED, None, expected, None, indicator.aspiration)
    completion, gap = measure(indicator=indicator, target=target, actual=actual, expected=expected)
    status = _status(
        indicator=indicator, target=target, actual=actual, on=on, year=year, gap=gap, expected=expected
    )
    if status is None:
        status = status_for_gap(gap=gap, thresholds=thresholds)
    return Judgement(status, completion, expected, gap, indicator.aspiration)


def _status(
    *,
    indicator: Indicator,
    target: Decimal,
    actual: Decimal,
    on: date,
    year: int,
    gap: Decimal,
    expected: Decimal,
) -> Status | None:
    cumulative = pro_rated(indicator)
    met = satisfies(comparator=indicator.comparator, actual=actual, target=target)
    end = deadline(year=year, due=indicator.due)
    if indicator.comparator is Comparator.AT_MOST and cumulative:
        if not met:
            return Status.FAR_BEHIND
        met = on >= end
    if met:
        return Status.DONE
    nodes = indicator.profile.kind is ProfileKind.MILESTONES and cumulative
    missed_node = nodes and gap > 0 and expected > 0
    return Status.FAR_BEHIND if on > end or missed_node else None
