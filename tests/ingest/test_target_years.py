"""Targets set for a later year (到2030年…, “十五五”末…) are marked with that year; the plan's own year is not."""

import pytest

from duban.ingest.context import DocumentFacts
from duban.ingest.targets import TARGET, BlockSetting, read_block

FACTS = DocumentFacts(region="临沅市", year=2026, counties=("镇雄县",))


def _read(text: str) -> list[tuple[str, str, int | None]]:
    found = read_block(text=text, start=0, setting=BlockSetting(facts=FACTS))
    return [(str(c.value), c.name, c.target_year) for c in found if c.status == TARGET]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("到2030年,常住人口城镇化率达到60%。", [("60", "常住人口城镇化率", 2030)]),
        ("力争到2030年全市城镇化率达到58%以上。", [("58", "城镇化率", 2030)]),
        ("到2030年,城乡居民收入比缩小到2.1∶1。", [("2.1", "城乡居民收入比缩小到", 2030)]),
        ("“十五五”末,森林覆盖率达到62%。", [("62", "森林覆盖率", 2030)]),
        ("2028年,全市5G基站达到8000个。", [("8000", "5G基站", 2028)]),
        # the plan's year, or no year: this year's target
        ("今年地区生产总值增长6%。", [("6", "地区生产总值增长", None)]),
        ("2026年新建学校5所。", [("5", "新建学校", None)]),
        ("到2026年底,完成农村户厕改造2000户。", [("2000", "完成农村户厕改造", None)]),
        # only the year named before the number counts
        ("今年新建学校5所,到2030年累计新建30所。", [("5", "新建学校", None), ("30", "累计新建", 2030)]),
        # a date early next year is a deadline of this year's work, not a later year's target
        ("2027年1月底前完成改造100户。", [("100", "1月底前完成改造", None)]),
    ],
)  # fmt: skip
def test_a_target_is_marked_with_the_later_year_it_is_set_for(text, expected):
    assert _read(text) == expected


def test_a_later_target_after_a_base_year_figure_is_a_target_the_figure_is_past():
    found = read_block(text="2025年城镇化率达到52%,到2030年提高到60%。", start=0,
                       setting=BlockSetting(facts=FACTS))  # fmt: skip
    assert [(str(c.value), c.status, c.target_year) for c in found] == [
        ("52", "past", None),
        ("60", TARGET, 2030),
    ]


def test_a_later_years_target_asks_the_reviewer_for_the_milestone():
    (found,) = read_block(
        text="到2030年,常住人口城镇化率达到60%。", start=0, setting=BlockSetting(facts=FACTS)
    )
    assert (
        found.flags == ["2030年目标：2026年按年度节点考核，请补充基期值或2026年节点"]
        and found.confidence == 0.7
    )


def test_a_review_section_stays_past_whatever_year_it_names():
    found = read_block(text="到2030年,常住人口城镇化率达到60%。", start=0,
                       setting=BlockSetting(facts=FACTS, past_section=True))  # fmt: skip
    assert [(c.status, c.target_year) for c in found] == [("past", None)]
