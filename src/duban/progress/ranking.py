"""Rankings of counties and per-area summaries, the figures a 督查通报 needs.

Composite score of a unit, 0..100: the weighted share of its judged targets that are 已完成,
超序时 or 正常, each target weighted by its area's `Area.weight` (1 by default). 未报送 counts
against the unit (in the denominator, never in the numerator); 待审核 (a figure awaiting review) is
counted but not scored until it is reviewed. 力争 targets are left out unless
`include_aspirations`. Targets without a status (no target for that unit) are not passed in.
Order: higher score first; then the higher weighted share of 已完成; then fewer 严重滞后. Ranks
come from the score alone, as published (one decimal): equal scores are 并列 and share a rank
(1, 2, 2, 4) whatever the order after them; the other two only order the lines.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal

from duban.choices import Status
from duban.progress.judge import GOOD_STATUSES

HUNDRED = Decimal(100)
TENTH = Decimal("0.1")


@dataclass(frozen=True)
class ScoredItem:
    """One judged (unit, indicator) pair, as input to rankings and summaries."""

    unit: str
    indicator: str
    status: Status
    area: str = ""
    weight: Decimal = Decimal(1)
    aspiration: bool = False


@dataclass(frozen=True)
class Ranking:
    """A unit's place in the ranking and the counts behind its score."""

    unit: str
    rank: int
    score: Decimal
    done_share: Decimal
    counts: dict[Status, int]  # the unit's scored targets by status: every count below comes from it

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def good(self) -> int:
        return sum(self.counts.get(s, 0) for s in GOOD_STATUSES)

    @property
    def far_behind(self) -> int:
        return self.counts.get(Status.FAR_BEHIND, 0)

    @property
    def not_reported(self) -> int:
        return self.counts.get(Status.NOT_REPORTED, 0)


@dataclass(frozen=True)
class AreaSummary:
    """Counts of targets by status in one area of work."""

    area: str
    counts: dict[Status, int]
    total: int

    @property
    def good_share(self) -> Decimal:
        """Percent of the area's targets that are done, ahead or on track."""
        good = sum(self.counts.get(s, 0) for s in GOOD_STATUSES)
        return HUNDRED * good / self.total if self.total else Decimal(0)


def rank_units(*, items: Iterable[ScoredItem], include_aspirations: bool = False) -> list[Ranking]:
    """Units ordered best first by composite score, ties as documented in the module."""
    groups: dict[str, list[ScoredItem]] = {}
    for item in items:
        if include_aspirations or not item.aspiration:
            groups.setdefault(item.unit, []).append(item)
    unranked = [_score(unit=unit, items=group) for unit, group in groups.items()]
    unranked.sort(key=_sort_key)
    ranks = places(scores=[row.score for row in unranked])
    return [_with_rank(row, rank) for row, rank in zip(unranked, ranks, strict=True)]


def shown_score(score: Decimal) -> Decimal:
    """The score as tables and the bulletin print it (one decimal, half up); ties are judged on it."""
    return score.quantize(TENTH, ROUND_HALF_UP)


def places(*, scores: list[Decimal]) -> list[int]:
    """Ranks of scores already in ranking order: equal shown scores are 并列 (1, 2, 2, 4)."""
    ranks: list[int] = []
    for place, score in enumerate(scores, start=1):
        tied = ranks and shown_score(scores[place - 2]) == shown_score(score)
        ranks.append(ranks[-1] if tied else place)
    return ranks


def top_and_bottom(*, rankings: list[Ranking], n: int = 3) -> tuple[list[Ranking], list[Ranking]]:
    """The first `n` and the last `n` (worst first) of a ranking."""
    return rankings[:n], list(reversed(rankings[-n:])) if n else []


def summarise_areas(*, items: Iterable[ScoredItem], include_aspirations: bool = False) -> list[AreaSummary]:
    """Status counts per area, areas in the order first seen."""
    counts: dict[str, dict[Status, int]] = {}
    for item in items:
        if include_aspirations or not item.aspiration:
            area = counts.setdefault(item.area, {})
            area[item.status] = area.get(item.status, 0) + 1
    return [AreaSummary(area, c, sum(c.values())) for area, c in counts.items()]


def _score(*, unit: str, items: list[ScoredItem]) -> Ranking:
    counts = {status: sum(1 for i in items if i.status is status) for status in Status}
    items = [i for i in items if i.status is not Status.PENDING]  # 待审核: counted, not yet judged
    weight = sum((i.weight for i in items), Decimal(0))
    good = sum((i.weight for i in items if i.status in GOOD_STATUSES), Decimal(0))
    done = sum((i.weight for i in items if i.status is Status.DONE), Decimal(0))
    score = HUNDRED * good / weight if weight else Decimal(0)
    done_share = HUNDRED * done / weight if weight else Decimal(0)
    return Ranking(unit=unit, rank=0, score=score, done_share=done_share, counts=counts)


def _sort_key(row: Ranking) -> tuple[Decimal, Decimal, int]:
    """Order only; ranks come from `places`."""
    return (-row.score, -row.done_share, row.far_behind)


def _with_rank(row: Ranking, rank: int) -> Ranking:
    return replace(row, rank=rank)


@dataclass(frozen=True)
class RankChange:
    """A unit's move since an earlier ranking: places gained (negative when it fell) and score points."""

    places: int
    score: Decimal

    @property
    def words(self) -> str:
        """较上月 in words, as a screen reader and the bulletin say it."""
        moved = (
            f"上升{self.places}位"
            if self.places > 0
            else f"下降{-self.places}位"
            if self.places < 0
            else "名次持平"
        )
        points = shown_score(abs(self.score))
        return (
            f"{moved}，得分{'增加' if self.score > 0 else '减少'}{points}分"
            if points
            else f"{moved}，得分持平"
        )


def rank_changes(*, now: Iterable[Ranking], before: Iterable[Ranking]) -> dict[str, RankChange]:
    """Each unit's move since the `before` ranking (units new to the ranking have none)."""
    earlier = {r.unit: r for r in before}
    return {
        r.unit: RankChange(places=earlier[r.unit].rank - r.rank,
                           score=shown_score(r.score) - shown_score(earlier[r.unit].score))
        for r in now if r.unit in earlier
    }  # fmt: skip
