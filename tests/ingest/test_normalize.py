import unicodedata

import pytest

from duban.ingest.normalize import normalize


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            "在高原特色产业方面,深入推进苹\n\n果产业提质增效。",
            "在高原特色产业方面,深入推进苹果产业提质增效。",
        ),
        (
            "新开工项目1000个以上,力争产业投\n\n资、民间投资占比分别达到55%。",
            "新开工项目1000个以上,力争产业投资、民间投资占比分别达到55%。",
        ),
        (
            "统筹推进城乡融合发展,持续提升城乡融合发\n展水平。",
            "统筹推进城乡融合发展,持续提升城乡融合发展水平。",
        ),
        ("新增保障性租赁住房 and 城市危旧房改造900套", "新增保障性租赁住房和城市危旧房改造900套"),
        ("统筹不低于**40亿元**涉农资金", "统筹不低于40亿元涉农资金"),
        ("增长５．５％，达到１２０亿元。", "增长5.5%,达到120亿元。"),
        (
            "大抓经济建设 持续巩固态势\n\n大抓经济建设,持续巩固。",
            "大抓经济建设 持续巩固态势\n\n大抓经济建设,持续巩固。",
        ),
        ("改造老旧小区72个。\n\n2 建好农村公路", "改造老旧小区72个。\n\n2 建好农村公路"),
        (
            "港口是云南唯一的多式联运港口,三千吨级船舶可通江达海。乙地很好。\n\n丙地也好,港口是云南唯一的多式联运港口,三千吨级船舶可通江达海。",
            "港口是云南唯一的多式联运港口,三千吨级船舶可通江达海。乙地很好。\n\n丙地也好,",
        ),
        ("确保完成目标任务。\n\n确保完成目标任务。", "确保完成目标任务。\n\n确保完成目标任务。"),
        ("", ""),
    ],
)
def test_normalize_text(source: str, expected: str) -> None:
    assert normalize(source).text == expected


@pytest.mark.parametrize(
    "source",
    [
        "深入推进苹\n\n果产业提质增效,加快发展。",
        "统筹不低于**40亿元**涉农资金,住房 and 城市",
        "增长５．５％，达到１２０亿元。\n\n",
    ],
)
def test_every_character_maps_back_to_the_original(source: str) -> None:
    nt = normalize(source)
    for index, char in enumerate(nt.text):
        original = source[nt.origin[index]]
        assert unicodedata.normalize("NFKC", original) == char or (char == "和" and original in " a")


def test_original_span_and_line() -> None:
    source = "标题\n\n统筹不低于**40亿元**涉农资金"
    nt = normalize(source)
    start = nt.text.index("40亿元")
    span = nt.original_span(start, start + len("40亿元"))
    assert source[span[0] : span[1]] == "40亿元"
    assert nt.line_of(span[0]) == 3
