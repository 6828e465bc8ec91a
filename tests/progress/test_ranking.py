from __future__ import annotations

from decimal import Decimal

import pytest

from duban.choices import Status
from duban.progress.ranking import (
    Ranking,
    ScoredItem,
    places,
    rank_changes,
    rank_units,
    summarise_areas,
    top_and_bottom,
)

S = Status


def items(unit: str, *statuses: Status, area: str = "经济", weight: str = "1") -> list[ScoredItem]:
    return [ScoredItem(unit, f"I{i}", s, area, Decimal(weight)) for i, s in enumerate(statuses)]


ROWS = [
    *items("甲", S.DONE, S.ON_TRACK, S.BEHIND),  # 2/3 good, 1/3 done
    *items("乙", S.DONE, S.DONE, S.FAR_BEHIND),  # 2/3 good, 2/3 done: listed above 甲, but 并列 with it
    *items("丙", S.BEHIND, S.NOT_REPORTED, S.AHEAD),  # 1/3
    *items("丁", S.AHEAD, S.BEHIND, S.NOT_REPORTED),  # 1/3, same done share and far count: tied with 丙
    *items("戊", S.FAR_BEHIND, S.NOT_REPORTED, S.BEHIND),  # 0
]


def test_ranking_with_ties() -> None:
    ranked = rank_units(items=ROWS)
    assert [(r.unit, r.rank) for r in ranked] == [("乙", 1), ("甲", 1), ("丙", 3), ("丁", 3), ("戊", 5)]
    assert round(ranked[0].score, 2) == Decimal("66.67") and ranked[-1].score == 0
    assert (ranked[-1].far_behind, ranked[-1].not_reported) == (1, 1)
    top, bottom = top_and_bottom(rankings=ranked)
    assert [r.unit for r in top] == ["乙", "甲", "丙"]
    assert [r.unit for r in bottom] == ["戊", "丁", "丙"]


@pytest.mark.parametrize(
    ("scores", "ranks"),
    [
        (["90", "80", "70"], [1, 2, 3]),
        (["90", "90", "90"], [1, 1, 1]),  # equal scores are 并列, never 1, 2, 3
        (["90", "80", "80", "70"], [1, 2, 2, 4]),
        (["83.34", "83.30", "83.2"], [1, 1, 3]),  # both print as 83.3
        (["83.35", "83.34"], [1, 2]),  # 83.4 and 83.3
        ([], []),
    ],
)
def test_equal_shown_scores_share_a_rank(scores: list[str], ranks: list[int]) -> None:
    assert places(scores=[Decimal(s) for s in scores]) == ranks


def test_area_weights_and_aspirations() -> None:
    rows = [
        *items("甲", S.DONE, area="民生", weight="3"),
        *items("甲", S.BEHIND, area="经济", weight="1"),
        ScoredItem("甲", "力争", S.FAR_BEHIND, "经济", Decimal(1), aspiration=True),
        *items("乙", S.DONE, S.DONE, S.DONE, S.BEHIND),
    ]
    ranked = rank_units(items=rows)
    # 甲: 3 / (3 + 1) = 75 (力争 left out); 乙: 3 / 4 = 75, done 75 for both: tied
    assert [(r.unit, r.rank, r.score) for r in ranked] == [("甲", 1, Decimal(75)), ("乙", 1, Decimal(75))]
    with_aspirations = rank_units(items=rows, include_aspirations=True)
    assert [(r.unit, r.score) for r in with_aspirations] == [("乙", Decimal(75)), ("甲", Decimal(60))]


def test_area_summaries() -> None:
    summaries = summarise_areas(items=[*ROWS, *items("甲", S.DONE, area="民生")])
    assert [(s.area, s.total) for s in summaries] == [("经济", 15), ("民生", 1)]
    assert summaries[0].counts[S.BEHIND] == 4 and summaries[0].counts[S.NOT_REPORTED] == 3
    assert summaries[0].good_share == Decimal(40)  # 6 of 15
    assert summaries[1].good_share == Decimal(100)


def _ranked(*rows: tuple[str, int, str]) -> list[Ranking]:
    return [Ranking(unit=u, rank=r, score=Decimal(s), done_share=Decimal(0), counts={}) for u, r, s in rows]


@pytest.mark.parametrize(
    ("before", "now", "places_moved", "points", "words"),
    [
        ((3, "60.04"), (1, "72.96"), 2, "13.0", "上升2位，得分增加13.0分"),
        ((1, "80"), (2, "79.96"), -1, "0.0", "下降1位，得分持平"),  # shown scores 80.0 and 80.0
        ((2, "70"), (2, "68.5"), 0, "-1.5", "名次持平，得分减少1.5分"),
    ],
)
def test_rank_changes(before, now, places_moved, points, words) -> None:
    change = rank_changes(now=_ranked(("镇雄县", *now)), before=_ranked(("镇雄县", *before)))["镇雄县"]
    assert (change.places, change.score, change.words) == (places_moved, Decimal(points), words)


def test_a_unit_new_to_the_ranking_has_no_change() -> None:
    assert rank_changes(now=_ranked(("水富市", 1, "50")), before=[]) == {}
